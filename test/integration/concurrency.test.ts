/**
 * Several berth processes on one store at the same time: two loads of the same archive,
 * load + system check (+ images when that command exists), load + system gc. No internal
 * errors, no lost or half images, and the store is consistent afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BERTH_MAIN,
  berth,
  blobsOnDisk,
  dockerArchive,
  listDir,
  makeImage,
  referencedBlobs,
  storeImages,
  writeBigDockerArchive,
  type BigArchive,
} from '../helpers/archives.js';
import { makeTar, rmrf, type RunResult } from '../helpers/tools.js';

const MB = 1024 * 1024;
let dir: string;
let mid: BigArchive; // big enough that loads overlap with other commands
let n = 0;
const newRoot = () => path.join(dir, `store-${++n}`);
const hasImagesCommand = fs.existsSync(path.join(path.dirname(BERTH_MAIN), 'commands', 'images.js'));

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-conc-'));
  mid = await writeBigDockerArchive(path.join(dir, 'mid.tar'), {
    layerBytes: [12 * MB, 10 * MB, 8 * MB],
    repoTag: 'example.com/mid:1',
    content: 'random',
  });
});
after(async () => {
  await rmrf(dir);
});

function assertClean(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
  assert.doesNotMatch(r.stderr, /internal error|SQLITE|\n\s+at /i, `${what}: ${r.stderr}`);
}

async function checkConsistent(root: string): Promise<void> {
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /no problems/);
}

/** Run `fn` repeatedly until `until` settles; returns every result. */
async function repeatWhile<T>(until: Promise<unknown>, fn: () => Promise<T>): Promise<T[]> {
  let settled = false;
  void until.finally(() => {
    settled = true;
  });
  const out: T[] = [];
  do out.push(await fn());
  while (!settled);
  return out;
}

test('two loads of the same archive at once on a fresh store: both succeed, one image', async () => {
  for (let round = 0; round < 3; round++) {
    const root = newRoot();
    const [a, b] = await Promise.all([berth(root, ['load', '-i', mid.path]), berth(root, ['load', '-i', mid.path])]);
    assertClean(a, 'first load');
    assertClean(b, 'second load');
    assert.equal(a.stdout, 'Loaded image: example.com/mid:1\n');
    assert.equal(b.stdout, 'Loaded image: example.com/mid:1\n');
    assert.deepEqual(storeImages(root), [{ id: mid.id, names: ['example.com/mid:1'] }]);
    await checkConsistent(root);
    assert.deepEqual(blobsOnDisk(root), referencedBlobs(root), 'no stray blobs');
    assert.deepEqual(listDir(path.join(root, 'tmp')), []);
  }
});

test('four loads of different archives sharing a base layer, at once', async () => {
  const root = newRoot();
  const base = makeTar({ 'base.bin': Buffer.alloc(2 * MB, 3) });
  const imgs = [0, 1, 2, 3].map((i) =>
    makeImage({ repoTags: [`example.com/shared:${i}`], layers: [base, makeTar({ [`own-${i}.txt`]: `image ${i}\n` })] }),
  );
  const files = await Promise.all(
    imgs.map(async (img, i) => {
      const f = path.join(dir, `shared-${i}.tar`);
      await fsp.writeFile(f, dockerArchive([img]));
      return f;
    }),
  );
  const rs = await Promise.all(files.map((f) => berth(root, ['load', '-q', '-i', f])));
  rs.forEach((r, i) => assertClean(r, `load ${i}`));
  assert.deepEqual(
    storeImages(root),
    imgs.map((img, i) => ({ id: img.id, names: [`example.com/shared:${i}`] })).sort((x, y) => x.id.localeCompare(y.id)),
  );
  await checkConsistent(root);
  assert.deepEqual(blobsOnDisk(root), referencedBlobs(root));
});

test('load while system check (and images) run: no errors, consistent store', async () => {
  const root = newRoot();
  // a first image so check/images have something to look at
  const small = makeImage({ repoTags: ['example.com/small:1'], seed: 'small' });
  const sf = path.join(dir, 'small.tar');
  await fsp.writeFile(sf, dockerArchive([small]));
  assertClean(await berth(root, ['load', '-q', '-i', sf]), 'initial load');
  const load = berth(root, ['load', '-i', mid.path]);
  const checks = await repeatWhile(load, () => berth(root, ['system', 'check', '--quick']));
  const listings = hasImagesCommand ? await repeatWhile(load, () => berth(root, ['images', '--no-trunc'])) : [];
  const l = await load;
  assertClean(l, 'load');
  assert.ok(checks.length >= 1);
  for (const c of checks) {
    assertClean(c, 'system check');
    assert.match(c.stdout, /Checked [12] image\(s\), \d+ blob\(s\): no problems/);
  }
  for (const i of listings) assertClean(i, 'images');
  assert.deepEqual(
    storeImages(root)
      .map((x) => x.id)
      .sort(),
    [small.id, mid.id].sort(),
  );
  await checkConsistent(root);
});

test('load while system gc runs repeatedly: the loaded image is complete', async () => {
  for (let round = 0; round < 2; round++) {
    const root = newRoot();
    const load = berth(root, ['load', '-i', mid.path]);
    const gcs = await repeatWhile(load, () => berth(root, ['system', 'gc']));
    const l = await load;
    assertClean(l, 'load');
    assert.ok(gcs.length >= 1);
    for (const g of gcs) assertClean(g, 'system gc');
    assert.deepEqual(storeImages(root), [{ id: mid.id, names: ['example.com/mid:1'] }]);
    await checkConsistent(root);
    // a final gc removes nothing that the image needs
    assertClean(await berth(root, ['system', 'gc']), 'final gc');
    await checkConsistent(root);
    assert.deepEqual(blobsOnDisk(root), referencedBlobs(root));
  }
});

test('load of an image whose layers are already stored, while gc runs', async () => {
  // the reuse path: blobs exist, the loader only protects them and records the image
  const root = newRoot();
  assertClean(await berth(root, ['load', '-q', '-i', mid.path]), 'first load');
  const other = path.join(dir, 'mid-retagged.tar');
  // same content under another name: every blob is reused
  const buf = fs.readFileSync(mid.path);
  const at = buf.lastIndexOf('"RepoTags":["example.com/mid:1"]');
  assert.ok(at > 0);
  buf.write('"RepoTags":["example.com/mid:2"]', at, 'utf8'); // same length: the tar stays valid
  await fsp.writeFile(other, buf);
  for (let i = 0; i < 3; i++) {
    const load = berth(root, ['load', '-q', '-i', other]);
    const gc = berth(root, ['system', 'gc']);
    const [l, g] = await Promise.all([load, gc]);
    assertClean(l, 'load');
    assertClean(g, 'gc');
    await checkConsistent(root);
  }
  assert.deepEqual(storeImages(root), [{ id: mid.id, names: ['example.com/mid:1', 'example.com/mid:2'] }]);
  assert.deepEqual(blobsOnDisk(root), referencedBlobs(root));
});
