/** The one matcher for expected failures in tests. */
import assert from 'node:assert/strict';
import { isBerthError, type BerthError, type ErrorCode } from '../../src/errors.js';

/**
 * A matcher for assert.throws / assert.rejects: the error is a BerthError with this `code` and a
 * one-line message that matches `message` (a RegExp, or a string it must equal); `check` may assert
 * more about it (hint, subject, ...).
 */
export function expectError(code: ErrorCode, message?: RegExp | string, check?: (e: BerthError) => void): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(isBerthError(e), `expected a BerthError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), `one-line message: ${e.message}`);
    check?.(e);
    return true;
  };
}
