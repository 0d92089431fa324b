/**
 * Reaching registries through the CLI, against the real registry (Debian docker-registry):
 * plain http (--tls-verify=false, registries.conf insecure = true), TLS with a test CA
 * (--cert-dir, certs.d under $HOME), htpasswd Basic auth with login/logout/--get-login, and
 * Bearer tokens with credentials from auth.json. Passwords never appear in any output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { writeTinyOciLayout, type RunResult, type TinyImage } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth as Berth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const T = { timeout: 60_000 };

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}

function assertNoSecret(outputs: RunResult[], ...secrets: string[]): void {
  for (const r of outputs) {
    for (const s of secrets) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `a secret appeared in the output:\n${r.stdout}\n${r.stderr}`);
    }
  }
}

const hex = (d: string) => d.slice(d.indexOf(':') + 1);
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A berth env whose store holds one tiny image named localhost/auth/tiny:1. */
async function berthWithImage(label: string, registriesConf?: string): Promise<{ b: Berth; img: TinyImage }> {
  const b = await scratchBerth(registriesConf);
  const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { files: { 'who.txt': `${label}\n` } });
  assertOk(await b.run(['pull', '-q', `oci:${img.dir}:latest`]), 'pull oci:');
  assertOk(await b.run(['tag', hex(img.configDigest), 'localhost/auth/tiny:1']), 'tag');
  return { b, img };
}

describe('plain http registry', { skip }, () => {
  let reg: Registry;
  let b: Berth;
  let img: TinyImage;
  before(async () => {
    reg = await startRegistry();
    ({ b, img } = await berthWithImage('plain'));
  });
  after(async () => {
    await reg?.stop();
    await b?.cleanup();
  });

  test('--tls-verify=false: push, then pull into an empty store', T, async () => {
    const r = await b.run(['push', '--tls-verify=false', 'localhost/auth/tiny:1', `${reg.host}/plain/tiny:1`]);
    assertOk(r, 'push');
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const p = await b.run(['pull', '--tls-verify=false', `${reg.host}/plain/tiny:1`], { root: path.join(b.dir, 'store2') });
    assertOk(p, 'pull');
    assert.equal(p.stdout, `${hex(img.configDigest)}\n`);
  });

  test('without --tls-verify=false an http registry is a clear error', T, async () => {
    for (const args of [
      ['pull', '--retry', '0', `${reg.host}/plain/tiny:1`],
      ['push', '--retry', '0', 'localhost/auth/tiny:1', `${reg.host}/plain/other:1`],
    ]) {
      const r = await b.run(args, { root: path.join(b.dir, args[0] === 'pull' ? 'store3' : 'store') });
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, new RegExp(`${reg.host} answered an HTTPS request with plain HTTP`));
      assert.match(r.stderr, /--tls-verify=false/);
      assert.equal(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('Error:')).length,
        1,
        'one error line',
      );
    }
  });

  test('registries.conf insecure = true allows http without the flag', T, async () => {
    const conf = `unqualified-search-registries = []\n[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`;
    await fsp.writeFile(b.confPath, conf);
    try {
      assertOk(await b.run(['push', 'localhost/auth/tiny:1', `${reg.host}/plain/insecure:1`]), 'push');
      const p = await b.run(['pull', `${reg.host}/plain/insecure:1`], { root: path.join(b.dir, 'store4') });
      assertOk(p, 'pull');
      assert.equal(p.stdout, `${hex(img.configDigest)}\n`);
      // --tls-verify=true overrides registries.conf
      const strict = await b.run(['pull', '--retry', '0', '--tls-verify=true', `${reg.host}/plain/insecure:1`], {
        root: path.join(b.dir, 'store5'),
      });
      assert.equal(strict.code, 125);
    } finally {
      await fsp.writeFile(b.confPath, 'unqualified-search-registries = []\n');
    }
  });
});

describe('TLS registry with a test CA', { skip }, () => {
  let reg: Registry;
  let b: Berth;
  let img: TinyImage;
  before(async () => {
    reg = await startRegistry({ tls: true });
    ({ b, img } = await berthWithImage('tls'));
  });
  after(async () => {
    await reg?.stop();
    await b?.cleanup();
  });

  test('an unknown CA is refused with a hint', T, async () => {
    const r = await b.run(['push', '--retry', '0', 'localhost/auth/tiny:1', `${reg.host}/tls/tiny:1`]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`TLS connection to ${reg.host} failed`));
    assert.match(r.stderr, /--cert-dir/);
  });

  test('--cert-dir: push and pull', T, async () => {
    assertOk(await b.run(['push', '--cert-dir', reg.certsDir!, 'localhost/auth/tiny:1', `${reg.host}/tls/tiny:1`]), 'push --cert-dir');
    const p = await b.run(['pull', '--cert-dir', reg.certsDir!, `${reg.host}/tls/tiny:1`], { root: path.join(b.dir, 'store2') });
    assertOk(p, 'pull --cert-dir');
    assert.equal(p.stdout, `${hex(img.configDigest)}\n`);
  });

  test('certs.d lookup: ~/.config/containers/certs.d/HOST:PORT/ca.crt', T, async () => {
    const certsD = path.join(b.home, '.config/containers/certs.d');
    await fsp.cp(reg.certsD!, certsD, { recursive: true });
    assert.ok(fs.existsSync(path.join(certsD, reg.host, 'ca.crt')));
    try {
      assertOk(await b.run(['push', 'localhost/auth/tiny:1', `${reg.host}/tls/certsd:1`]), 'push via certs.d');
      const p = await b.run(['pull', `${reg.host}/tls/certsd:1`], { root: path.join(b.dir, 'store3') });
      assertOk(p, 'pull via certs.d');
      assert.equal(p.stdout, `${hex(img.configDigest)}\n`);
      // the port must match exactly: a directory for the bare host does not serve host:port
      await fsp.rename(path.join(certsD, reg.host), path.join(certsD, '127.0.0.1'));
      const r = await b.run(['pull', '--retry', '0', `${reg.host}/tls/certsd:1`], { root: path.join(b.dir, 'store4') });
      assert.equal(r.code, 125);
      assert.match(r.stderr, /TLS connection/);
    } finally {
      await fsp.rm(certsD, { recursive: true, force: true });
    }
  });

  test('--tls-verify=false skips certificate checks', T, async () => {
    const p = await b.run(['pull', '--tls-verify=false', `${reg.host}/tls/tiny:1`], { root: path.join(b.dir, 'store5') });
    assertOk(p, 'pull --tls-verify=false');
    assert.equal(p.stdout, `${hex(img.configDigest)}\n`);
  });
});

describe('htpasswd registry: login, logout, credentials from auth.json', { skip }, () => {
  const user = 'alice';
  const password = 'Pw-7f3k9-zq!s3cret';
  let reg: Registry;
  let b: Berth;
  let img: TinyImage;
  before(async () => {
    reg = await startRegistry({ tls: true, htpasswd: { user, password } });
    ({ b, img } = await berthWithImage('htpasswd'));
    // the CA via certs.d, so only login needs a flag
    await fsp.cp(reg.certsD!, path.join(b.home, '.config/containers/certs.d'), { recursive: true });
  });
  after(async () => {
    if (b) assertNoSecret(b.outputs, password, b64(`${user}:${password}`));
    await reg?.stop();
    await b?.cleanup();
  });

  test('without credentials: push and pull say that a login is needed', T, async () => {
    const r = await b.run(['push', '--retry', '0', 'localhost/auth/tiny:1', `${reg.host}/ht/tiny:1`]);
    assert.equal(r.code, 125);
    // podman's words: "... checking whether a blob ... exists in HOST/REPO: unauthorized: authentication required"
    assert.match(
      r.stderr,
      new RegExp(
        `^Error: trying to reuse blob sha256:[0-9a-f]{64} at destination: checking whether a blob sha256:[0-9a-f]{64} exists in ${reg.host}/ht/tiny: unauthorized: authentication required$`,
        'm',
      ),
    );
  });

  test('login with a wrong password: clear error, nothing written', T, async () => {
    const r = await b.run(['login', '--cert-dir', reg.certsDir!, '-u', user, '-p', 'wrong-password-x', reg.host]);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error: logging into "${reg.host}": invalid username/password\n`);
    assert.ok(!r.stderr.includes('wrong-password-x'));
    assert.equal(r.stdout, '');
    assert.ok(!fs.existsSync(b.authFile), 'no auth file written');
  });

  test('login -u -p writes auth.json (0600); push and pull then work; --get-login', T, async () => {
    const r = await b.run(['login', '--cert-dir', reg.certsDir!, '-u', user, '-p', password, reg.host]);
    assertOk(r, 'login');
    assert.equal(r.stdout, 'Login Succeeded!\n');
    const st = await fsp.stat(b.authFile);
    assert.equal(st.mode & 0o777, 0o600);
    const doc = JSON.parse(await fsp.readFile(b.authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.deepEqual(Object.keys(doc.auths), [reg.host]);
    assert.equal(Buffer.from(doc.auths[reg.host]!.auth, 'base64').toString(), `${user}:${password}`);

    const who = await b.run(['login', '--get-login', reg.host]);
    assertOk(who, 'login --get-login');
    assert.equal(who.stdout, `${user}\n`);

    const push = await b.run(['push', 'localhost/auth/tiny:1', `${reg.host}/ht/tiny:1`]);
    assertOk(push, 'push with auth.json credentials');
    const pull = await b.run(['pull', `${reg.host}/ht/tiny:1`], { root: path.join(b.dir, 'store2') });
    assertOk(pull, 'pull with auth.json credentials');
    assert.equal(pull.stdout, `${hex(img.configDigest)}\n`);
    const tags = await b.run(['search', '--list-tags', '--format', '{{.Tag}}', `${reg.host}/ht/tiny`]);
    assertOk(tags, 'search --list-tags');
    assert.equal(tags.stdout, '1\n');
  });

  test('logout removes the entry; pulls need credentials again; logout twice is an error', T, async () => {
    const r = await b.run(['logout', reg.host]);
    assertOk(r, 'logout');
    assert.equal(r.stdout, `Removed login credentials for ${reg.host}\n`);
    const doc = JSON.parse(await fsp.readFile(b.authFile, 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(doc.auths, {});
    const pull = await b.run(['pull', '--retry', '0', `${reg.host}/ht/tiny:1`], { root: path.join(b.dir, 'store3') });
    assert.equal(pull.code, 125);
    assert.match(pull.stderr, /authentication required/);
    const again = await b.run(['logout', reg.host]);
    assert.equal(again.code, 125);
    assert.match(again.stderr, new RegExp(`not logged into ${reg.host}`));
    const who = await b.run(['login', '--get-login', reg.host]);
    assert.equal(who.code, 125);
    assert.match(who.stderr, /not logged into/);
  });

  test('--password-stdin, the default auth file under $XDG_RUNTIME_DIR, logout -a', T, async () => {
    const env = { REGISTRY_AUTH_FILE: undefined };
    const r = await b.run(['login', '--cert-dir', reg.certsDir!, '-u', user, '--password-stdin', reg.host], {
      env,
      input: `${password}\n`,
    });
    assertOk(r, 'login --password-stdin');
    const file = path.join(b.env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
    assert.equal((await fsp.stat(file)).mode & 0o777, 0o600);
    const doc = JSON.parse(await fsp.readFile(file, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(
      Buffer.from(doc.auths[reg.host]!.auth, 'base64').toString(),
      `${user}:${password}`,
      'the trailing newline is not part of the password',
    );
    // a second, namespaced entry
    assertOk(
      await b.run(['login', '--cert-dir', reg.certsDir!, '-u', user, '-p', password, `${reg.host}/ht`], { env }),
      'login to a namespace',
    );

    const pull = await b.run(['pull', `${reg.host}/ht/tiny:1`], { env, root: path.join(b.dir, 'store4') });
    assertOk(pull, 'pull with the default auth file');

    const out = await b.run(['logout', '-a'], { env });
    assertOk(out, 'logout -a');
    assert.equal(out.stdout, 'Removed login credentials for all registries\n');
    const after = JSON.parse(await fsp.readFile(file, 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(after.auths, {});
  });

  test('--creds works without a login; wrong --creds is refused', T, async () => {
    const ok = await b.run(['pull', '--creds', `${user}:${password}`, `${reg.host}/ht/tiny:1`], { root: path.join(b.dir, 'store5') });
    assertOk(ok, 'pull --creds');
    const bad = await b.run(['pull', '--retry', '0', '--creds', `${user}:nope-nope`, `${reg.host}/ht/tiny:1`], {
      root: path.join(b.dir, 'store6'),
    });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, new RegExp(`^Error: reading manifest ${reg.host}/ht/tiny:1: unauthorized: authentication required$`, 'm'));
    assert.ok(!bad.stderr.includes('nope-nope'));
  });

  test('login usage errors', T, async () => {
    let r = await b.run(['login', '-u', user, reg.host]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /no password given/);
    r = await b.run(['login', '-p', password, '--password-stdin', '-u', user, reg.host], { input: 'x\n' });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /cannot be used together/);
    r = await b.run(['logout']);
    assert.equal(r.code, 125);
  });
});

describe('Bearer token registry: credentials from auth.json', { skip }, () => {
  const user = 'bob';
  const password = 'T0ken-Pw-4c2e9b7a';
  let reg: Registry;
  let b: Berth;
  let img: TinyImage;
  before(async () => {
    reg = await startRegistry({ token: true, htpasswd: { user, password } });
    ({ b, img } = await berthWithImage('token'));
  });
  after(async () => {
    if (b) assertNoSecret(b.outputs, password, b64(`${user}:${password}`));
    await reg?.stop();
    await b?.cleanup();
  });

  test('anonymous push is refused', T, async () => {
    const r = await b.run(['push', '--retry', '0', '--tls-verify=false', 'localhost/auth/tiny:1', `${reg.host}/tok/tiny:1`]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /authentication required|refused anonymous access/);
  });

  test("login with a wrong password: podman's words; nothing written", T, async () => {
    const r = await b.run(['login', '--tls-verify=false', '-u', user, '-p', 'bad-token-pw', reg.host]);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error: logging into "${reg.host}": invalid username/password\n`);
    assert.ok(!r.stderr.includes('bad-token-pw'));
    assert.ok(!fs.existsSync(b.authFile));
  });

  test('login, then push and pull with tokens issued for the stored credentials', T, async () => {
    const issuer = reg.tokenIssuer!;
    assertOk(await b.run(['login', '--tls-verify=false', '-u', user, '-p', password, reg.host]), 'login');
    assert.equal((await fsp.stat(b.authFile)).mode & 0o777, 0o600);
    const before = issuer.requests.length;
    const push = await b.run(['push', '--tls-verify=false', 'localhost/auth/tiny:1', `${reg.host}/tok/tiny:1`]);
    assertOk(push, 'push');
    const pull = await b.run(['pull', '--tls-verify=false', `${reg.host}/tok/tiny:1`], { root: path.join(b.dir, 'store2') });
    assertOk(pull, 'pull');
    assert.equal(pull.stdout, `${hex(img.configDigest)}\n`);
    const reqs = issuer.requests.slice(before);
    assert.ok(reqs.length >= 2, 'one token per operation at least');
    for (const q of reqs) {
      assert.equal(q.user, user);
      assert.equal(q.authenticated, true);
      assert.equal(q.status, 200);
    }
    assert.ok(
      reqs.some((q) => q.scopes.includes('repository:tok/tiny:pull,push')),
      JSON.stringify(reqs.map((q) => q.scopes)),
    );
    assert.ok(reqs.some((q) => q.scopes.includes('repository:tok/tiny:pull')));
    // list-tags with the same credentials
    const tags = await b.run(['image', 'list-tags', '--tls-verify=false', '--format', '{{.Tag}}', `${reg.host}/tok/tiny`]);
    assertOk(tags, 'list-tags');
    assert.equal(tags.stdout, '1\n');
  });

  test('after logout the registry refuses again', T, async () => {
    assertOk(await b.run(['logout', reg.host]), 'logout');
    const pull = await b.run(['pull', '--retry', '0', '--tls-verify=false', `${reg.host}/tok/tiny:1`], {
      root: path.join(b.dir, 'store3'),
    });
    assert.equal(pull.code, 125);
    assert.match(pull.stderr, /authentication required|refused anonymous access/);
  });
});
