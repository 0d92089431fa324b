/**
 * The blob info cache (reuse before transfer): a loaded docker-archive image (uncompressed
 * layers) pushed twice to one registry is compressed and uploaded once; the second push finds
 * the compressed layers the first one made (mounted into a new repository) and writes the same
 * manifest. A fresh registry gets them compressed again; a remembered pair whose blob the
 * registry lacks falls back to compressing; --force-compression reuses only its own algorithm.
 * Also: a schema-8 store gets the new tables, and `system recover` keeps or drops them cleanly.
 * Real registries (Debian docker-registry), each behind the fault proxy that records requests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy, type RecordedRequest } from '../helpers/fault-proxy.js';
import { runOk, scratchSkopeo, skipUnlessTools, type RunResult, type ScratchSkopeo, scratchDir } from '../helpers/tools.js';
import { buildImage, writeLayout } from './docker-fixtures.js';
import { SCHEMA_VERSION } from '../../src/store/index-db.js';
import { scratchBerth, type ScratchBerth as Berth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('skopeo', 'zstd') : '/usr/bin/docker-registry not installed';
const T = { timeout: 60_000 };

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}
/** Blob upload requests: the PATCHes and PUTs of upload sessions, with the digest a PUT names. */
const uploads = (reqs: RecordedRequest[]) =>
  reqs
    .filter((r) => (r.method === 'PATCH' || r.method === 'PUT') && r.url.includes('/blobs/uploads/'))
    .map((r) => `${r.method} ${/digest=([^&]+)/.exec(r.url)?.[1] ? decodeURIComponent(/digest=([^&]+)/.exec(r.url)![1]!) : ''}`.trim());

describe('blob info cache: pushes reuse compressed layers', { skip }, () => {
  let reg1: Registry;
  let reg2: Registry;
  let p1: FaultProxy;
  let p2: FaultProxy;
  let skopeo: ScratchSkopeo;
  let b: Berth;
  let work: string;
  let n = 0;
  // two uncompressed layers of compressible text (a docker archive keeps them as tar)
  const img = buildImage({
    layers: [
      { files: { 'base/data.txt': 'berth blob info cache\n'.repeat(20_000) } },
      { files: { 'app/app.txt': 'the application layer\n'.repeat(5_000) } },
    ],
    label: 'bic',
  });
  const diffIDs = img.layers.map((l) => l.digest); // uncompressed: digest = diffID
  const db = (root = b.root) => new Database(path.join(root, 'index.db'));
  const pairsIn = (root = b.root) => {
    const d = db(root);
    try {
      return d.prepare(`SELECT uncompressed, compressed, algorithm, size FROM blob_pairs ORDER BY uncompressed, algorithm`).all() as {
        uncompressed: string;
        compressed: string;
        algorithm: string;
        size: number;
      }[];
    } finally {
      d.close();
    }
  };
  /** Push the loaded image; returns the manifest digest, the upload requests and the manifest. */
  const push = async (proxy: FaultProxy, repo: string, ...flags: string[]) => {
    proxy.requests.length = 0;
    const digestfile = path.join(work, `digest-${n++}`);
    const r = await b.run([
      'push',
      '-q',
      '--tls-verify=false',
      '--digestfile',
      digestfile,
      ...flags,
      'bic/loaded:1',
      `${proxy.host}/${repo}:1`,
    ]);
    assertOk(r, `push to ${repo}`);
    const digest = fs.readFileSync(digestfile, 'utf8').trim();
    const reqs = [...proxy.requests];
    const m = await runOk(
      'skopeo',
      ['--policy', skopeo.policyPath, 'inspect', '--raw', '--tls-verify=false', `docker://${proxy.host}/${repo}:1`],
      {
        env: skopeo.env,
      },
    );
    const manifest = JSON.parse(m.stdout) as { config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] };
    return { digest, uploads: uploads(reqs), reqs, manifest };
  };

  before(async () => {
    reg1 = await startRegistry();
    reg2 = await startRegistry();
    p1 = await startFaultProxy(reg1.url);
    p2 = await startFaultProxy(reg2.url);
    skopeo = await scratchSkopeo();
    b = await scratchBerth();
    work = await scratchDir('berth-bic-');
    const layout = path.join(work, 'layout');
    await writeLayout(layout, img, 'x');
    const archive = path.join(work, 'image.tar');
    await runOk('skopeo', ['--policy', skopeo.policyPath, 'copy', '-q', `oci:${layout}:x`, `docker-archive:${archive}:bic/loaded:1`], {
      env: skopeo.env,
    });
    assertOk(await b.run(['load', '-q', '-i', archive]), 'load');
  });
  after(async () => {
    await p1?.stop();
    await p2?.stop();
    await reg1?.stop();
    await reg2?.stop();
    await skopeo?.cleanup();
    await b?.cleanup();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  let first: Awaited<ReturnType<typeof push>>;

  test('the first push compresses and uploads every layer and remembers the pairs', T, async () => {
    first = await push(p1, 'bic/one');
    assert.equal(first.uploads.filter((u) => u === 'PATCH').length, 2, first.uploads.join('\n'));
    assert.deepEqual(
      first.manifest.layers.map((l) => l.mediaType),
      ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
    );
    const pairs = pairsIn();
    assert.deepEqual(
      pairs.map((p) => [p.uncompressed, p.compressed, p.algorithm, p.size]).sort(),
      first.manifest.layers.map((l, i) => [diffIDs[i], l.digest, 'gzip', l.size]).sort(),
    );
  });

  test('a second push to another repository of the same registry uploads no layer and writes the same manifest', T, async () => {
    const second = await push(p1, 'bic/two');
    assert.equal(second.digest, first.digest);
    const layerDigests = first.manifest.layers.map((l) => l.digest);
    assert.deepEqual(
      second.uploads.filter((u) => u === 'PATCH' || layerDigests.some((d) => u.endsWith(d))),
      [],
      `no layer uploaded:\n${second.uploads.join('\n')}`,
    );
    // the layers came by cross-repository mount from where the first push put them
    const mounted = second.reqs
      .filter((r) => r.method === 'POST' && r.url.includes('from=bic%2Fone') && r.status === 201)
      .map((r) => decodeURIComponent(/mount=([^&]+)/.exec(r.url)![1]!));
    assert.deepEqual(
      layerDigests.filter((d) => !mounted.includes(d)),
      [],
      second.reqs.map((r) => `${r.method} ${r.url} ${r.status}`).join('\n'),
    );
    // pushing again to the first repository: the blobs are there (HEAD), nothing is uploaded at all
    const third = await push(p1, 'bic/one');
    assert.equal(third.digest, first.digest);
    assert.deepEqual(third.uploads, []);
  });

  test('the config is remembered where it was pushed, and a push to another repository mounts it from there', T, async () => {
    const config = first.manifest.config.digest;
    const d = db();
    try {
      assert.deepEqual(d.prepare(`SELECT location FROM blob_locations WHERE digest = ? ORDER BY location`).pluck().all(config), [
        `${p1.host}/bic/one`,
        `${p1.host}/bic/two`,
      ]);
      // only where the config is stays known
      d.prepare(`DELETE FROM blob_locations WHERE digest != ?`).run(config);
    } finally {
      d.close();
    }
    const r = await push(p1, 'bic/cfg');
    assert.equal(r.digest, first.digest);
    assert.ok(
      r.reqs.some((q) => q.method === 'POST' && q.url.includes(`mount=${encodeURIComponent(config)}`) && q.status === 201),
      r.reqs.map((q) => `${q.method} ${q.url} ${q.status}`).join('\n'),
    );
    assert.ok(!r.uploads.some((u) => u.endsWith(config)), r.uploads.join('\n'));
  });

  test('copy from the store uploads no layer: to a repository that holds them, or to one that can mount them', T, async () => {
    for (const repo of ['bic/one', 'bic/copied']) {
      p1.requests.length = 0;
      const r = await b.run([
        'copy',
        '-q',
        '--dest-tls-verify=false',
        'containers-storage:bic/loaded:1',
        `docker://${p1.host}/${repo}:copied`,
      ]);
      assertOk(r, `copy to ${repo}`);
      const reqs = [...p1.requests];
      assert.deepEqual(
        uploads(reqs).filter((u) => u === 'PATCH'),
        [],
        reqs.map((q) => `${q.method} ${q.url} ${q.status}`).join('\n'),
      );
      // a new repository gets the layers by mounts from where the cache knows them
      if (repo === 'bic/copied')
        assert.equal(reqs.filter((q) => q.method === 'POST' && q.url.includes('mount=') && q.status === 201).length, 3);
    }
  });

  test('a pull records the pairs of the diffIDs it verified, and where the blobs are; rmi forgets them', T, async () => {
    const root = b.store();
    assertOk(await b.run(['pull', '-q', '--tls-verify=false', `${p1.host}/bic/one:1`], { root }), 'pull');
    assert.deepEqual(
      pairsIn(root)
        .map((p) => [p.uncompressed, p.compressed, p.algorithm, p.size])
        .sort(),
      first.manifest.layers.map((l, i) => [diffIDs[i], l.digest, 'gzip', l.size]).sort(),
    );
    const d = db(root);
    try {
      const where = d.prepare(`SELECT location FROM blob_locations WHERE digest = ?`).pluck().all(first.manifest.layers[0]!.digest);
      assert.deepEqual(where, [`${p1.host}/bic/one`]);
    } finally {
      d.close();
    }
    // rmi of the only image: nothing in the store can use what the cache knew of it
    assertOk(await b.run(['rmi', `${p1.host}/bic/one:1`], { root }), 'rmi');
    assert.deepEqual(pairsIn(root), []);
    const e = db(root);
    try {
      assert.equal(e.prepare(`SELECT count(*) FROM blob_locations`).pluck().get(), 0);
    } finally {
      e.close();
    }
  });

  test('a fresh registry gets the layers compressed again', T, async () => {
    const fresh = await push(p2, 'bic/fresh');
    assert.equal(fresh.uploads.filter((u) => u === 'PATCH').length, 2, fresh.uploads.join('\n'));
    // the same program and level: the same compressed bytes
    assert.equal(fresh.digest, first.digest);
  });

  test('--force-compression reuses only layers of its own algorithm; without it a known gzip form is reused', T, async () => {
    const noForce = await push(p1, 'bic/zstd-unforced', '--compression-format', 'zstd');
    assert.equal(noForce.uploads.filter((u) => u === 'PATCH').length, 0, noForce.uploads.join('\n'));
    assert.deepEqual(
      noForce.manifest.layers.map((l) => l.digest),
      first.manifest.layers.map((l) => l.digest),
    );
    const forced = await push(p1, 'bic/zstd-forced', '--compression-format', 'zstd', '--force-compression');
    assert.equal(forced.uploads.filter((u) => u === 'PATCH').length, 2, forced.uploads.join('\n'));
    assert.deepEqual(
      forced.manifest.layers.map((l) => l.mediaType),
      ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
    );
    // zstd output is not checked on the way, so it is not remembered
    assert.ok(pairsIn().every((p) => p.algorithm === 'gzip'));
  });

  test('a remembered pair whose blob the registry lacks falls back to compressing', T, async () => {
    const bogus = `sha256:${'0'.repeat(64)}`;
    const d = db();
    try {
      d.prepare(`UPDATE blob_pairs SET compressed = ? WHERE uncompressed = ?`).run(bogus, diffIDs[0]);
      d.prepare(`DELETE FROM blob_pairs WHERE uncompressed = ? AND compressed != ?`).run(diffIDs[0], bogus);
    } finally {
      d.close();
    }
    const r = await push(p1, 'bic/fallback');
    assert.equal(r.digest, first.digest);
    assert.ok(
      r.reqs.some((q) => q.method === 'HEAD' && q.url.includes(bogus) && q.status === 404),
      'the remembered blob was asked for',
    );
    // the first layer was compressed and uploaded again, the second one mounted
    assert.equal(r.uploads.filter((u) => u === 'PATCH').length, 1, r.uploads.join('\n'));
    // and the real pair is remembered again
    assert.ok(pairsIn().some((p) => p.uncompressed === diffIDs[0] && p.compressed === first.manifest.layers[0]!.digest));
  });

  test('system recover keeps the pairs of a readable index and starts a new index without them', T, async () => {
    const before = pairsIn();
    assert.ok(before.length > 0);
    assertOk(await b.run(['system', 'recover']), 'recover');
    assert.deepEqual(pairsIn(), before);
    // an unreadable index: a new one is built, without pairs; a push still works (compressing)
    await fsp.writeFile(path.join(b.root, 'index.db'), 'not a database');
    for (const f of ['index.db-wal', 'index.db-shm']) await fsp.rm(path.join(b.root, f), { force: true });
    assertOk(await b.run(['system', 'recover']), 'recover of an unreadable index');
    assert.deepEqual(pairsIn(), []);
    const r = await push(p2, 'bic/after-recover');
    assert.equal(r.digest, first.digest);
    assert.equal(r.uploads.filter((u) => u === 'PATCH').length, 2, r.uploads.join('\n'));
  });

  test('a schema-8 store gets the blob info cache tables when opened for writing', T, async () => {
    const root = b.store();
    assertOk(await b.run(['load', '-q', '-i', path.join(work, 'image.tar')], { root }), 'load into a new store');
    let d = db(root);
    try {
      d.exec(`DROP TABLE blob_pairs; DROP TABLE blob_locations;`);
      d.pragma('user_version = 8');
    } finally {
      d.close();
    }
    // a reader of the old store sees no pairs and fails nothing
    assertOk(await b.run(['images'], { root }), 'images on a schema-8 store');
    assertOk(await b.run(['load', '-q', '-i', path.join(work, 'image.tar')], { root }), 'load into a schema-8 store');
    d = db(root);
    try {
      assert.equal(d.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const tables = d.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'blob_%' ORDER BY name`).pluck().all();
      assert.deepEqual(tables, ['blob_locations', 'blob_pairs']);
    } finally {
      d.close();
    }
  });
});
