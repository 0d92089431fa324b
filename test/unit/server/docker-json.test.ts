/** The Docker API service's bodies: size limit, malformed JSON, Docker's error JSON. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readJSON } from '../../../server/docker/json.js';
import { ApiError, errorMessage, errorStatus, sendError } from '../../../server/docker/errors.js';
import { BerthError } from '../../../src/errors.js';

async function withServer(limit: number, fn: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    readJSON(req, limit).then(
      (v) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ got: v ?? null }));
      },
      (e: unknown) => sendError(res, errorStatus(e), errorMessage(e)),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('readJSON: parsed body, empty body, malformed JSON (400), oversized body (413), declared or streamed', async () => {
  await withServer(64, async (url) => {
    const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', body, headers, ...(typeof body !== 'string' ? { duplex: 'half' } : {}) } as RequestInit);
    let r = await post('{"a":1}');
    assert.deepEqual(await r.json(), { got: { a: 1 } });
    r = await post('');
    assert.deepEqual(await r.json(), { got: null });
    r = await post('{"a":');
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { message: string }).message, /^invalid JSON: /);
    r = await post('x'.repeat(65));
    assert.equal(r.status, 413);
    assert.deepEqual(await r.json(), { message: 'request body too large: more than 64 bytes' });
    // the server keeps answering
    r = await post('[1]');
    assert.deepEqual(await r.json(), { got: [1] });
  });
});

test('errorStatus: Docker status codes for library errors', () => {
  assert.equal(errorStatus(new BerthError('IMAGE_NOT_FOUND', 'x')), 404);
  assert.equal(errorStatus(new BerthError('INVALID_REFERENCE', 'x')), 400);
  assert.equal(errorStatus(new BerthError('IMAGE_IN_USE', 'x')), 409);
  assert.equal(errorStatus(new BerthError('STORE_FULL', 'x')), 500);
  assert.equal(errorStatus(new ApiError(501, 'x')), 501);
  assert.equal(errorStatus(new Error('x')), 500);
});
