/**
 * `system check --repair` and repair by pulling again:
 * - repair verifies each image again under the write lock, so an image removed and stored
 *   again while the checker waited is healthy and survives;
 * - foreign files in blobs/ are moved to ROOT/quarantine/ and the exit code says whether
 *   problems remain;
 * - a truncated or overwritten blob is replaced by the verified copy a pull downloads (real
 *   registry), and `check --repair` followed by a pull restores an image with silent damage.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { berth, dockerArchive, makeImage, makeTar, spawnBerth, storeImages, type BuiltImage } from '../helpers/archives.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { loadImages, removeImages, Store } from '../../src/index.js';
import { storeInternals } from '../../src/store/store.js';

let dir: string;
let img: BuiltImage;
let archive: string;
let n = 0;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-repair-'));
  // a layer over 1 MiB, so that reuse relies on the cheap "changed since verified" test
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  img = makeImage({ repoTags: ['example.com/repair/app:1'], layers: [makeTar({ 'data.bin': big }), makeTar({ 'etc/x': 'x\n' })] });
  archive = path.join(dir, 'app.tar');
  fs.writeFileSync(archive, dockerArchive([img]));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const blobFile = (root: string, digest: string) => path.join(root, 'blobs', 'sha256', digest.slice(7));
/** The last state a --progress=json pull reported for blob `digest` ("done": fetched, "exists": reused). */
function blobState(stderr: string, digest: string): string | undefined {
  const events = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { kind: string; digest?: string; state?: string });
  return events.filter((e) => e.kind === 'blob' && e.digest === digest).at(-1)?.state;
}

async function loadedStore(): Promise<string> {
  const root = path.join(dir, `store-${n++}`);
  const l = await berth(root, ['load', '-i', archive]);
  assert.equal(l.code, 0, l.stderr);
  return root;
}

/** Overwrite bytes in the middle of a blob (same size). */
function scribble(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.from('damage!'), 0, 7, 1000);
  } finally {
    fs.closeSync(fd);
  }
}

test('repair re-verifies under the write lock: an image stored again while the checker waited survives', { timeout: 120_000 }, async () => {
  const root = await loadedStore();
  scribble(blobFile(root, img.diffIDs[0]!));
  // hold the store's write lock: the checker can read and report, but waits before repairing
  const store = Store.open({ root });
  storeInternals(store).index.db.exec('BEGIN IMMEDIATE');
  let committed = false;
  try {
    const child = spawnBerth(root, ['system', 'check', '--repair']);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => {
        stdout += b.toString();
        if (stdout.includes('is damaged')) resolve();
      });
      void exited.then((c) => reject(new Error(`checker exited (${c}) before reporting: ${stdout}${stderr}`)));
    });
    assert.match(stdout, new RegExp(`image ${img.id.slice(0, 12)}: layer ${img.diffIDs[0]} is damaged`));
    // meanwhile (inside the held transaction) the image is removed and loaded again, healthy
    const rm = removeImages(store, [img.id], { force: true });
    assert.deepEqual(rm.deleted, [img.id]);
    assert.equal(fs.existsSync(blobFile(root, img.diffIDs[0]!)), false, 'the damaged layer was collected');
    await loadImages(store, { input: archive });
    storeInternals(store).index.db.exec('COMMIT');
    committed = true;
    const code = await exited;
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, new RegExp(`^Kept image ${img.id.slice(0, 12)}: not damaged any more$`, 'm'));
    assert.match(stdout, /^Removed 0 damaged image\(s\), 0 blob\(s\)$/m);
    assert.equal(stderr, '');
  } finally {
    if (!committed) storeInternals(store).index.db.exec('ROLLBACK');
    store.close();
  }
  assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/repair/app:1'] }]);
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
});

test('repair removes an image still damaged when verified again, and its damaged blob', async () => {
  const root = await loadedStore();
  scribble(blobFile(root, img.diffIDs[0]!));
  const r = await berth(root, ['system', 'check', '--repair']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^Removed damaged image ${img.id.slice(0, 12)}$`, 'm'));
  assert.match(r.stdout, /^Removed 1 damaged image\(s\), \d+ blob\(s\)$/m);
  assert.deepEqual(storeImages(root), []);
  assert.equal(fs.existsSync(blobFile(root, img.diffIDs[0]!)), false);
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
  assert.match(c.stdout, /^Checked 0 image\(s\), 0 blob\(s\): no problems$/m);
});

test('foreign files in blobs/: reported, moved to quarantine/ by --repair; exit 0 only when nothing remains', async () => {
  const root = await loadedStore();
  fs.writeFileSync(path.join(root, 'blobs', 'sha256', 'notes.txt'), "someone's notes\n");
  fs.writeFileSync(path.join(root, 'blobs', 'README'), 'stray\n');
  fs.mkdirSync(path.join(root, 'blobs', 'sha256', 'a'.repeat(64)));
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 1);
  assert.match(c.stdout, /^unexpected file blobs\/sha256\/notes\.txt$/m);
  assert.match(c.stdout, /^unexpected file blobs\/README$/m);
  assert.match(c.stdout, new RegExp(`^unexpected file blobs/sha256/${'a'.repeat(64)}$`, 'm'));

  // quarantine/ cannot be created (a file is in the way): nothing is lost, exit 1
  fs.writeFileSync(path.join(root, 'quarantine'), 'in the way\n');
  const r1 = await berth(root, ['system', 'check', '--repair']);
  assert.equal(r1.code, 1, r1.stdout);
  assert.match(r1.stdout, /^not repaired: unexpected file blobs\/sha256\/notes\.txt$/m);
  assert.match(r1.stdout, /^3 problem\(s\) remain$/m);
  assert.ok(fs.existsSync(path.join(root, 'blobs', 'sha256', 'notes.txt')));
  fs.rmSync(path.join(root, 'quarantine'));

  const r2 = await berth(root, ['system', 'check', '--repair']);
  assert.equal(r2.code, 0, r2.stdout);
  const moved = /^Moved blobs\/sha256\/notes\.txt to (quarantine\/[^/]+\/blobs\/sha256\/notes\.txt)$/m.exec(r2.stdout);
  assert.ok(moved, r2.stdout);
  assert.equal(fs.readFileSync(path.join(root, moved[1]!), 'utf8'), "someone's notes\n", 'kept aside, not deleted');
  assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/repair/app:1'] }], 'healthy images untouched');
  const c2 = await berth(root, ['system', 'check']);
  assert.equal(c2.code, 0, c2.stdout);
  assert.doesNotMatch(c2.stdout, /unexpected/);
});

test('a verified write replaces a damaged stored copy; reuse re-verifies a changed copy', async () => {
  const root = path.join(dir, `store-${n++}`);
  const s = Store.open({ root });
  try {
    const data = Buffer.alloc(2 << 20, 'b');
    const d = (await s.putBlob(data)).digest;
    assert.equal(s.blobInDoubt(d), false, 'sealed when verified');
    fs.truncateSync(blobFile(root, d), 100);
    assert.equal(s.blobInDoubt(d), true);
    assert.equal(await s.verifyBlob(d), false);
    const w = await s.writeBlob((await import('node:stream')).Readable.from([data]), { digest: d, size: data.length, what: 'test blob' });
    assert.equal(w.created, false);
    assert.deepEqual(fs.readFileSync(blobFile(root, d)), data, 'the verified copy replaced the truncated one');
    assert.equal(s.blobInDoubt(d), false);
    // small content too (manifests, configs)
    const small = Buffer.from('{"small":true}');
    const sd = (await s.putBlob(small)).digest;
    fs.writeFileSync(blobFile(root, sd), '{"small":fals}');
    assert.equal((await s.putBlob(small)).created, false);
    assert.deepEqual(fs.readFileSync(blobFile(root, sd)), small);
  } finally {
    s.close();
  }
});

describe(
  'repair by pulling again (real registry)',
  { skip: fs.existsSync('/usr/bin/docker-registry') ? false : 'docker-registry not installed' },
  () => {
    let reg: Registry;
    let b: ScratchBerth;
    let ref: string;
    let layers: string[] = [];

    before(async () => {
      reg = await startRegistry();
      b = await scratchBerth();
      ref = `${reg.host}/repair/app:1`;
      const seed = b.store();
      assert.equal((await b.run(['load', '-i', archive], { root: seed })).code, 0);
      const p = await b.run(['push', '--tls-verify=false', 'example.com/repair/app:1', `docker://${ref}`], { root: seed });
      assert.equal(p.code, 0, p.stderr);
    });
    after(async () => {
      await reg?.stop();
      await b?.cleanup();
    });

    async function pulled(): Promise<string> {
      const root = b.store();
      const p = await b.run(['pull', '-q', '--tls-verify=false', ref], { root });
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout, `${img.id}\n`);
      const s = Store.open({ root });
      try {
        layers = s.manifestLayers(s.getImage(img.id)!.manifestDigest).map((l) => l.digest);
      } finally {
        s.close();
      }
      assert.equal(layers.length, 2);
      return root;
    }

    test('a truncated layer is replaced by the copy the next pull downloads', { timeout: 90_000 }, async () => {
      const root = await pulled();
      const file = blobFile(root, layers[0]!);
      const good = fs.readFileSync(file);
      fs.truncateSync(file, Math.floor(good.length / 2));
      const c0 = await b.run(['system', 'check'], { root });
      assert.equal(c0.code, 1);
      const p = await b.run(['pull', '--progress=json', '--tls-verify=false', ref], { root });
      assert.equal(p.code, 0, p.stderr);
      assert.equal(blobState(p.stderr, layers[0]!), 'done');
      assert.deepEqual(fs.readFileSync(file), good);
      const c = await b.run(['system', 'check'], { root });
      assert.equal(c.code, 0, c.stdout);
    });

    test('a layer overwritten in place (same size) is verified again, not reused, and replaced', { timeout: 90_000 }, async () => {
      const root = await pulled();
      const file = blobFile(root, layers[0]!);
      const good = fs.readFileSync(file);
      scribble(file);
      const p = await b.run(['pull', '--progress=json', '--tls-verify=false', ref], { root });
      assert.equal(p.code, 0, p.stderr);
      assert.equal(blobState(p.stderr, layers[0]!), 'done');
      assert.equal(blobState(p.stderr, layers[1]!), 'exists', 'the intact layer is reused');
      assert.deepEqual(fs.readFileSync(file), good);
      const c = await b.run(['system', 'check'], { root });
      assert.equal(c.code, 0, c.stdout);
    });

    test('silent damage: check --repair removes the image, the next pull restores it', { timeout: 90_000 }, async () => {
      const root = await pulled();
      const file = blobFile(root, layers[0]!);
      const st = fs.statSync(file);
      scribble(file);
      fs.utimesSync(file, st.atime, st.mtime); // damage that leaves no trace in the file's times
      const r = await b.run(['system', 'check', '--repair'], { root });
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, new RegExp(`^Removed damaged image ${img.id.slice(0, 12)}$`, 'm'));
      const p = await b.run(['pull', '-q', '--tls-verify=false', ref], { root });
      assert.equal(p.code, 0, p.stderr);
      const c = await b.run(['system', 'check'], { root });
      assert.equal(c.code, 0, c.stdout);
      assert.deepEqual(storeImages(root), [{ id: img.id, names: [ref] }]);
    });
  },
);
