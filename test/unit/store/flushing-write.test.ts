import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { flushingWriteStream } from '../../../src/store/flushing-write.js';

let dir: string;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-flush-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const MB = 1 << 20;
/** `n` bytes that differ from chunk to chunk, in network-sized pieces. */
function* pieces(n: number, size = 64 * 1024): Generator<Buffer> {
  for (let off = 0, i = 0; off < n; off += size, i++) {
    const b = Buffer.alloc(Math.min(size, n - off), i % 251);
    b.writeUInt32BE(off, 0);
    yield b;
  }
}
const sha = (b: Buffer | Iterable<Buffer>) => {
  const h = createHash('sha256');
  for (const c of Buffer.isBuffer(b) ? [b] : b) h.update(c);
  return h.digest('hex');
};
const openFds = () => fs.readdirSync('/proc/self/fd').length;

test('writes past several flush points land whole and in order; the file is closed at the end', async () => {
  const file = path.join(dir, 'a');
  const fdsBefore = openFds();
  const out = flushingWriteStream(file, { flags: 'wx', start: 0, highWaterMark: MB });
  await pipeline(Readable.from(pieces(40 * MB + 123)), out);
  assert.equal(out.bytesWritten, 40 * MB + 123);
  assert.equal(sha(fs.readFileSync(file)), sha(pieces(40 * MB + 123)));
  await new Promise<void>((r) => (out.closed ? r() : out.once('close', () => r())));
  assert.equal(openFds(), fdsBefore, 'no file descriptor left open');
});

test('from an offset (a resumed download): the first bytes stay, the rest is written after them', async () => {
  const file = path.join(dir, 'b');
  const head = Buffer.alloc(5 * MB, 7);
  fs.writeFileSync(file, head);
  const out = flushingWriteStream(file, { flags: 'r+', start: head.length, highWaterMark: MB });
  await pipeline(Readable.from(pieces(20 * MB)), out);
  const got = fs.readFileSync(file);
  assert.equal(got.length, head.length + 20 * MB);
  assert.ok(got.subarray(0, head.length).equals(head));
  assert.equal(sha(got.subarray(head.length)), sha(pieces(20 * MB)));
});

test('a failing source: the write fails, the file is closed, what was written stays for the caller', async () => {
  const file = path.join(dir, 'c');
  const fdsBefore = openFds();
  async function* failing() {
    yield* pieces(18 * MB);
    throw new Error('source broke');
  }
  const out = flushingWriteStream(file, { flags: 'wx', start: 0, highWaterMark: MB });
  await assert.rejects(pipeline(Readable.from(failing()), out), /source broke/);
  await new Promise<void>((r) => (out.closed ? r() : out.once('close', () => r())));
  assert.equal(openFds(), fdsBefore, 'no file descriptor left open');
  assert.ok(fs.statSync(file).size <= 18 * MB);
});

test('an existing file with flags wx is refused as by any file stream', async () => {
  const file = path.join(dir, 'd');
  fs.writeFileSync(file, 'x');
  const out = flushingWriteStream(file, { flags: 'wx', start: 0, highWaterMark: MB });
  await assert.rejects(pipeline(Readable.from(pieces(MB)), out), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(file, 'utf8'), 'x');
});
