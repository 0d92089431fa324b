import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../../../src/errors.js';
import {
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetry,
  sleep,
} from '../../../../src/transports/docker/retry.js';

describe('retry policy', () => {
  test('statuses: 429 and 502-504 only', () => {
    for (const s of [429, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s));
    for (const s of [200, 201, 400, 401, 403, 404, 405, 416, 500, 501]) assert.equal(isRetryableStatus(s), false, String(s));
  });

  test('errors: resets, timeouts, refused; not our own errors nor random failures', () => {
    const err = (code: string) => Object.assign(new Error('x'), { code });
    for (const c of [
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ECONNREFUSED',
      'UND_ERR_SOCKET',
      'UND_ERR_BODY_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
    ]) {
      assert.equal(isRetryableError(err(c)), true, c);
    }
    assert.equal(isRetryableError(new Error('wrapped', { cause: err('ECONNRESET') })), true);
    assert.equal(isRetryableError(err('ENOENT')), false);
    assert.equal(isRetryableError(err('CERT_HAS_EXPIRED')), false);
    assert.equal(isRetryableError(new BerthError('DIGEST_MISMATCH', 'x')), false);
    assert.equal(isRetryableError(new BerthError('NETWORK', 'x', { cause: err('ECONNRESET') })), true);
    assert.equal(isRetryableError(undefined), false);
  });

  test('Retry-After: seconds, HTTP dates, garbage, the past', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('7', 100, now), 7000);
    assert.equal(parseRetryAfter(' 0 ', 100, now), 0);
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', 100, now), 30_000);
    assert.equal(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', 100, now), 100);
    assert.equal(parseRetryAfter('soon', 100, now), 100);
    assert.equal(parseRetryAfter('-5', 100, now), 100);
    assert.equal(parseRetryAfter(undefined, 100, now), 100);
  });

  test('podman waits the same delay every time; exponential backoff on request; cap; defaults', () => {
    assert.deepEqual(
      [0, 1, 2].map((a) => backoffDelay(a, resolveRetry({ delayMs: 100 }))),
      [100, 100, 100],
    );
    const r = resolveRetry({ delayMs: 100, maxDelayMs: 1000, max: 5, exponential: true });
    assert.deepEqual(
      [0, 1, 2, 3, 4, 50].map((a) => backoffDelay(a, r)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(backoffDelay(0, resolveRetry({ delayMs: 5000, maxDelayMs: 1000 })), 1000);
    assert.deepEqual(resolveRetry(), { max: 3, delayMs: 1000, exponential: false, maxDelayMs: 60_000 });
    assert.equal(resolveRetry({ max: -1 }).max, 0);
  });

  test('sleep honours abort', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    await sleep(0);
  });
});
