/**
 * The temp file of an OutputFile is closed exactly once, whichever way the write ends: its
 * stream owns the descriptor (destroying the stream closes it, also with autoClose off), and a
 * second close could hit a file another open was just given the same number, or fail on the
 * stream with an uncaught EBADF.
 */
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// every fs.close of the process, counted by descriptor (before the module under test is loaded,
// so that its imported bindings see the counting function too)
const closes = new Map<number, number>();
const realClose = fs.close;
fs.close = ((fd: number, cb?: (err: NodeJS.ErrnoException | null) => void) => {
  closes.set(fd, (closes.get(fd) ?? 0) + 1);
  return realClose(fd, cb);
}) as typeof fs.close;
syncBuiltinESMExports();
const { openOutputFile, writeOutputFile } = await import('../../../src/util/output-file.js');

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-output-file-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

beforeEach(() => closes.clear());

/** The descriptor a file stream writes to. */
const fdOf = (s: unknown) => (s as { fd: number }).fd;

/** Let the thread pool finish the closes in flight. */
const settle = () => new Promise((r) => setTimeout(r, 50));

test('discard before anything was written closes the temp file once and leaves nothing', async (t) => {
  const dir = tempDir(t);
  for (let i = 0; i < 20; i++) {
    const out = await openOutputFile(join(dir, 'out.tar'), 'cannot write');
    const fd = fdOf(out.stream);
    const errors: unknown[] = [];
    out.stream.on('error', (e) => errors.push(e));
    await out.discard();
    await settle();
    assert.equal(closes.get(fd), 1, `descriptor ${fd} closed ${closes.get(fd)} times`);
    assert.deepEqual(errors, []);
    closes.clear();
  }
  assert.deepEqual(readdirSync(dir), []);
});

test('discard in the middle of a write closes the temp file once, after the write', async (t) => {
  const dir = tempDir(t);
  const out = await openOutputFile(join(dir, 'out.tar'), 'cannot write');
  const fd = fdOf(out.stream);
  out.stream.on('error', () => {});
  out.stream.write(Buffer.alloc(4 << 20));
  await out.discard();
  await settle();
  assert.equal(closes.get(fd), 1);
  assert.deepEqual(readdirSync(dir), []);
});

test('commit closes the temp file once; a later discard does nothing', async (t) => {
  const dir = tempDir(t);
  const out = await openOutputFile(join(dir, 'out.tar'), 'cannot write');
  const fd = fdOf(out.stream);
  await new Promise<void>((res) => out.stream.end('content', () => res()));
  await out.commit();
  await out.discard();
  await settle();
  assert.equal(closes.get(fd), 1);
  assert.equal(readFileSync(join(dir, 'out.tar'), 'utf8'), 'content');
  assert.deepEqual(readdirSync(dir), ['out.tar']);
});

test('a commit whose rename fails closes the temp file once and leaves the target as it was', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'out.tar');
  const out = await openOutputFile(target, 'cannot write');
  const fd = fdOf(out.stream);
  await new Promise<void>((res) => out.stream.end('content', () => res()));
  mkdirSync(target); // the rename over a directory fails
  await assert.rejects(out.commit(), /cannot write/);
  await settle();
  assert.equal(closes.get(fd), 1);
  assert.deepEqual(readdirSync(dir), ['out.tar']);
  assert.deepEqual(readdirSync(target), []);
});

test('writeOutputFile closes its temp file once', async (t) => {
  const dir = tempDir(t);
  await writeOutputFile(join(dir, 'digest'), 'sha256:x\n', 'cannot write');
  await settle();
  assert.deepEqual([...closes.values()], [1]);
  assert.equal(readFileSync(join(dir, 'digest'), 'utf8'), 'sha256:x\n');
});
