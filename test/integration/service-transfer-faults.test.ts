/**
 * Transfers that go wrong: a registry with htpasswd auth (X-Registry-Auth, /auth, the docker
 * CLI's login and its retry after a 401), and a registry that dies in the middle of a layer
 * (errorDetail at the end of the stream, nothing recorded, the service keeps serving).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { run, toolPath } from '../helpers/tools.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startWorld, noise, messages, statuses, request } from './service-transfer-fixture.js';

const USER = 'alice';
const PASS = 'pa55-w0rd-secret';
const authHeader = (user: string, password: string) => ({
  'X-Registry-Auth': Buffer.from(JSON.stringify({ username: user, password, serveraddress: '' })).toString('base64url'),
});

test('htpasswd registry: /auth, X-Registry-Auth on pull and push, 401 before the stream', async (t) => {
  const w = await startWorld(t, { htpasswd: { user: USER, password: PASS } });
  const H = w.reg.host;
  await w.seed('locked:v1', { 'f.txt': 'locked\n' });
  const sock = w.svc.socketPath;

  const ok = await request(sock, 'POST', '/v1.41/auth', JSON.stringify({ username: USER, password: PASS, serveraddress: H }));
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, '{"IdentityToken":"","Status":"Login Succeeded"}\n');
  const bad = await request(sock, 'POST', '/auth', JSON.stringify({ username: USER, password: 'wrong', serveraddress: `http://${H}` }));
  assert.equal(bad.status, 401);
  assert.deepEqual(bad.json(), { message: `login attempt to http://${H}/v2/ failed with status: 401 Unauthorized` });
  const junk = await request(sock, 'POST', '/auth', '{not json');
  assert.equal(junk.status, 400);
  // nothing was stored
  await assert.rejects(fsp.access(w.sb.authFile));

  const anonymous = await request(sock, 'POST', `/images/create?fromImage=${H}/locked&tag=v1`);
  assert.equal(anonymous.status, 401, anonymous.body);
  assert.match((anonymous.json() as { message: string }).message, /unauthorized/);
  const wrong = await request(sock, 'POST', `/images/create?fromImage=${H}/locked&tag=v1`, undefined, authHeader(USER, 'nope'));
  assert.equal(wrong.status, 401, wrong.body);
  const pulled = await request(sock, 'POST', `/images/create?fromImage=${H}/locked&tag=v1`, undefined, authHeader(USER, PASS));
  assert.equal(pulled.status, 200, pulled.body);
  assert.equal(statuses(pulled).at(-1), `Status: Downloaded newer image for ${H}/locked:v1`);
  // the `auth` form (base64 user:password) works too
  await w.berth('tag', `${H}/locked:v1`, `${H}/locked:v2`);
  const noAuth = await request(sock, 'POST', `/images/${H}/locked/push?tag=v2`);
  assert.equal(noAuth.status, 401, noAuth.body);
  const pushed = await request(sock, 'POST', `/images/${H}/locked/push?tag=v2`, undefined, {
    'X-Registry-Auth': Buffer.from(JSON.stringify({ auth: Buffer.from(`${USER}:${PASS}`).toString('base64') })).toString('base64url'),
  });
  assert.equal(pushed.status, 200, pushed.body);
  assert.match(statuses(pushed).at(-2)!, /^v2: digest: sha256:[a-f0-9]{64} size: \d+$/);
  // credentials never reach the service's log
  assert.ok(!w.svc.stderr().includes(PASS));
});

const docker = toolPath('docker');

test(
  'the docker CLI with an htpasswd registry: login, its credentials prompt after a 401, pull and push with stored credentials',
  { skip: !docker && 'docker CLI not installed' },
  async (t) => {
    const w = await startWorld(t, { htpasswd: { user: USER, password: PASS } });
    const H = w.reg.host;
    await w.seed('secured:v1', { 'f.txt': 'secured\n' });
    const cfg = path.join(w.sb.dir, 'docker-config');
    await fsp.mkdir(cfg, { recursive: true });
    const dockerRun = (args: string[], input?: string) =>
      run(docker!, args, {
        env: { ...process.env, DOCKER_HOST: w.svc.dockerHost, DOCKER_CONFIG: cfg, HOME: w.sb.home },
        input,
        timeoutMs: 30_000,
      });

    const refused = await dockerRun(['login', '-u', USER, '--password-stdin', H], 'wrong\n');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`Error response from daemon: login attempt to http://${H}/v2/ failed with status: 401 Unauthorized`),
    );

    // a pull without credentials is refused (401) before the stream: the CLI then asks for credentials
    // to try once more (here it gets an empty user name and gives up)
    const anon = await dockerRun(['pull', `${H}/secured:v1`], '\n');
    assert.notEqual(anon.code, 0);
    assert.match(anon.stdout, /Login prior to pull:/);

    const login = await dockerRun(['login', '-u', USER, '--password-stdin', H], `${PASS}\n`);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    const stored = JSON.parse(await fsp.readFile(path.join(cfg, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(stored.auths[H]!.auth, 'base64').toString(), `${USER}:${PASS}`);

    const pull = await dockerRun(['pull', `${H}/secured:v1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${H}/secured:v1`));
    assert.equal((await dockerRun(['tag', `${H}/secured:v1`, `${H}/secured:v2`])).code, 0);
    const push = await dockerRun(['push', `${H}/secured:v2`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /^v2: digest: sha256:[a-f0-9]{64} size: \d+$/m);
    assert.ok(!w.svc.stderr().includes(PASS));
  },
);

test('the registry dies in the middle of a layer: errorDetail ends the stream, nothing is recorded, the service goes on', async (t) => {
  const w = await startWorld(t);
  const manifestDigest = await w.seed('big:v1', { 'big.bin': noise(6 << 20) });
  const manifest = (await (
    await fetch(`${w.reg.url}/v2/big/manifests/${manifestDigest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })
  ).json()) as { layers: { digest: string }[] };
  const layer = manifest.layers[0]!.digest;
  const proxy = await startFaultProxy(w.reg.url);
  t.after(() => proxy.stop());
  await fsp.appendFile(w.sb.confPath, `[[registry]]\nlocation = "${proxy.host}"\ninsecure = true\n`);
  const rule = proxy.addRule({
    match: (r) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer}`),
    action: { type: 'reset-mid-body', afterBytes: 2 << 20, rst: true },
  });
  const before = await w.berth('images', '-q');

  const r = await request(w.svc.socketPath, 'POST', `/images/create?fromImage=${proxy.host}/big&tag=v1`);
  assert.ok(rule.hits >= 1);
  assert.equal(r.status, 200, r.body);
  const m = messages(r);
  assert.deepEqual(m[0], { status: 'Pulling from big', id: 'v1' });
  const last = m.at(-1) as { errorDetail: { message: string }; error: string };
  assert.ok(last.errorDetail, r.body);
  assert.equal(last.error, last.errorDetail.message);
  assert.ok(last.error.length > 0);
  assert.ok(!statuses(r).some((s) => s.startsWith('Status:')));
  assert.equal(await w.berth('images', '-q'), before);

  // the service still answers, and the same pull succeeds once the registry behaves
  assert.equal((await request(w.svc.socketPath, 'GET', '/_ping')).body, 'OK');
  rule.remove();
  const again = await request(w.svc.socketPath, 'POST', `/images/create?fromImage=${proxy.host}/big&tag=v1`);
  assert.equal(again.status, 200, again.body);
  assert.equal(statuses(again).at(-1), `Status: Downloaded newer image for ${proxy.host}/big:v1`);
  assert.match(await w.berth('images', '--format', '{{.Repository}}:{{.Tag}}'), new RegExp(`${proxy.host}/big:v1`));
});
