/**
 * `berth system service`: the skeleton of the Docker API — /_ping, /version, API-version
 * prefixes, Docker's JSON errors, /build, unknown paths — with raw HTTP, dockerode and the real
 * docker CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { request, startService, type RunningService } from '../helpers/service.js';
import { run, toolPath } from '../helpers/tools.js';
import { BERTH_CLI } from '../helpers/berth.js';

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<{ dir: string; svc: RunningService }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-svc-test-'));
  const svc = await startService({ root: path.join(dir, 'store') });
  t.after(async () => {
    await svc.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });
  return { dir, svc };
}

test('/_ping (GET and HEAD) and /version with Docker headers; dockerode and version prefixes', async (t) => {
  const { svc } = await scratch(t);
  const ping = await request(svc.socketPath, 'GET', '/_ping');
  assert.equal(ping.status, 200);
  assert.equal(ping.body, 'OK');
  assert.equal(ping.headers['api-version'], '1.47');
  assert.equal(ping.headers['ostype'], 'linux');
  assert.match(String(ping.headers['server']), /^Berth\/\d+\.\d+\.\d+ \(linux\)$/);
  const head = await request(svc.socketPath, 'HEAD', '/v1.41/_ping');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['api-version'], '1.47');

  const docker = new Docker({ socketPath: svc.socketPath });
  assert.equal(String(await docker.ping()), 'OK');
  const v = await docker.version();
  assert.equal(v.ApiVersion, '1.47');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Os, 'linux');
  assert.equal(v.Arch, process.arch === 'x64' ? 'amd64' : process.arch);
  assert.match(String(v.Version), /^\d+\.\d+\.\d+$/);
  const old = new Docker({ socketPath: svc.socketPath, version: 'v1.24' });
  assert.equal((await old.version()).ApiVersion, '1.47');

  // socket mode 0660
  assert.equal((await fsp.stat(svc.socketPath)).mode & 0o777, 0o660);
});

test('API versions outside the served range, unknown paths, /build: Docker JSON errors; the service keeps answering', async (t) => {
  const { svc } = await scratch(t);
  const tooNew = await request(svc.socketPath, 'GET', '/v1.99/version');
  assert.equal(tooNew.status, 400);
  assert.equal(tooNew.headers['content-type'], 'application/json');
  assert.deepEqual(tooNew.json(), { message: 'client version 1.99 is too new. Maximum supported API version is 1.47' });
  const tooOld = await request(svc.socketPath, 'GET', '/v1.12/version');
  assert.equal(tooOld.status, 400);
  assert.deepEqual(tooOld.json(), {
    message: 'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
  });
  for (const p of ['/nope', '/v1.41/images/x/nope', '/vx/version']) {
    const r = await request(svc.socketPath, 'GET', p);
    assert.equal(r.status, 404, p);
    assert.deepEqual(r.json(), { message: 'page not found' }, p);
  }
  const wrongMethod = await request(svc.socketPath, 'DELETE', '/version');
  assert.equal(wrongMethod.status, 404);
  const build = await request(svc.socketPath, 'POST', '/v1.41/build', 'not a tar');
  assert.equal(build.status, 501);
  assert.match(String((build.json() as { message: string }).message), /does not build images/);
  assert.equal((await request(svc.socketPath, 'GET', '/_ping')).body, 'OK');
});

test(
  'the real docker CLI negotiates the API version and runs `docker version`',
  { skip: !toolPath('docker') && 'docker CLI not installed' },
  async (t) => {
    const { dir, svc } = await scratch(t);
    await fsp.mkdir(path.join(dir, 'docker-config'));
    const env = {
      DOCKER_HOST: svc.dockerHost,
      DOCKER_CONFIG: path.join(dir, 'docker-config'),
      DOCKER_CONTEXT: undefined,
      DOCKER_API_VERSION: undefined,
    };
    const r = await run('docker', ['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}} {{.Client.APIVersion}}'], {
      env,
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.47 linux 1.47');
  },
);

test("system service: bad URIs get podman's words; an idle service stops after --time seconds and removes its socket", async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-svc-test-'));
  try {
    const root = path.join(dir, 'store');
    const bad = await run(process.execPath, [BERTH_CLI, '--root', root, 'system', 'service', 'http://x'], { timeoutMs: 20_000 });
    assert.equal(bad.code, 125);
    assert.equal(bad.stderr, 'Error: API Service endpoint scheme "http" is not supported. Try tcp://http://x or unix://http://x\n');
    const sock = path.join(dir, 'idle.sock');
    const t0 = Date.now();
    const idle = await run(process.execPath, [BERTH_CLI, '--root', root, 'system', 'service', '-t', '1', `unix://${sock}`], {
      timeoutMs: 20_000,
    });
    assert.equal(idle.code, 0, idle.stderr);
    assert.ok(Date.now() - t0 >= 1000);
    await assert.rejects(fsp.stat(sock), { code: 'ENOENT' });
    const tcp = await run(process.execPath, [BERTH_CLI, '--root', root, 'system', 'service', '-t', '1', 'tcp://127.0.0.1:0'], {
      timeoutMs: 20_000,
    });
    assert.equal(tcp.code, 0, tcp.stderr);
    assert.match(tcp.stderr, /level=warning msg="Using the berth API service with TCP sockets is not recommended/);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
