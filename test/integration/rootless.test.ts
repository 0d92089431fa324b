/**
 * berth as a user who is not root and has no $XDG_RUNTIME_DIR (a login over su, cron, CI):
 * an anonymous pull works (no EACCES on /run/containers/UID/auth.json), login writes to
 * podman's runtime-directory fallback (/run/user/UID, else $TMPDIR/storage-run-UID, 0700)
 * and pulls find the credentials there, and a credentials file that cannot be read only
 * warns when the pull needs no credentials. Runs only as root (it adds a user).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { run, runOk, toolPath, writeTinyOciLayout, writeUserPolicy, type RunResult } from '../helpers/tools.js';
import { BERTH_CLI, scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const USER = 'berth-rootless';
const T = { timeout: 90_000 };
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = !isRoot
  ? 'needs root (to add a user)'
  : !fs.existsSync('/usr/bin/docker-registry')
    ? '/usr/bin/docker-registry not installed'
    : !toolPath('useradd') || !toolPath('runuser')
      ? 'useradd/runuser missing'
      : false;
const hex = (d: string) => d.slice(d.indexOf(':') + 1);

describe('as a user without $XDG_RUNTIME_DIR', { skip }, () => {
  let b: ScratchBerth;
  let plain: Registry;
  let locked: Registry;
  let uid: number;
  let home: string;
  let tmp: string;
  let imageId: string;
  const creds = { user: 'rootless', password: 'r00tless-secret' };

  /** berth as the test user, with a minimal environment: no XDG variables at all. */
  const asUser = (args: string[], input?: string): Promise<RunResult> =>
    run(
      'runuser',
      [
        '-u',
        USER,
        '--',
        '/usr/bin/env',
        '-i',
        'PATH=/usr/bin:/bin',
        `HOME=${home}`,
        `TMPDIR=${tmp}`,
        `CONTAINERS_REGISTRIES_CONF=${path.join(home, 'registries.conf')}`,
        process.execPath,
        BERTH_CLI,
        '--root',
        path.join(home, 'store'),
        ...args,
      ],
      { input: input ?? '', timeoutMs: 60_000 },
    );

  before(async () => {
    if ((await run('id', ['-u', USER])).code !== 0)
      await runOk('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    uid = Number((await runOk('id', ['-u', USER])).stdout.trim());
    b = await scratchBerth();
    home = path.join(b.dir, 'user-home');
    tmp = path.join(b.dir, 'user-tmp');
    await fsp.mkdir(home, { mode: 0o700 });
    await fsp.mkdir(tmp, { mode: 0o700 });
    await fsp.writeFile(path.join(home, 'registries.conf'), 'unqualified-search-registries = []\n');
    writeUserPolicy(home);
    for (const p of [home, tmp, path.join(home, 'registries.conf')]) await fsp.chown(p, uid, uid);
    await fsp.chmod(b.dir, 0o755);

    plain = await startRegistry();
    locked = await startRegistry({ htpasswd: creds });
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { files: { 'r.txt': 'rootless\n' } });
    imageId = hex(img.configDigest);
    for (const [reg, extra] of [
      [plain, []],
      [locked, ['--creds', `${creds.user}:${creds.password}`]],
    ] as const) {
      const r = await b.run([
        'copy',
        ...extra.map((a) => (a === '--creds' ? '--dest-creds' : a)),
        '--dest-tls-verify=false',
        `oci:${img.dir}:latest`,
        `docker://${reg.host}/rootless/tiny:1`,
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await plain?.stop();
    await locked?.stop();
    await b?.cleanup();
  });

  test('an anonymous pull works and touches nothing under /run/containers', T, async () => {
    const r = await asUser(['pull', '-q', '--tls-verify=false', `${plain.host}/rootless/tiny:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${imageId}\n`);
    assert.equal(r.stderr, '');
    assert.ok(!fs.existsSync(`/run/containers/${uid}`), `/run/containers/${uid} must not be created`);
  });

  test("login writes podman's fallback runtime directory; pulls use it", T, async () => {
    const runUser = `/run/user/${uid}`;
    const st = fs.existsSync(runUser) ? fs.statSync(runUser) : undefined;
    const runtimeDir = st && st.uid === uid && (st.mode & 0o722) === 0o700 ? runUser : path.join(tmp, `storage-run-${uid}`);
    const authFile = path.join(runtimeDir, 'containers', 'auth.json');

    const denied = await asUser(['pull', '-q', '--tls-verify=false', '--retry', '0', `${locked.host}/rootless/tiny:1`]);
    assert.equal(denied.code, 125, 'the locked registry needs credentials');

    const login = await asUser(['login', '--tls-verify=false', '-u', creds.user, '--password-stdin', locked.host], `${creds.password}\n`);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout, 'Login Succeeded!\n');
    const f = fs.statSync(authFile);
    assert.equal(f.uid, uid);
    assert.equal(f.mode & 0o777, 0o600);
    if (runtimeDir !== runUser) assert.equal(fs.statSync(runtimeDir).mode & 0o777, 0o700);
    const doc = JSON.parse(await fsp.readFile(authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(doc.auths[locked.host]!.auth, 'base64').toString(), `${creds.user}:${creds.password}`);

    const r = await asUser(['pull', '-q', '--tls-verify=false', `${locked.host}/rootless/tiny:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${imageId}\n`);
    const logout = await asUser(['logout', locked.host]);
    assert.equal(logout.code, 0, logout.stderr);
  });

  test('a credentials file the user cannot read: the anonymous pull warns and works', T, async () => {
    const secret = path.join(b.dir, 'root-only-auth.json');
    await fsp.writeFile(secret, '{"auths":{}}\n', { mode: 0o600 });
    const r = await asUser(['pull', '-q', '--tls-verify=false', '--authfile', secret, `${plain.host}/rootless/tiny:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${imageId}\n`);
    assert.match(r.stderr, /level=warning msg=".*root-only-auth\.json.*permission denied.*continuing without credentials"/i);
  });

  test('a foreign $TMPDIR/storage-run-UID is refused for login', T, async () => {
    if (fs.existsSync(`/run/user/${uid}`)) return; // the fallback is not used on this machine
    const other = path.join(b.dir, 'other-tmp');
    await fsp.mkdir(path.join(other, `storage-run-${uid}`), { recursive: true, mode: 0o777 });
    await fsp.chmod(path.join(other, `storage-run-${uid}`), 0o777);
    const r = await run(
      'runuser',
      [
        '-u',
        USER,
        '--',
        '/usr/bin/env',
        '-i',
        'PATH=/usr/bin:/bin',
        `HOME=${home}`,
        `TMPDIR=${other}`,
        process.execPath,
        BERTH_CLI,
        'login',
        '--tls-verify=false',
        '-u',
        creds.user,
        '--password-stdin',
        locked.host,
      ],
      { input: `${creds.password}\n` },
    );
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      new RegExp(`^Error: path "${other}/storage-run-${uid}" exists and it is not writeable only by the current user`),
    );
  });
});
