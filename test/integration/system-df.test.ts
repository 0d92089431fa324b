/**
 * berth system df: the figures add up to what `du` sees in the store (blobs/ and partials/);
 * -v splits each image into shared and unique bytes; what `system gc` prints as freed is what
 * left the disk.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyImage } from '../../src/copy/copy.js';
import { Store } from '../../src/store/store.js';
import { LocalDestination, LocalRef } from '../../src/transports/local/local.js';
import { run } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { MemorySource, buildImage, sha256, type LayerSpec, type TestImage } from './docker-fixtures.js';

const MB = 1 << 20;
let b: ScratchBerth;
let base: LayerSpec;
let app1: TestImage;
let app2: TestImage;

before(async () => {
  b = await scratchBerth();
  base = { files: { 'base.bin': randomBytes(6 * MB) }, gzip: true };
  app1 = buildImage({ layers: [base, { files: { 'one.bin': randomBytes(2 * MB) }, gzip: true }], label: 'one' });
  app2 = buildImage({ layers: [base, { files: { 'two.bin': randomBytes(3 * MB) } }], label: 'two' });
});
after(async () => {
  await b?.cleanup();
});

async function store(root: string, img: TestImage, name: string): Promise<void> {
  const s = Store.open({ root });
  const dest = new LocalDestination(new LocalRef(s, undefined, [name]));
  try {
    await copyImage(new MemorySource(img), dest);
  } finally {
    await dest.close();
    s.close();
  }
}

/** Bytes of the files under the store's blobs/ and partials/: apparent (`du -sb`) and on disk (`du -s -B1`). */
async function du(root: string): Promise<{ apparent: number; disk: number }> {
  const dirs = ['blobs', 'partials'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
  const total = async (args: string[]) => {
    const r = await run('du', ['-s', '-c', ...args, ...dirs]);
    assert.equal(r.code, 0, r.stderr);
    return Number(/^(\d+)\s+total$/m.exec(r.stdout)![1]);
  };
  // directories themselves take blocks too: count files only for the apparent size
  const files = dirs.flatMap((d) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()));
  const apparent = files.reduce((a, e) => a + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
  return { apparent, disk: await total(['-B1']) };
}

interface Row {
  Type: string;
  Total: number;
  Active: number;
  RawSize: number;
  RawReclaimable: number;
  Size: string;
  Reclaimable: string;
}

async function df(root: string): Promise<Record<string, Row>> {
  const r = await b.run(['system', 'df', '--format', 'json'], { root });
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries((JSON.parse(r.stdout) as Row[]).map((x) => [x.Type, x]));
}

test('system df adds up to du; -v shows shared and unique bytes; gc frees exactly what it prints', async () => {
  const root = b.store();
  await store(root, app1, 'example.com/app:one');
  await store(root, app2, 'example.com/app:two');

  // an unreferenced blob (as a killed writer leaves) and a partial download
  const s = Store.open({ root });
  const stray = randomBytes(MB + 123);
  await s.putBlob(stray);
  const partialDigest = sha256(randomBytes(32));
  const held = await s.holdPartial(partialDigest, 10 * MB, 'docker://example.com/app:three');
  assert.ok(held);
  fs.writeFileSync(held.path, randomBytes(2 * MB + 7));
  s.releasePartial(held);
  s.close();

  const rows = await df(root);
  assert.deepEqual(Object.keys(rows), ['Images', 'Containers', 'Unreferenced blobs', 'Partial downloads']);
  assert.equal(rows.Images!.Total, 2);
  const blobSizes = (img: TestImage) => [img.config.length, img.manifest.length, ...img.layers.map((l) => l.size)];
  const shared = app1.layers[0]!.size;
  const expectedImages = blobSizes(app1).reduce((a, x) => a + x, 0) + blobSizes(app2).reduce((a, x) => a + x, 0) - shared;
  assert.equal(rows.Images!.RawSize, expectedImages, 'each shared blob counted once');
  assert.deepEqual([rows['Unreferenced blobs']!.Total, rows['Unreferenced blobs']!.RawSize], [1, stray.length]);
  assert.deepEqual(
    [rows['Partial downloads']!.Total, rows['Partial downloads']!.RawSize, rows['Partial downloads']!.Active],
    [1, 2 * MB + 7, 0],
  );
  assert.equal(rows['Partial downloads']!.RawReclaimable, 2 * MB + 7);

  const total = Object.values(rows).reduce((a, r) => a + r.RawSize, 0);
  const used = await du(root);
  assert.equal(total, used.apparent, 'the sizes are the bytes of the files');
  assert.ok(Math.abs(total - used.disk) / used.disk < 0.01, `df ${total} vs du ${used.disk}: within 1%`);

  // the table, as podman prints it
  const table = await b.run(['system', 'df'], { root });
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
  assert.match(lines[1]!, /^Images\s+2\s+0\s+\d+(\.\d+)?MB\s+\d+(\.\d+)?MB \(100%\)$/);
  assert.match(lines[2]!, /^Containers\s+0\s+0\s+0B\s+0B \(0%\)$/);
  assert.match(lines[4]!, /^Partial downloads\s+1\s+0\s+2\.097MB\s+2\.097MB \(100%\)$/);

  const verbose = await b.run(['system', 'df', '-v'], { root });
  assert.equal(verbose.code, 0, verbose.stderr);
  const v = verbose.stdout.split('\n');
  assert.equal(v[0], 'Images space usage:');
  assert.match(v[2]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS$/);
  const one = v.find((l) => l.startsWith('example.com/app ') && l.includes(app1.configDigest.slice(7, 19)))!;
  const cols = one.split(/\s{2,}/);
  const human = (n: number) => `${Number((n / 1e6).toPrecision(4))}MB`;
  assert.equal(cols[5], human(shared), `shared size of ${one}`);
  assert.equal(cols[6], human(blobSizes(app1).reduce((a, x) => a + x, 0) - shared), 'unique size');
  assert.ok(v.includes('Partial downloads space usage:'));
  assert.ok(v.some((l) => l.startsWith(partialDigest.slice(0, 19)) && l.includes('docker://example.com/app:three')));

  // gc: the bytes it reports are the bytes that left the disk
  const before = await du(root);
  const gc = await b.run(['system', 'gc', '--partials'], { root });
  assert.equal(gc.code, 0, gc.stderr);
  const m1 = /^Removed (\d+) unreferenced blob\(s\), (\d+) bytes$/m.exec(gc.stdout)!;
  const m2 = /^Removed (\d+) partial download\(s\), (\d+) bytes$/m.exec(gc.stdout)!;
  assert.deepEqual([Number(m1[1]), Number(m1[2]), Number(m2[1]), Number(m2[2])], [1, stray.length, 1, 2 * MB + 7]);
  const after = await du(root);
  assert.equal(before.apparent - after.apparent, Number(m1[2]) + Number(m2[2]));
  const rows2 = await df(root);
  assert.equal(rows2['Unreferenced blobs']!.RawSize + rows2['Partial downloads']!.RawSize, 0);
  assert.equal(rows2.Images!.RawSize, after.apparent);
});

test('system df reads a store that does not exist as empty without creating it; --format with -v is refused', async () => {
  const root = b.store();
  const r = await b.run(['system', 'df', '--format', '{{.Type}}={{.Total}}'], { root });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Images=0\nContainers=0\nUnreferenced blobs=0\nPartial downloads=0\n');
  assert.equal(fs.existsSync(root), false, 'nothing created');
  const both = await b.run(['system', 'df', '-v', '--format', 'json'], { root });
  assert.equal(both.code, 125);
  assert.equal(both.stderr, 'Error: cannot combine --format and --verbose flags\n');
});
