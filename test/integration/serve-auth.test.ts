/**
 * `berth serve` with TLS and htpasswd: podman, skopeo and berth pull with the right credentials
 * over https (trusting the test CA) and get the original registry's digests; no or wrong
 * credentials answer 401 with a Basic challenge; the htpasswd file is read again when it
 * changes. And the command's own errors: flags that do not go together, a bad address, a
 * non-bcrypt htpasswd entry, a port already in use — one line each, exit 125.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import {
  run,
  runOk,
  scratchPodman,
  skipUnlessTools,
  toolPath,
  writeTinyOciLayout,
  type RunResult,
  type ScratchPodman,
  type TinyImage,
} from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { startServe, request, type Serve } from '../helpers/serve.js';
import { startService } from '../helpers/service.js';

const skip = fs.existsSync('/usr/bin/docker-registry')
  ? skipUnlessTools('podman', 'skopeo', 'htpasswd', 'openssl')
  : '/usr/bin/docker-registry not installed';
const T = { timeout: 60_000 };
const skipDocker = toolPath('docker') ? false : 'the docker CLI is not installed';
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

async function bcryptLine(user: string, pass: string): Promise<string> {
  return (await runOk('htpasswd', ['-Bbn', user, pass])).stdout.trim();
}

describe('berth serve over TLS with htpasswd', { skip }, () => {
  let reg: Registry;
  let pod: ScratchPodman;
  let b: ScratchBerth;
  let serve: Serve;
  let work: string;
  let tiny: TinyImage;
  let htpasswd: string;
  let original: Buffer;
  let ca: string;

  const berth = async (args: string[], root?: string) => ok(await b.run(args, root ? { root } : {}), `berth ${args.join(' ')}`);

  before(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-serve-auth-'));
    [reg, pod, b] = await Promise.all([startRegistry({ tls: true }), scratchPodman(), scratchBerth()]);
    ca = reg.caCert!;
    tiny = await writeTinyOciLayout(path.join(work, 'tiny'), { tag: '1', gzip: true });
    ok(
      await pod.skopeo(['copy', '-q', '--dest-cert-dir', reg.certsDir!, `oci:${tiny.dir}:1`, `docker://${reg.host}/secure/tiny:1`]),
      'skopeo copy',
    );
    original = Buffer.from(
      ok(await pod.skopeo(['inspect', '--raw', '--cert-dir', reg.certsDir!, `docker://${reg.host}/secure/tiny:1`]), 'inspect').stdout,
    );
    await berth(['pull', '-q', '--cert-dir', reg.certsDir!, `${reg.host}/secure/tiny:1`]);
    htpasswd = path.join(work, 'htpasswd');
    await fsp.writeFile(htpasswd, `# users of the test\n${await bcryptLine('alice', 's3cret')}\n`);
    // the registry's server certificate is for 127.0.0.1: berth serve uses the same one
    serve = await startServe(
      b.root,
      ['--tls-cert', reg.tlsFiles!.serverCert, '--tls-key', reg.tlsFiles!.serverKey, '--htpasswd', htpasswd],
      b.env,
    );
  });

  after(async () => {
    await serve?.stop();
    await Promise.all([reg?.stop(), pod?.cleanup(), b?.cleanup(), fsp.rm(work, { recursive: true, force: true })]);
  });

  test('no or wrong credentials: 401 with a Basic challenge; right ones: 200 over https', T, async () => {
    assert.match(serve.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: basic('alice', 'wrong') },
      { Authorization: basic('mallory', 's3cret') },
      { Authorization: 'Bearer x' },
    ];
    for (const headers of attempts) {
      for (const p of ['/v2/', '/v2/secure/tiny/manifests/1', `/v2/secure/tiny/blobs/${tiny.layerDigest}`, '/v2/_catalog']) {
        const r = await request(`${serve.url}${p}`, { headers, ca });
        assert.equal(r.status, 401, `${p} ${JSON.stringify(headers)}`);
        assert.equal(r.headers['www-authenticate'], 'Basic realm="berth"');
        assert.equal(r.json<{ errors: { code: string }[] }>().errors[0]!.code, 'UNAUTHORIZED');
      }
    }
    const good = await request(`${serve.url}/v2/secure/tiny/manifests/1`, { headers: { Authorization: basic('alice', 's3cret') }, ca });
    assert.equal(good.status, 200);
    assert.ok(good.body.equals(original));
    // plain http to the https port gets no registry answer
    await assert.rejects(request(serve.url.replace('https:', 'http:') + '/v2/'), /socket hang up|ECONNRESET|Parse Error/);
    // a client that does not trust the CA cannot connect
    await assert.rejects(request(`${serve.url}/v2/`), /self.signed|unable to verify|certificate/i);
  });

  test('podman, skopeo and berth pull with the right password (and fail with a wrong one)', T, async () => {
    const certs = reg.certsDir!;
    const ref = `${serve.host}/secure/tiny:1`;
    const bad = await pod.run(['pull', '-q', '--cert-dir', certs, '--creds', 'alice:wrong', ref]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unauthorized|authentication required/i);
    ok(await pod.run(['pull', '-q', '--cert-dir', certs, '--creds', 'alice:s3cret', ref]), 'podman pull');
    const info = JSON.parse(ok(await pod.run(['inspect', ref]), 'podman inspect').stdout) as { Digest: string }[];
    assert.equal(info[0]!.Digest, sha256(original));

    const sk = await pod.skopeo(['inspect', '--cert-dir', certs, '--creds', 'alice:wrong', `docker://${ref}`]);
    assert.notEqual(sk.code, 0);
    assert.match(sk.stderr, /unauthorized|authentication required|invalid username\/password/i);
    const insp = JSON.parse(
      ok(await pod.skopeo(['inspect', '--cert-dir', certs, '--creds', 'alice:s3cret', `docker://${ref}`]), 'skopeo').stdout,
    ) as {
      Digest: string;
    };
    assert.equal(insp.Digest, sha256(original));

    const other = b.store();
    const wrong = await b.run(['pull', '-q', '--cert-dir', certs, '--creds', 'alice:nope', ref], { root: other });
    assert.notEqual(wrong.code, 0);
    assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
    await berth(['pull', '-q', '--cert-dir', certs, '--creds', 'alice:s3cret', ref], other);
    const img = JSON.parse((await berth(['inspect', ref], other)).stdout) as { Digest: string; Id: string }[];
    assert.equal(img[0]!.Digest, sha256(original));
    assert.equal(`sha256:${img[0]!.Id}`, tiny.configDigest);
  });

  test(
    'the docker CLI pulls from it through berth system service (docker login, then docker pull)',
    { ...T, skip: skipDocker },
    async () => {
      // the service trusts the test CA for this address through certs.d, as the docker daemon would
      const home = path.join(work, 'svc-home');
      await fsp.mkdir(path.join(home, '.config', 'containers', 'certs.d', serve.host), { recursive: true });
      await fsp.writeFile(path.join(home, '.config', 'containers', 'certs.d', serve.host, 'ca.crt'), ca);
      const svc = await startService({ root: b.store(), env: { ...b.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') } });
      try {
        const env = { DOCKER_HOST: svc.dockerHost, DOCKER_CONFIG: path.join(work, 'docker-config'), DOCKER_CONTEXT: undefined };
        const docker = (args: string[], input?: string) => run('docker', args, { env, input, timeoutMs: 45_000 });
        const ref = `${serve.host}/secure/tiny:1`;
        // (without credentials the docker CLI asks for a login on the terminal: not tried here)
        ok(await docker(['login', '-u', 'alice', '--password-stdin', serve.host], 's3cret\n'), 'docker login');
        const pulled = ok(await docker(['pull', ref]), 'docker pull');
        assert.match(pulled.stdout, new RegExp(`Digest: ${sha256(original)}`));
        const listed = ok(
          await docker(['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}']),
          'docker images',
        );
        assert.equal(listed.stdout, `${serve.host}/secure/tiny:1 ${sha256(original)} ${tiny.configDigest.slice(7, 19)}\n`);
      } finally {
        await svc.stop();
      }
    },
  );

  test('the htpasswd file is read again when it changes', T, async () => {
    const bob = { Authorization: basic('bob', 'pa55') };
    assert.equal((await request(`${serve.url}/v2/`, { headers: bob, ca })).status, 401);
    await fsp.appendFile(htpasswd, `${await bcryptLine('bob', 'pa55')}\n`);
    assert.equal((await request(`${serve.url}/v2/`, { headers: bob, ca })).status, 200);
    // alice removed: her credentials, accepted before, are refused now
    await fsp.writeFile(htpasswd, `${await bcryptLine('bob', 'pa55')}\n`);
    assert.equal((await request(`${serve.url}/v2/`, { headers: { Authorization: basic('alice', 's3cret') }, ca })).status, 401);
    assert.ok(serve.alive());
  });
});

describe('berth serve: errors of the command', { skip }, () => {
  let b: ScratchBerth;
  let work: string;
  before(async () => {
    b = await scratchBerth();
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-serve-cli-'));
  });
  after(async () => {
    await Promise.all([b.cleanup(), fsp.rm(work, { recursive: true, force: true })]);
  });

  const fails = async (args: string[], message: RegExp) => {
    const r = await b.run(['serve', ...args]);
    assert.equal(r.code, 125, `serve ${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, message);
    assert.equal(r.stdout, '');
  };

  test('bad flags and files: one line, exit 125, nothing served', T, async () => {
    const md5 = path.join(work, 'md5');
    await fsp.writeFile(md5, (await runOk('htpasswd', ['-mbn', 'carol', 'x'])).stdout);
    await fails(['--tls-cert', path.join(work, 'c.pem')], /^Error: --tls-cert and --tls-key must be given together$/);
    await fails(['--addr', 'nohost'], /^Error: invalid --addr "nohost": expected HOST:PORT/);
    await fails(['--addr', '127.0.0.1:99999'], /^Error: invalid --addr/);
    await fails(['--htpasswd', path.join(work, 'missing')], /^Error: cannot read htpasswd file .*missing: no such file$/);
    await fails(['--htpasswd', md5], /^Error: .*md5, line 1: the entry of user "carol" is not a bcrypt hash/);
    await fails(
      ['--tls-cert', path.join(work, 'nope.crt'), '--tls-key', path.join(work, 'nope.key')],
      /^Error: cannot read certificate .*nope\.crt: no such file$/,
    );
    await fsp.writeFile(path.join(work, 'junk.pem'), 'not a certificate\n');
    await fails(
      ['--tls-cert', path.join(work, 'junk.pem'), '--tls-key', path.join(work, 'junk.pem')],
      /^Error: cannot use --tls-cert .* with --tls-key /,
    );
    await fails(['extra'], /accepts no arguments|takes no arguments|arguments/);
  });

  test('a port already in use: one line naming the address', T, async () => {
    const first = await startServe(b.root, [], b.env);
    try {
      const r = await b.run(['serve', '--addr', first.host]);
      assert.equal(r.code, 125, r.stderr);
      assert.equal(r.stderr.trim(), `Error: listen tcp ${first.host}: bind: address already in use`);
      assert.equal((await request(`${first.url}/v2/`)).status, 200, 'the first server still answers');
    } finally {
      assert.equal(await first.stop(), 0);
    }
  });
});
