import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store, storeInternals } from '../../../src/store/index.js';
import { putImage } from './image-fixture.js';
import { digestOf } from '../../../src/digest/index.js';

let dir: string;
let n = 0;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-gc-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});
function freshStore(): Store {
  return Store.open({ root: path.join(dir, `s${++n}`) });
}

const deadPid = () =>
  new Promise<number>((resolve) => {
    const c = spawn(process.execPath, ['-e', '']);
    c.on('exit', () => resolve(c.pid!));
  });

test('gc removes unreferenced blobs and keeps referenced ones', async () => {
  const s = freshStore();
  try {
    const a = await putImage(s, 'a');
    const b = await putImage(s, 'b');
    storeInternals(s).index.recordImage(a.rec, (d) => s.hasBlob(d));
    const r = s.gc();
    assert.equal(r.removed, 3);
    assert.ok(r.bytes > 0);
    assert.deepEqual(storeInternals(s).blobs.list().sort(), a.blobs);
    assert.deepEqual([...storeInternals(s).index.referencedBlobs()].sort(), a.blobs);
    for (const d of b.blobs) assert.equal(s.hasBlob(d), false);
    assert.deepEqual(s.gc(), { removed: 0, bytes: 0, partials: { removed: 0, bytes: 0 } });
  } finally {
    s.close();
  }
});

test('a live lease protects its blobs from gc until released', async () => {
  const s = freshStore();
  try {
    const lease = s.lease();
    const data = Buffer.from('in flight');
    const d = digestOf(data);
    lease.protect(d); // announced before it is written, as writers must
    await s.putBlob(data);
    assert.equal(s.gc().removed, 0);
    assert.equal(s.hasBlob(d), true);
    lease.release();
    assert.equal(s.gc().removed, 1);
    assert.equal(s.hasBlob(d), false);
  } finally {
    s.close();
  }
});

test('a lease of another live process protects; one of a dead process does not and is dropped', async () => {
  const s = freshStore();
  const live = spawn('sleep', ['30']);
  try {
    const dead = await deadPid();
    const d1 = (await s.putBlob(Buffer.from('held by live'))).digest;
    const d2 = (await s.putBlob(Buffer.from('held by dead'))).digest;
    const ins = storeInternals(s).index.db.prepare(`INSERT INTO leases (pid, started) VALUES (?, ?) RETURNING id`);
    const liveLease = (ins.get(live.pid, new Date().toISOString()) as { id: number }).id;
    const deadLease = (ins.get(dead, new Date().toISOString()) as { id: number }).id;
    storeInternals(s).index.protectBlob(liveLease, d1);
    storeInternals(s).index.protectBlob(deadLease, d2);
    assert.equal(s.gc().removed, 1);
    assert.equal(s.hasBlob(d1), true);
    assert.equal(s.hasBlob(d2), false);
    const leases = (storeInternals(s).index.db.prepare('SELECT id FROM leases').all() as { id: number }[]).map((r) => r.id);
    assert.deepEqual(leases, [liveLease], 'the dead lease was dropped');
  } finally {
    live.kill('SIGKILL');
    s.close();
  }
});

test('lease.abort removes what it wrote unless an image or another lease uses it', async () => {
  const s = freshStore();
  try {
    const a = await putImage(s, 'kept');
    storeInternals(s).index.recordImage(a.rec, (d) => s.hasBlob(d));
    const l1 = s.lease();
    const l2 = s.lease();
    const mine = (await s.putBlob(Buffer.from('only mine'))).digest;
    const shared = (await s.putBlob(Buffer.from('shared'))).digest;
    for (const d of [mine, shared, ...a.blobs]) {
      l1.protect(d);
      l1.wrote(d);
    }
    l2.protect(shared);
    l1.abort();
    assert.equal(s.hasBlob(mine), false);
    assert.equal(s.hasBlob(shared), true, 'protected by the other lease');
    for (const d of a.blobs) assert.equal(s.hasBlob(d), true, 'referenced by an image');
    l2.release();
    l1.abort(); // idempotent
  } finally {
    s.close();
  }
});

test('recordImage refuses an image whose blobs are missing and records nothing', async () => {
  const s = freshStore();
  try {
    const a = await putImage(s, 'incomplete');
    storeInternals(s).blobs.remove(a.rec.manifest.layers[0]!.digest);
    assert.throws(() => storeInternals(s).index.recordImage(a.rec, (d) => s.hasBlob(d)), { code: 'STORE_CORRUPT' });
    assert.deepEqual(s.listImages(), []);
    assert.equal(s.imageIdForName('example.com/incomplete:1'), undefined);
  } finally {
    s.close();
  }
});

test('recording closes the lease in the same transaction', async () => {
  const s = freshStore();
  try {
    const lease = s.lease();
    const a = await putImage(s, 'leased');
    for (const d of a.blobs) lease.protect(d);
    storeInternals(s).index.recordImage(a.rec, (d) => s.hasBlob(d), lease.id);
    assert.equal((storeInternals(s).index.db.prepare('SELECT count(*) AS n FROM leases').get() as { n: number }).n, 0);
    assert.equal(s.gc().removed, 0);
    assert.deepEqual(
      s.listImages().map((i) => i.names),
      [['example.com/leased:1']],
    );
  } finally {
    s.close();
  }
});

test('check reports missing and damaged blobs, and counts unreferenced ones', async () => {
  const s = freshStore();
  try {
    const a = await putImage(s, 'checked');
    storeInternals(s).index.recordImage(a.rec, (d) => s.hasBlob(d));
    await s.putBlob(Buffer.from('stray'));
    let r = await s.check();
    assert.deepEqual(r.problems, []);
    assert.equal(r.images, 1);
    assert.equal(r.blobs, 4);
    assert.equal(r.unreferencedBlobs, 1);
    const layer = a.rec.manifest.layers[0]!.digest;
    const p = s.blobPath(layer);
    const orig = fs.readFileSync(p);
    const bad = Buffer.from(orig);
    bad[0] ^= 1;
    fs.writeFileSync(p, bad);
    r = await s.check();
    assert.deepEqual(
      r.problems.map((x) => [x.kind, x.digest]),
      [['corrupt-blob', layer]],
    );
    assert.equal((await s.check({ quick: true })).problems.length, 0, 'quick check compares sizes only');
    fs.unlinkSync(p);
    r = await s.check({ quick: true });
    assert.deepEqual(
      r.problems.map((x) => [x.kind, x.digest]),
      [['missing-blob', layer]],
    );
    fs.writeFileSync(path.join(storeInternals(s).blobs.dir, 'sha256', 'not-a-digest'), 'x');
    r = await s.check({ quick: true });
    assert.ok(r.problems.some((x) => x.kind === 'foreign-file'));
  } finally {
    s.close();
  }
});
