/**
 * SIGKILL in the middle of `berth load` of a big archive: the store stays consistent
 * (`system check` passes), the next load of the same archive works, and `system gc`
 * afterwards leaves exactly the blobs images reference.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  berth,
  blobsOnDisk,
  listDir,
  referencedBlobs,
  spawnBerth,
  storeImages,
  writeBigDockerArchive,
  type BigArchive,
} from '../helpers/archives.js';
import { rmrf } from '../helpers/tools.js';

let dir: string;
let big: BigArchive;
const MB = 1024 * 1024;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-crash-'));
  // ~200 MB, incompressible, three layers
  big = await writeBigDockerArchive(path.join(dir, 'big.tar'), {
    layerBytes: [80 * MB, 70 * MB, 50 * MB],
    repoTag: 'example.com/big:1',
    content: 'random',
  });
  assert.ok(big.size > 200 * MB);
});

after(async () => {
  await rmrf(dir);
});

/** Start a load and SIGKILL it once one of its temp files in ROOT/tmp has grown past `minBytes`. */
async function killMidLoad(
  root: string,
  args: string[],
  minBytes: number,
  opts: Parameters<typeof spawnBerth>[2] = {},
): Promise<{ killedAt: number }> {
  const child = spawnBerth(root, args, opts);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const tmp = path.join(root, 'tmp');
  let killedAt = -1;
  while (!done) {
    for (const f of listDir(tmp)) {
      let size = 0;
      try {
        size = fs.statSync(path.join(tmp, f)).size;
      } catch {
        /* renamed meanwhile */
      }
      if (size >= minBytes) {
        killedAt = size;
        break;
      }
    }
    if (killedAt >= 0) break;
    await new Promise((r) => setImmediate(r));
  }
  if (killedAt >= 0) child.kill('SIGKILL');
  const r = await exited;
  assert.equal(r.signal, 'SIGKILL', `load was not killed mid-way (exit ${r.code}): ${stderr}`);
  return { killedAt };
}

test(
  'SIGKILL during load leaves a consistent store; the next load works; gc leaves only referenced blobs',
  { timeout: 300_000 },
  async () => {
    const root = path.join(dir, 'store');
    const { killedAt } = await killMidLoad(root, ['load', '-i', big.path], 4 * MB);
    assert.ok(killedAt >= 4 * MB);
    // the killed process left a partial temp file (and maybe complete, unreferenced blobs)
    assert.ok(listDir(path.join(root, 'tmp')).length >= 1, 'a partial temp file was left by the killed process');
    assert.deepEqual(storeImages(root), [], 'no image recorded');

    const c1 = await berth(root, ['system', 'check']);
    assert.equal(c1.code, 0, c1.stdout + c1.stderr);
    assert.match(c1.stdout, /^Checked 0 image\(s\), \d+ blob\(s\): no problems/m);
    assert.equal(c1.stderr, '');
    assert.deepEqual(listDir(path.join(root, 'tmp')), [], 'stale temp files of the dead process were removed');

    const l = await berth(root, ['load', '-i', big.path], { timeoutMs: 240_000 });
    assert.equal(l.code, 0, l.stderr);
    assert.equal(l.stdout, 'Loaded image: example.com/big:1\n');
    assert.deepEqual(storeImages(root), [{ id: big.id, names: ['example.com/big:1'] }]);

    const c2 = await berth(root, ['system', 'check'], { timeoutMs: 240_000 });
    assert.equal(c2.code, 0, c2.stdout);
    assert.match(c2.stdout, /^Checked 1 image\(s\), \d+ blob\(s\): no problems/m);

    const gc = await berth(root, ['system', 'gc']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /^Removed \d+ unreferenced blob\(s\), \d+ bytes$/m);
    const referenced = referencedBlobs(root);
    // config + manifest + 3 layers
    assert.equal(referenced.length, 5);
    assert.deepEqual(blobsOnDisk(root), referenced);
    for (const d of big.diffIDs) assert.ok(referenced.includes(d), `layer ${d} kept`);
    assert.ok(referenced.includes(big.configDigest));
    const c3 = await berth(root, ['system', 'check', '--quick']);
    assert.equal(c3.code, 0);
    assert.doesNotMatch(c3.stdout, /unreferenced/);
    assert.deepEqual(listDir(path.join(root, 'tmp')), []);
  },
);

test('SIGKILL while re-loading an image with a lost layer: the next load repairs it', { timeout: 300_000 }, async () => {
  const root = path.join(dir, 'store2');
  const l0 = await berth(root, ['load', '-i', big.path], { timeoutMs: 240_000 });
  assert.equal(l0.code, 0, l0.stderr);
  const before = blobsOnDisk(root);
  // drop one layer blob so the second load has something to write, then kill it while writing
  fs.rmSync(path.join(root, 'blobs', 'sha256', big.diffIDs[0]!.slice(7)));
  await killMidLoad(root, ['load', '-i', big.path], 4 * MB);
  const c = await berth(root, ['system', 'check', '--quick']);
  assert.equal(c.code, 1, 'the layer removed by hand is still reported missing');
  assert.match(c.stdout, new RegExp(`layer ${big.diffIDs[0]} is missing`));
  const l = await berth(root, ['load', '-i', big.path], { timeoutMs: 240_000 });
  assert.equal(l.code, 0, l.stderr);
  assert.deepEqual(blobsOnDisk(root), before, 'the missing layer was restored');
  const c2 = await berth(root, ['system', 'check']);
  assert.equal(c2.code, 0, c2.stdout);
});

test('SIGKILL while spooling an archive from stdin: the spool lives in the store and is cleaned up', { timeout: 300_000 }, async () => {
  const root = path.join(dir, 'store3');
  const tmpdir = path.join(dir, 'private-tmp');
  fs.mkdirSync(tmpdir);
  await killMidLoad(root, ['load'], 4 * MB, { stdinFile: big.path, env: { TMPDIR: tmpdir } });
  assert.ok(
    listDir(path.join(root, 'tmp')).some((f) => f.endsWith('-archive.tar')),
    'the partial spool is in ROOT/tmp',
  );
  assert.deepEqual(listDir(tmpdir), [], 'nothing spooled outside the store');
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
  assert.deepEqual(listDir(path.join(root, 'tmp')), []);
  // and from stdin it loads fine
  const l = await berth(root, ['load'], { input: fs.readFileSync(big.path), timeoutMs: 240_000 });
  assert.equal(l.code, 0, l.stderr);
  assert.deepEqual(storeImages(root), [{ id: big.id, names: ['example.com/big:1'] }]);
  assert.deepEqual(listDir(path.join(root, 'tmp')), []);
  assert.deepEqual(listDir(tmpdir), []);
});
