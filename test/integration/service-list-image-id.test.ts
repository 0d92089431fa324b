/**
 * The Docker API's image Id of an image pulled from a manifest list: the image's own ID (its
 * config digest), with the list's and the instance's digests in RepoDigests — as podman 4.3.1's
 * compat API answers for the same pull (and as the Engine API documents Id), side by side on
 * GET /images/json and GET /images/{name}/json.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRegistry, REGISTRY_BIN, type Registry } from '../helpers/registry.js';
import { scratchPodman, skipUnlessTools, writeTinyOciLayout, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { request, startService, type RunningService } from '../helpers/service.js';
import { HOST_ARCH, OTHER_ARCH } from './index-fixtures.js';

const T = { timeout: 60_000 };
const skip = fs.existsSync(REGISTRY_BIN) ? skipUnlessTools('podman') : `${REGISTRY_BIN} not installed`;

/** podman's API service on a socket of its scratch store, ready once /_ping answers. */
async function podmanService(p: ScratchPodman, socket: string): Promise<ChildProcess> {
  const child = spawn('podman', [...p.globalArgs, 'system', 'service', '--time', '0', `unix://${socket}`], {
    env: { ...process.env, ...p.env },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(socket) && (await request(socket, 'GET', '/_ping').catch(() => undefined))?.status === 200) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('podman system service did not answer');
}

describe('Docker API: Id of an image pulled from a manifest list', { skip }, () => {
  let reg: Registry;
  let b: ScratchBerth;
  let p: ScratchPodman;
  let svc: RunningService;
  let podman: ChildProcess | undefined;
  let name: string;
  let hostConfig: string;
  before(async () => {
    reg = await startRegistry();
    b = await scratchBerth();
    p = await scratchPodman();
    for (const arch of [HOST_ARCH, OTHER_ARCH]) {
      const img = await writeTinyOciLayout(path.join(b.dir, arch), { architecture: arch, files: { [arch]: arch } });
      if (arch === HOST_ARCH) hostConfig = img.configDigest;
      const r = await b.run(['copy', `oci:${img.dir}:latest`, `docker://${reg.host}/ids/img:${arch}`, '--dest-tls-verify=false']);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await b.run(['manifest', 'create', 'ids-list'])).code, 0);
    for (const arch of [HOST_ARCH, OTHER_ARCH]) {
      const r = await b.run(['manifest', 'add', '--tls-verify=false', 'ids-list', `docker://${reg.host}/ids/img:${arch}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    name = `${reg.host}/ids/list:1`;
    const push = await b.run(['manifest', 'push', '--tls-verify=false', 'ids-list', `docker://${name}`]);
    assert.equal(push.code, 0, push.stderr);
    const root = b.store();
    for (const r of await Promise.all([
      b.run(['pull', '-q', '--tls-verify=false', name], { root }),
      p.run(['pull', '-q', '--tls-verify=false', name]),
    ]))
      assert.equal(r.code, 0, r.stderr);
    svc = await startService({ root, env: b.env });
    podman = await podmanService(p, path.join(p.dir, 'podman.sock'));
  });
  after(async () => {
    podman?.kill();
    await svc?.stop();
    await reg?.stop();
    await p?.cleanup();
    await b?.cleanup();
  });

  test('GET /images/json and /images/{name}/json: the same Id and RepoDigests as podman', T, async () => {
    type Summary = { Id: string; RepoTags: string[]; RepoDigests: string[] };
    const mineList = (await request(svc.socketPath, 'GET', '/v1.41/images/json')).json() as Summary[];
    const theirList = (await request(path.join(p.dir, 'podman.sock'), 'GET', '/v1.41/images/json')).json() as Summary[];
    const pick = (l: Summary[]) => l.map(({ Id, RepoTags, RepoDigests }) => ({ Id, RepoTags, RepoDigests: [...RepoDigests].sort() }));
    assert.equal(mineList.length, 1);
    assert.deepEqual(pick(mineList), pick(theirList));
    // the image's own ID (its config digest), not the list's digest
    assert.equal(mineList[0]!.Id, hostConfig);
    const enc = encodeURIComponent(name);
    const mine = (await request(svc.socketPath, 'GET', `/v1.41/images/${enc}/json`)).json() as Summary;
    const theirs = (await request(path.join(p.dir, 'podman.sock'), 'GET', `/v1.41/images/${enc}/json`)).json() as Summary;
    assert.equal(mine.Id, theirs.Id);
    assert.equal(mine.Id, mineList[0]!.Id);
    assert.deepEqual([...mine.RepoDigests].sort(), [...theirs.RepoDigests].sort());
    assert.equal(mine.RepoDigests.length, 2, 'the list digest and the instance digest');
  });
});
