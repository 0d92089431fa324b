/**
 * `berth system recover`: the index is rebuilt from the blobs and the names journal. After a
 * history of loads, tags, untags and removals, a deleted or unreadable index.db comes back
 * with the same images, IDs, names and names history; damaged manifests are skipped with a
 * reason. SIGKILL during recover or gc leaves a consistent store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { berth, dockerArchive, listDir, makeImage, makeTar, spawnBerth, type BuiltImage } from '../helpers/archives.js';
import { scratchDir } from '../helpers/tools.js';

let dir: string;
let imgs: BuiltImage[];
let archive: string;
let n = 0;

before(async () => {
  dir = await scratchDir('berth-recover-');
  imgs = ['a', 'b', 'c', 'd'].map((s) => makeImage({ seed: s, repoTags: [`example.com/${s}:1`] }));
  archive = path.join(dir, 'four.tar');
  fs.writeFileSync(archive, dockerArchive(imgs));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

async function ok(root: string, args: string[]): Promise<string> {
  const r = await berth(root, args, { timeoutMs: 240_000 });
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** What a user sees: images, full IDs with names, and inspect (NamesHistory, digests, sizes). */
async function view(root: string): Promise<{ images: string; ids: string; inspect: string }> {
  const ids = await ok(root, ['images', '-a', '-q', '--no-trunc']);
  return {
    images: await ok(root, ['images', '-a']),
    ids: await ok(root, ['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']),
    inspect: ids.trim() ? await ok(root, ['inspect', ...new Set(ids.trim().split('\n'))]) : '',
  };
}

function dropIndex(root: string): void {
  for (const f of ['index.db', 'index.db-wal', 'index.db-shm']) fs.rmSync(path.join(root, f), { force: true });
}

/** Load four images and change their names: tag, untag, move a name, rmi by name and by ID. */
async function storeWithHistory(): Promise<string> {
  const root = path.join(dir, `store-${n++}`);
  await ok(root, ['load', '-i', archive]);
  await ok(root, ['tag', 'example.com/a:1', 'example.com/a:2', 'other/z']);
  await ok(root, ['tag', 'example.com/b:1', 'example.com/b:2', 'example.com/b:3']);
  await ok(root, ['untag', 'example.com/b:1', 'example.com/b:2']);
  await ok(root, ['tag', 'example.com/c:1', 'example.com/a:2']); // moves a:2 from a to c
  await ok(root, ['rmi', 'example.com/d:1']); // d: removed (its only name)
  await ok(root, ['tag', 'example.com/c:1', 'example.com/gone:1']);
  await ok(root, ['untag', 'example.com/c:1', 'example.com/gone:1']);
  await ok(root, ['untag', 'example.com/b:3']); // b: every name removed, image stays (dangling)
  return root;
}

test('a deleted index.db: system recover brings back every image, ID, name and names history', async () => {
  const root = await storeWithHistory();
  const before = await view(root);
  assert.match(before.ids, new RegExp(`^sha256:${imgs[0]!.id} example.com/a:1$`, 'm'));
  assert.match(before.ids, new RegExp(`^sha256:${imgs[2]!.id} example.com/a:2$`, 'm'));
  assert.match(before.ids, new RegExp(`^sha256:${imgs[1]!.id} <none>:<none>$`, 'm'));
  assert.doesNotMatch(before.ids, new RegExp(imgs[3]!.id));
  dropIndex(root);
  const r = await berth(root, ['system', 'recover']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Recovered 3 image(s), 4 name(s)\n');
  assert.equal(r.stderr, '');
  assert.deepEqual(await view(root), before);
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
  assert.match(c.stdout, /^Checked 3 image\(s\), \d+ blob\(s\): no problems$/m);
  // and the store keeps working: the journal goes on
  await ok(root, ['tag', 'example.com/a:1', 'example.com/after:1']);
  dropIndex(root);
  await ok(root, ['system', 'recover']);
  assert.match(await ok(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']), /^example\.com\/after:1$/m);
});

test('an unreadable index.db is kept aside and replaced; a readable one is rebuilt in place', async () => {
  const root = await storeWithHistory();
  const before = await view(root);
  await ok(root, ['system', 'recover']);
  assert.deepEqual(await view(root), before, 'rebuilding a healthy index changes nothing');
  dropIndex(root);
  fs.writeFileSync(path.join(root, 'index.db'), 'this is not a database, it was damaged\n');
  const r = await berth(root, ['system', 'recover']);
  assert.equal(r.code, 0, r.stderr);
  const kept = /^The unreadable index was kept as (index\.db\.damaged-\S+)$/m.exec(r.stdout);
  assert.ok(kept, r.stdout);
  assert.equal(fs.readFileSync(path.join(root, kept[1]!), 'utf8'), 'this is not a database, it was damaged\n');
  assert.deepEqual(await view(root), before);
});

test('a manifest whose layer is damaged is skipped with the reason; the others come back', async () => {
  const root = await storeWithHistory();
  const layer = imgs[0]!.diffIDs[0]!;
  fs.writeFileSync(path.join(root, 'blobs', 'sha256', layer.slice(7)), 'damaged');
  dropIndex(root);
  const r = await berth(root, ['system', 'recover']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^skipped manifest sha256:[0-9a-f]{64}: layer ${layer} is damaged$`, 'm'));
  assert.match(r.stdout, /^Recovered 2 image\(s\), 2 name\(s\)$/m);
  const ids = await ok(root, ['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  assert.equal(
    ids.split('\n').filter(Boolean).sort().join('\n'),
    [`sha256:${imgs[1]!.id} <none>:<none>`, `sha256:${imgs[2]!.id} example.com/a:2`, `sha256:${imgs[2]!.id} example.com/c:1`]
      .sort()
      .join('\n'),
  );
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
});

test('an image pulled through an index and with compressed layers keeps its digest and size', async () => {
  // an OCI archive with an index and a gzip layer, loaded as podman would
  const root = path.join(dir, `store-${n++}`);
  const tar = makeTar({ 'etc/os-release': 'ID=recover\n' });
  const gz = gzipSync(tar);
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-02-02T00:00:00Z',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(cfg)}`, size: cfg.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(gz)}`, size: gz.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha(manifest)}`,
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    }),
  );
  const layout = path.join(dir, `layout-${n++}`);
  fs.mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  for (const b of [gz, cfg, manifest, index]) fs.writeFileSync(path.join(layout, 'blobs', 'sha256', sha(b)), b);
  fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: `sha256:${sha(index)}`,
          size: index.length,
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
  await ok(root, ['pull', `oci:${layout}:v1`]);
  const beforeDigests = await ok(root, ['images', '--digests', '--no-trunc']);
  assert.match(beforeDigests, new RegExp(`sha256:${sha(index)}`));
  const before = await view(root);
  dropIndex(root);
  await ok(root, ['system', 'recover']);
  assert.equal(await ok(root, ['images', '--digests', '--no-trunc']), beforeDigests);
  assert.deepEqual(await view(root), before);
});

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

// ---- SIGKILL ----------------------------------------------------------------------------

/** Start berth, SIGKILL it after `ms` (unless it finished); true when it was killed. */
async function killAfter(root: string, args: string[], ms: number): Promise<boolean> {
  const child = spawnBerth(root, args);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const r = await exited;
  clearTimeout(timer);
  if (r.signal === 'SIGKILL') return true;
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${err}`);
  return false;
}

test('SIGKILL during system recover: the old state or the new one, never a partial index', { timeout: 600_000 }, async () => {
  // big layers so that recover (which verifies every blob) takes a while
  const big = ['p', 'q', 'r'].map((s, i) => {
    const data = Buffer.alloc((20 + 10 * i) << 20);
    for (let j = 0; j < data.length; j += 4096) data.write(`${s}${j}`, j);
    return makeImage({ seed: s, repoTags: [`example.com/big-${s}:1`], layers: [makeTar({ 'big.bin': data })] });
  });
  const bigArchive = path.join(dir, 'big.tar');
  fs.writeFileSync(bigArchive, dockerArchive(big));
  const root = path.join(dir, `store-${n++}`);
  await ok(root, ['load', '-i', bigArchive]);
  await ok(root, ['tag', 'example.com/big-p:1', 'example.com/big-p:2']);
  const before = await view(root);
  // the shortest whole recover seen so far: on a loaded machine runs get slower, so a kill at a
  // fraction of the fastest run still lands mid-way in the next one
  let full = Infinity;
  const timedRecover = async () => {
    const t0 = Date.now();
    await ok(root, ['system', 'recover']);
    full = Math.min(full, Date.now() - t0);
  };
  dropIndex(root);
  // what a recover killed while building leaves: its index in tmp/, named after a writer that is gone
  const leftover = path.join(root, 'tmp', `${'d'.repeat(32)}-0123456789abcdef-index.db`);
  fs.mkdirSync(path.dirname(leftover), { recursive: true });
  fs.writeFileSync(leftover, 'SQLite format 3\0 half-built');
  await timedRecover();
  assert.deepEqual(await view(root), before);
  assert.deepEqual(listDir(path.join(root, 'tmp')), [], 'recover removes what a dead recover left in tmp/');
  let killed = 0;
  for (const frac of [0.1, 0.25, 0.4, 0.55, 0.7]) {
    dropIndex(root);
    if (await killAfter(root, ['system', 'recover'], Math.round(full * frac))) killed++;
    // old state: no index at all; new state: the whole index
    const has = fs.existsSync(path.join(root, 'index.db'));
    if (has) assert.deepEqual(await view(root), before, `after a kill at ${frac}`);
    await timedRecover();
    assert.deepEqual(await view(root), before, `recover after a kill at ${frac}`);
    assert.deepEqual(listDir(path.join(root, 'tmp')), [], 'the partial index of the killed recover was removed');
    const c = await berth(root, ['system', 'check']);
    assert.equal(c.code, 0, c.stdout);
  }
  assert.ok(killed >= 3, `recover was killed mid-way in ${killed} of 5 trials`);
});

test('SIGKILL during system gc: images intact, check clean, the next gc finishes the job', { timeout: 300_000 }, async () => {
  const root = await storeWithHistory();
  const before = await view(root);
  // many unreferenced (valid) blobs for gc to remove
  const dirB = path.join(root, 'blobs', 'sha256');
  for (let i = 0; i < 6000; i++) {
    const b = Buffer.from(`unreferenced ${i}`);
    fs.writeFileSync(path.join(dirB, sha(b)), b);
  }
  const total = listDir(dirB).length;
  let killed = 0;
  for (const after of [1, 500, 2000]) {
    // SIGKILL once gc has removed `after` blobs (inotify sees each unlink)
    const child = spawnBerth(root, ['system', 'gc']);
    let seen = 0;
    const w = fs.watch(dirB, () => {
      if (++seen === after) child.kill('SIGKILL');
    });
    const r = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    w.close();
    if (r.signal === 'SIGKILL') killed++;
    else assert.equal(r.code, 0);
    assert.deepEqual(await view(root), before);
    const c = await berth(root, ['system', 'check', '--quick']);
    assert.equal(c.code, 0, c.stdout);
  }
  assert.ok(killed >= 2, `gc was killed mid-way in ${killed} of 3 trials`);
  assert.ok(listDir(dirB).length < total);
  const g = await berth(root, ['system', 'gc']);
  assert.equal(g.code, 0, g.stderr);
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
  assert.doesNotMatch(c.stdout, /unreferenced/);
  assert.deepEqual(await view(root), before);
});
