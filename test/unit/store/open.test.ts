/**
 * Store.open and the index under failure, through the library: every failure is a BerthError
 * with a stable code naming index.db; read access never creates or changes a file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Store, IndexDB, storeInternals } from '../../../src/store/index.js';
import { expectError } from '../../helpers/expect-error.js';

let dir: string;
let n = 0;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-open-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** A store with one blob and one lease row written and closed again. */
async function populated(): Promise<string> {
  const root = path.join(dir, `s${++n}`);
  const s = Store.open({ root });
  try {
    await s.putBlob(Buffer.from('some blob'));
    s.lease().release();
  } finally {
    s.close();
  }
  return root;
}

test('read access to a store that does not exist: empty, nothing created', () => {
  const root = path.join(dir, 'absent');
  const s = Store.open({ root, access: 'read' });
  try {
    assert.equal(s.readOnly, true);
    assert.deepEqual(s.listImages(), []);
    assert.deepEqual(storeInternals(s).blobs.list(), []);
    assert.throws(() => s.lease(), expectError('STORE_READONLY', /opened read-only/));
  } finally {
    s.close();
  }
  assert.equal(fs.existsSync(root), false);
});

test('a new store gets its reserve file when closed; it is 1 MiB of written zeros', () => {
  const root = path.join(dir, 'reserve');
  Store.open({ root }).close();
  const st = fs.statSync(path.join(root, 'reserve'));
  assert.equal(st.size, 1 << 20);
  assert.ok(st.blocks * 512 >= 1 << 20, 'not sparse');
});

test('missing or empty index.db next to blobs: STORE_CORRUPT, and nothing is created', async () => {
  const root = await populated();
  const file = path.join(root, 'index.db');
  await fsp.rm(file);
  for (const access of ['read', 'write'] as const) {
    assert.throws(() => Store.open({ root, access }), expectError('STORE_CORRUPT', /index\.db is missing but the store holds 1 blob\(s\)/));
  }
  assert.equal(fs.existsSync(file), false);
  await fsp.writeFile(file, '');
  assert.throws(() => Store.open({ root }), expectError('STORE_CORRUPT', /index\.db is empty but/));
  assert.equal(fs.statSync(file).size, 0);
});

test('truncated index.db: STORE_CORRUPT saying so, before SQLite reads it', async () => {
  const root = await populated();
  const file = path.join(root, 'index.db');
  const bytes = await fsp.readFile(file);
  await fsp.writeFile(file, bytes.subarray(0, 4096));
  assert.throws(
    () => Store.open({ root, access: 'read' }),
    expectError('STORE_CORRUPT', /is damaged: it is truncated \(4096 of \d+ bytes\)/),
  );
  await fsp.writeFile(file, Buffer.from('not a database at all, really not'.repeat(10)));
  assert.throws(() => Store.open({ root }), expectError('STORE_CORRUPT', /is damaged: file is not a database/));
});

test('a snapshot view reads a closed index without creating WAL files', async () => {
  const root = await populated();
  const idx = new IndexDB(root, { mode: 'snapshot' });
  try {
    assert.equal(idx.readOnly, true);
    assert.deepEqual(idx.listImages(), []);
    assert.throws(() => idx.openLease('0123456789abcdef0123456789abcdef'), expectError('STORE_READONLY', /cannot write/));
  } finally {
    idx.close();
  }
  assert.deepEqual(
    fs.readdirSync(root).filter((f) => f.startsWith('index.db')),
    ['index.db'],
  );
});

test('a write lock held past BERTH_LOCK_TIMEOUT: STORE_LOCKED naming index.db; reads still work', async () => {
  const root = await populated();
  const holder = new Database(path.join(root, 'index.db'));
  holder.exec('BEGIN IMMEDIATE');
  const saved = process.env.BERTH_LOCK_TIMEOUT;
  process.env.BERTH_LOCK_TIMEOUT = '0.2';
  try {
    const s = Store.open({ root });
    try {
      assert.deepEqual(s.listImages(), []);
      assert.throws(() => s.lease(), expectError('STORE_LOCKED', /index\.db is locked by another berth process \(waited 0.2s\)/));
      assert.throws(() => s.gc(), expectError('STORE_LOCKED', /locked/));
    } finally {
      s.close();
    }
  } finally {
    if (saved === undefined) delete process.env.BERTH_LOCK_TIMEOUT;
    else process.env.BERTH_LOCK_TIMEOUT = saved;
    holder.exec('ROLLBACK');
    holder.close();
  }
});

test('a removal that fails for lack of space gives back the reserve and is retried once', async () => {
  const root = await populated();
  const s = Store.open({ root });
  try {
    let calls = 0;
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const out = storeInternals(s).index.transaction(
      () => {
        if (++calls === 1) throw full;
        return 'done';
      },
      { frees: true },
    );
    assert.equal(out, 'done');
    assert.equal(calls, 2);
    assert.equal(fs.existsSync(path.join(root, 'reserve')), false, 'the reserve was given back');
    calls = 0;
    assert.throws(
      () =>
        storeInternals(s).index.transaction(() => {
          calls++;
          throw full;
        }),
      expectError('STORE_FULL', /index\.db: no space left on device/),
    );
    assert.equal(calls, 1, 'a change that adds data is not retried');
  } finally {
    s.close();
  }
  assert.equal(fs.existsSync(path.join(root, 'reserve')), true, 'written again on close');
});
