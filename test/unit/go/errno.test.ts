import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goErrnoText } from '../../../src/go/errno.js';

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a failure');
}

test("real system-call failures read in Go's words", () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-errno-'));
  try {
    assert.equal(goErrnoText(failure(() => readFileSync(join(dir, 'missing')))), 'no such file or directory');
    assert.equal(goErrnoText(failure(() => readFileSync(dir))), 'is a directory');
    writeFileSync(join(dir, 'f'), 'x');
    assert.equal(goErrnoText(failure(() => readFileSync(join(dir, 'f', 'below')))), 'not a directory');
    assert.equal(goErrnoText(failure(() => writeFileSync(join(dir, 'f'), 'y', { flag: 'wx' }))), 'file exists');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an error without a known code keeps its own message', () => {
  assert.equal(goErrnoText(Object.assign(new Error('odd failure'), { code: 'EWEIRD' })), 'odd failure');
  assert.equal(goErrnoText(new Error('plain')), 'plain');
  assert.equal(goErrnoText('text'), 'text');
});
