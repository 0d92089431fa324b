/**
 * printError: a failed system call on a file that reaches the CLI unwrapped is the machine's or
 * the user's doing, printed in Go's words on one line; anything else unknown is a bug, printed
 * with its stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printError } from '../../../cli/errors.js';

function captureStderr(fn: () => number): { code: number; text: string } {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: fn(), text: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}

test('fs errors with a path: "Error: SYSCALL PATH: Go words", exit 125, no stack', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-print-error-'));
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, '');
  try {
    const cases: [() => unknown, string][] = [
      [
        () => fs.writeFileSync(path.join(dir, 'no', 'file'), 'x'),
        `Error: open ${path.join(dir, 'no', 'file')}: no such file or directory\n`,
      ],
      [() => fs.readdirSync(file), `Error: scandir ${file}: not a directory\n`],
      [() => fs.mkdirSync(dir), `Error: mkdir ${dir}: file exists\n`],
    ];
    for (const [fn, line] of cases) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      assert.ok(err, 'the call failed');
      const r = captureStderr(() => printError(err));
      assert.equal(r.code, 125);
      assert.equal(r.text, line);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown error without a path is still reported as internal, with its stack', () => {
  const r = captureStderr(() => printError(new TypeError('x is not a function')));
  assert.equal(r.code, 125);
  assert.match(r.text, /^Error: internal error: x is not a function\nTypeError: x is not a function\n\s+at /);
});
