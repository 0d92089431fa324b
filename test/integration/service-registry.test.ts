/**
 * The Docker API endpoints that ask a registry (a real one on 127.0.0.1): GET
 * /distribution/{name}/json (manifest descriptor and platforms, no pull) and GET /images/search
 * (the registry's catalog filtered by the term); Docker Hub cannot be searched (no catalog).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { Store } from '../../src/store/store.js';
import { writeImage } from '../unit/images/fixture.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { request, startService, type RunningService } from '../helpers/service.js';

let reg: Registry;
let b: ScratchBerth;
let svc: RunningService;
let docker: Docker;

before(async () => {
  reg = await startRegistry();
  b = await scratchBerth();
  const store = Store.open({ root: b.root });
  await writeImage(store, { names: [`${reg.host}/team/app:v1`], layers: ['app'], architecture: 'arm64' });
  await writeImage(store, { names: [`${reg.host}/team/tool:1`], layers: ['tool'] });
  await writeImage(store, { names: [`${reg.host}/other/base:1`], layers: ['base'] });
  store.close();
  for (const n of ['team/app:v1', 'team/tool:1', 'other/base:1']) {
    const r = await b.run(['push', '-q', '--tls-verify=false', `${reg.host}/${n}`]);
    assert.equal(r.code, 0, r.stderr);
  }
  svc = await startService({ root: b.root, env: b.env });
  docker = new Docker({ socketPath: svc.socketPath });
});

after(async () => {
  await svc?.stop();
  await b?.cleanup();
  await reg?.stop();
});

test('GET /distribution/{name}/json: the registry manifest descriptor and platforms', async () => {
  const head = await fetch(`${reg.url}/v2/team/app/manifests/v1`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  const d = await docker.getImage(`${reg.host}/team/app:v1`).distribution();
  assert.deepEqual(d.Descriptor, {
    mediaType: head.headers.get('content-type'),
    digest: head.headers.get('docker-content-digest'),
    size: Number(head.headers.get('content-length')),
  });
  assert.deepEqual(d.Platforms, [{ architecture: 'arm64', os: 'linux' }]);
  const byDigest = await docker.getImage(`${reg.host}/team/app@${head.headers.get('docker-content-digest')}`).distribution();
  assert.deepEqual(byDigest.Descriptor, d.Descriptor);

  const missing = await request(svc.socketPath, 'GET', `/distribution/${reg.host}/team/app:nope/json`);
  assert.equal(missing.status, 404, missing.body);
  assert.equal(typeof (missing.json() as { message: unknown }).message, 'string');
  const bad = await request(svc.socketPath, 'GET', `/distribution/${reg.host}/Team/json`);
  assert.equal(bad.status, 400);
});

test('GET /images/search: the catalog filtered by the term, limit and filters', async () => {
  const all = await docker.searchImages({ term: `${reg.host}/` });
  assert.deepEqual(
    all.map((r) => r.name),
    [`${reg.host}/other/base`, `${reg.host}/team/app`, `${reg.host}/team/tool`],
  );
  assert.deepEqual(all[0], { star_count: 0, is_official: false, name: `${reg.host}/other/base`, is_automated: false, description: '' });
  const team = await docker.searchImages({ term: `${reg.host}/team` });
  assert.deepEqual(
    team.map((r) => r.name),
    [`${reg.host}/team/app`, `${reg.host}/team/tool`],
  );
  assert.equal((await docker.searchImages({ term: `${reg.host}/team`, limit: 1 })).length, 1);
  assert.deepEqual(await docker.searchImages({ term: `${reg.host}/team`, filters: JSON.stringify({ 'is-official': ['true'] }) }), []);

  const hub = await request(svc.socketPath, 'GET', '/images/search?term=busybox');
  assert.equal(hub.status, 400, 'the term must name a registry: a bad parameter, not a missing endpoint');
  assert.match((hub.json() as { message: string }).message, /Docker Hub has no catalog; name a registry to search: HOST\/TERM/);
  const noTerm = await request(svc.socketPath, 'GET', '/images/search');
  assert.equal(noTerm.status, 400);
  const badLimit = await request(svc.socketPath, 'GET', `/images/search?term=${reg.host}/x&limit=0`);
  assert.equal(badLimit.status, 400);
  const down = await request(svc.socketPath, 'GET', '/images/search?term=127.0.0.1:1/x');
  assert.equal(down.status, 500);
  assert.doesNotMatch((down.json() as { message: string }).message, /\n|at .*\.js/);
  assert.equal(String(await docker.ping()), 'OK');
});
