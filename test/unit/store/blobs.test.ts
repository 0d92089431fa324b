import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Store, storeInternals } from '../../../src/store/index.js';
import { digestOf } from '../../../src/digest/index.js';
import { BerthError } from '../../../src/errors.js';
import { expectError } from '../../helpers/expect-error.js';

let dir: string;
let n = 0;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-blobs-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function freshStore(): Store {
  return Store.open({ root: path.join(dir, `s${++n}`) });
}
function chunked(b: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}
const DATA = Buffer.from('layer bytes '.repeat(5000));
const D = digestOf(DATA);

function assertNothingStored(s: Store) {
  assert.deepEqual(storeInternals(s).blobs.list(), []);
  assert.deepEqual(fs.readdirSync(storeInternals(s).blobs.tmpDir), [], 'temp file removed');
}

test('write: verified content becomes visible under its digest', async () => {
  const s = freshStore();
  try {
    const r = await s.writeBlob(chunked(DATA), { digest: D, size: DATA.length, what: 'blob' });
    assert.deepEqual(r, { digest: D, size: DATA.length, created: true });
    assert.deepEqual(fs.readFileSync(s.blobPath(D)), DATA);
    assert.equal(s.blobPath(D), path.join(s.root, 'blobs', 'sha256', D.slice(7)));
    assert.equal(s.hasBlob(D), true);
    assert.equal(s.blobSize(D), DATA.length);
    const again = await s.writeBlob(chunked(DATA), { digest: D, size: DATA.length, what: 'blob' });
    assert.equal(again.created, false);
    assert.deepEqual(fs.readdirSync(storeInternals(s).blobs.tmpDir), []);
    // digest computed when not known
    const other = Buffer.from('other');
    const r2 = await s.writeBlob(Readable.from([other]), { what: 'x' });
    assert.equal(r2.digest, digestOf(other));
  } finally {
    s.close();
  }
});

test('write: a wrong digest leaves nothing behind', async () => {
  const s = freshStore();
  try {
    const tampered = Buffer.from(DATA);
    tampered[10] ^= 0xff;
    await assert.rejects(
      s.writeBlob(chunked(tampered), { digest: D, size: DATA.length, what: 'layer 1/1 of x.tar' }),
      expectError('DIGEST_MISMATCH', /^layer 1\/1 of x\.tar: content digest/),
    );
    assertNothingStored(s);
    assert.equal(s.hasBlob(D), false);
  } finally {
    s.close();
  }
});

test('write: early EOF and trailing bytes leave nothing behind', async () => {
  const s = freshStore();
  try {
    // many times: a stream that fails before its temp file is even opened must not leave the file
    // behind once the file's open completes (a race that a loaded machine makes likely)
    for (let i = 0; i < 50; i++) {
      await assert.rejects(s.writeBlob(chunked(DATA.subarray(0, 1234)), { digest: D, size: DATA.length, what: 'b' }), {
        code: 'SIZE_MISMATCH',
      });
      assertNothingStored(s);
    }
    await assert.rejects(s.writeBlob(chunked(Buffer.concat([DATA, Buffer.from('!')])), { digest: D, size: DATA.length, what: 'b' }), {
      code: 'SIZE_MISMATCH',
    });
    assertNothingStored(s);
    await assert.rejects(s.writeBlob(chunked(DATA), { maxSize: 100, what: 'b' }), { code: 'TOO_LARGE' });
    assertNothingStored(s);
  } finally {
    s.close();
  }
});

test('write: a failing source leaves nothing behind and names the blob', async () => {
  const s = freshStore();
  try {
    const src = new Readable({ read() {} });
    src.push(DATA.subarray(0, 5000));
    setTimeout(() => src.destroy(new Error('connection reset')), 10);
    await assert.rejects(s.writeBlob(src, { digest: D, size: DATA.length, what: 'layer from net' }), (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.match(e.message, /layer from net.*connection reset/);
      return true;
    });
    assertNothingStored(s);
  } finally {
    s.close();
  }
});

test('putBytes verifies the expected digest', async () => {
  const s = freshStore();
  try {
    await assert.rejects(s.putBlob(Buffer.from('x'), D), { code: 'DIGEST_MISMATCH' });
    assertNothingStored(s);
    const r = await s.putBlob(Buffer.from('x'));
    assert.equal(r.digest, digestOf(Buffer.from('x')));
    assert.equal((await s.putBlob(Buffer.from('x'))).created, false);
  } finally {
    s.close();
  }
});

test('readBytes enforces its limit and reports missing blobs', async () => {
  const s = freshStore();
  try {
    await s.putBlob(DATA);
    assert.deepEqual(s.readBlob(D, DATA.length), DATA);
    assert.throws(() => s.readBlob(D, 10), { code: 'TOO_LARGE' });
    assert.throws(() => s.readBlob(digestOf('nope'), 10), { code: 'STORE_CORRUPT' });
  } finally {
    s.close();
  }
});

test('stale temp files are removed only for processes that are gone', async () => {
  const root = path.join(dir, 'stale');
  const s0 = Store.open({ root });
  s0.close();
  const deadPid = await new Promise<number>((resolve) => {
    const c = spawn(process.execPath, ['-e', '']);
    c.on('exit', () => resolve(c.pid!));
  });
  const live = spawn('sleep', ['30']);
  try {
    const tmp = path.join(root, 'tmp');
    const files = {
      dead: `${deadPid}-0123456789abcdef`,
      live: `${live.pid}-0123456789abcdef`,
      mine: `${process.pid}-0123456789abcdef`,
    };
    for (const f of Object.values(files)) fs.writeFileSync(path.join(tmp, f), 'partial');
    const s = Store.open({ root });
    try {
      assert.deepEqual(fs.readdirSync(tmp).sort(), [files.live, files.mine].sort());
    } finally {
      s.close();
    }
    // once the writer is gone, the next open removes its file too
    live.kill('SIGKILL');
    await new Promise((r) => live.once('exit', r));
    const s2 = Store.open({ root });
    try {
      assert.deepEqual(fs.readdirSync(tmp), [files.mine], 'our own temp files are never removed by ourselves');
      assert.equal(storeInternals(s2).blobs.cleanStaleTemp(), 0);
    } finally {
      s2.close();
    }
  } finally {
    live.kill('SIGKILL');
  }
});

test('the temp path carries our writer id, whose lock file we hold', () => {
  const s = freshStore();
  try {
    assert.match(path.basename(s.tempPath()), new RegExp(`^${s.owner()}-[a-f0-9]{16}$`));
    assert.match(s.owner(), /^[0-9a-f]{32}$/);
    assert.ok(fs.existsSync(path.join(s.root, 'locks', `${s.owner()}.db`)));
    assert.equal(path.dirname(s.tempPath()), storeInternals(s).blobs.tmpDir);
  } finally {
    s.close();
  }
});
