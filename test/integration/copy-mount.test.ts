/**
 * Reuse before transfer between repositories: a copy between two repositories of one registry
 * mounts every blob from the source repository (no layer byte is uploaded, digests are kept);
 * a mount the registry refuses (token auth whose user may not read the source repository)
 * falls back to uploading; a copy between two registries never asks for a mount. The progress
 * lines of mounted blobs use skopeo's words. Real registries (Debian docker-registry), each
 * behind the fault proxy that records requests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy, type RecordedRequest } from '../helpers/fault-proxy.js';
import { runOk, scratchSkopeo, skipUnlessTools, type RunResult, type ScratchSkopeo, scratchDir } from '../helpers/tools.js';
import { buildImage, writeLayout } from './docker-fixtures.js';
import { writeIndexLayoutFull } from './index-fixtures.js';
import { scratchBerth, type ScratchBerth as Berth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('skopeo') : '/usr/bin/docker-registry not installed';
const T = { timeout: 60_000 };

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}
const show = (reqs: RecordedRequest[]) => reqs.map((r) => `${r.method} ${r.url} ${r.status} (${r.bodyBytes} bytes)`).join('\n');
/** Requests that carry blob bytes: the PATCHes and PUTs of upload sessions with a body. */
const uploads = (reqs: RecordedRequest[]) =>
  reqs.filter((r) => (r.method === 'PATCH' || r.method === 'PUT') && r.url.includes('/blobs/uploads/') && r.bodyBytes > 0);
/** Mount requests: digest, repository mounted from, status. */
const mounts = (reqs: RecordedRequest[]) =>
  reqs
    .filter((r) => r.method === 'POST' && r.url.includes('mount='))
    .map((r) => {
      const q = new URLSearchParams(r.url.slice(r.url.indexOf('?') + 1));
      return { digest: q.get('mount')!, from: q.get('from')!, status: r.status };
    });

describe('copy between repositories mounts blobs', { skip }, () => {
  let reg1: Registry;
  let reg2: Registry;
  let reg3: Registry;
  let p1: FaultProxy;
  let p2: FaultProxy;
  let p3: FaultProxy;
  let skopeo: ScratchSkopeo;
  let b: Berth;
  let work: string;
  // gzip layers of some size: their bytes show in the request log when they are uploaded
  const img = buildImage({
    layers: [
      { files: { 'base/data.bin': Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)) }, gzip: true },
      { files: { 'app/app.txt': 'the application layer\n'.repeat(5_000) }, gzip: true },
    ],
    label: 'mount',
  });
  const blobs = [img.configDigest, ...img.layers.map((l) => l.digest)];
  const denied: string[] = [];
  const skopeoRun = (args: string[]) => runOk('skopeo', ['--policy', skopeo.policyPath, ...args], { env: skopeo.env });
  const rawManifest = async (host: string, repo: string, creds?: string) =>
    (await skopeoRun(['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${host}/${repo}:1`]))
      .stdout;

  before(async () => {
    reg1 = await startRegistry();
    reg2 = await startRegistry();
    reg3 = await startRegistry({ htpasswd: { user: 'bob', password: 'pw' }, token: { anonymousPull: true, deniedRepositories: denied } });
    p1 = await startFaultProxy(reg1.url);
    p2 = await startFaultProxy(reg2.url);
    p3 = await startFaultProxy(reg3.url);
    skopeo = await scratchSkopeo();
    b = await scratchBerth();
    work = await scratchDir('berth-mount-');
    const layout = path.join(work, 'layout');
    await writeLayout(layout, img, 'x');
    for (const [host, creds] of [
      [p1.host, undefined],
      [p3.host, 'bob:pw'],
    ] as const)
      await skopeoRun([
        'copy',
        '-q',
        '--dest-tls-verify=false',
        ...(creds ? ['--dest-creds', creds] : []),
        `oci:${layout}:x`,
        `docker://${host}/mount/src:1`,
      ]);
  });
  after(async () => {
    for (const x of [p1, p2, p3, reg1, reg2, reg3]) await x?.stop();
    await skopeo?.cleanup();
    await b?.cleanup();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  test('a copy between two repositories of one registry uploads no blob byte and keeps the digests', T, async () => {
    p1.requests.length = 0;
    const r = await b.run([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${p1.host}/mount/src:1`,
      `docker://${p1.host}/mount/dst:1`,
    ]);
    assertOk(r, 'copy');
    const reqs = [...p1.requests];
    assert.deepEqual(uploads(reqs), [], show(reqs));
    // every blob (the config too) came by a mount from the source repository
    assert.deepEqual(
      mounts(reqs)
        .map((m) => [m.digest, m.from, m.status])
        .sort(),
      blobs.map((d) => [d, 'mount/src', 201]).sort(),
      show(reqs),
    );
    assert.equal(await rawManifest(p1.host, 'mount/dst'), img.manifest.toString());
    const inspected = JSON.parse((await skopeoRun(['inspect', '--tls-verify=false', `docker://${p1.host}/mount/dst:1`])).stdout) as {
      Digest: string;
      Layers: string[];
    };
    assert.equal(inspected.Digest, img.manifestDigest);
    assert.deepEqual(
      inspected.Layers,
      img.layers.map((l) => l.digest),
    );
    // the progress lines are skopeo's for the same copy (which mounts the layers too)
    const s = await skopeoRun([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${p1.host}/mount/src:1`,
      `docker://${p1.host}/mount/by-skopeo:1`,
    ]);
    const lines = (t: string) => t.split('\n').filter(Boolean).sort();
    assert.deepEqual(lines(r.stdout), lines(s.stdout));
  });

  test('copy --all between two repositories mounts the blobs of every instance and keeps the list', T, async () => {
    const list = await writeIndexLayoutFull(path.join(work, 'list'), 'multi', ['amd64', 'arm64'], { gzip: true });
    await skopeoRun([
      'copy',
      '-q',
      '--all',
      '--dest-tls-verify=false',
      `oci:${path.join(work, 'list')}:multi`,
      `docker://${p1.host}/mount/list:1`,
    ]);
    p1.requests.length = 0;
    const r = await b.run([
      'copy',
      '-q',
      '--all',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${p1.host}/mount/list:1`,
      `docker://${p1.host}/mount/list-copy:1`,
    ]);
    assertOk(r, 'copy --all');
    const reqs = [...p1.requests];
    assert.deepEqual(uploads(reqs), [], show(reqs));
    const want = Object.values(list.images).flatMap((i) => [i.configDigest, i.layerDigest]);
    assert.deepEqual(
      mounts(reqs)
        .map((m) => [m.digest, m.from, m.status])
        .sort(),
      [...new Set(want)].map((d) => [d, 'mount/list', 201]).sort(),
      show(reqs),
    );
    assert.equal(await rawManifest(p1.host, 'mount/list-copy'), list.index.toString());
  });

  test('a mount the registry refuses (the credentials cannot read the source repository) falls back to uploading', T, async () => {
    denied.push('mount/src'); // bob may no longer read the source; anonymous pulls still may
    p3.requests.length = 0;
    const r = await b.run([
      'copy',
      '-q',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      'bob:pw',
      `docker://${p3.host}/mount/src:1`,
      `docker://${p3.host}/mount/dst:1`,
    ]);
    assertOk(r, 'copy');
    assert.equal(r.stderr.trim(), '', 'nothing said about the refused mounts');
    const reqs = [...p3.requests];
    const tried = mounts(reqs);
    assert.ok(tried.length > 0 && tried.every((m) => m.from === 'mount/src' && m.status !== 201), show(reqs));
    // every blob was uploaded instead: each upload session closed with its digest, all bytes sent
    const finished = reqs
      .filter((q) => q.method === 'PUT' && q.url.includes('/blobs/uploads/') && q.status === 201)
      .map((q) => new URLSearchParams(q.url.slice(q.url.indexOf('?') + 1)).get('digest'));
    assert.deepEqual([...finished].sort(), [...blobs].sort(), show(reqs));
    const sent = uploads(reqs).reduce((a, q) => a + q.bodyBytes, 0);
    assert.equal(sent, img.config.length + img.layers.reduce((a, l) => a + l.size, 0), show(reqs));
    assert.equal(await rawManifest(p3.host, 'mount/dst', 'bob:pw'), img.manifest.toString());
  });

  test('a copy between two registries never asks for a mount', T, async () => {
    p1.requests.length = 0;
    p2.requests.length = 0;
    const r = await b.run([
      'copy',
      '-q',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${p1.host}/mount/src:1`,
      `docker://${p2.host}/mount/src:1`,
    ]);
    assertOk(r, 'copy');
    assert.deepEqual(mounts([...p1.requests, ...p2.requests]), [], show(p2.requests));
    assert.ok(uploads(p2.requests).length >= blobs.length, show(p2.requests));
    assert.equal(await rawManifest(p2.host, 'mount/src'), img.manifest.toString());
  });
});
