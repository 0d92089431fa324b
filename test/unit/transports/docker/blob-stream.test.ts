import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { isBerthError } from '../../../../src/errors.js';
import { parseContentRange, resolveResume, resumingStream, type OpenedBlob } from '../../../../src/transports/docker/blob-stream.js';
import { linkNext } from '../../../../src/transports/docker/client.js';
import { expectError } from '../../../helpers/expect-error.js';

/** A body that delivers `data` and then fails with `code` (or ends cleanly). */
function body(data: Buffer, failCode?: string): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
      if (failCode) throw Object.assign(new Error('socket died'), { code: failCode });
    })(),
    { objectMode: false },
  );
}

async function readAll(s: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) out.push(c);
  return Buffer.concat(out);
}

const blob = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i % 251));
const fast = resolveResume({ minProgressBytes: 1000, delayMs: 0, maxResumes: 3 });

describe('Content-Range', () => {
  test('strict parsing', () => {
    assert.deepEqual(parseContentRange('bytes 10-19/20'), { first: 10, last: 19, total: 20 });
    assert.deepEqual(parseContentRange('bytes 10-19/*'), { first: 10, last: 19, total: undefined });
    for (const bad of [
      undefined,
      '',
      'bytes 10-19',
      'bytes 19-10/20',
      'bytes 10-20/20',
      'items 0-1/2',
      'bytes 0-1/2 junk',
      'bytes -1-2/3',
      'bytes=0-1/2',
    ]) {
      assert.equal(parseContentRange(bad), undefined, String(bad));
    }
    assert.equal(parseContentRange(['bytes 0-1/2', 'bytes 0-1/2']), undefined, 'ambiguous');
  });
});

describe('resuming blob stream', () => {
  test('resumes at the right offset after a reset, as many times as allowed', async () => {
    const asked: number[] = [];
    const first: OpenedBlob = { body: body(blob.subarray(0, 5000), 'ECONNRESET'), skip: 0, offset: 0, total: blob.length };
    const s = resumingStream(
      first,
      async (off) => {
        asked.push(off);
        const end = Math.min(blob.length, off + 6000);
        return {
          body: body(blob.subarray(off, end), end < blob.length ? 'UND_ERR_SOCKET' : undefined),
          skip: 0,
          offset: off,
          total: blob.length,
        };
      },
      { what: 'blob x', resume: fast },
    );
    assert.deepEqual(await readAll(s), blob);
    assert.deepEqual(asked, [5000, 11000, 17000]);
  });

  test('a restart from 0 (Range ignored) skips what was already delivered', async () => {
    const first: OpenedBlob = { body: body(blob.subarray(0, 7000), 'ECONNRESET'), skip: 0, offset: 0 };
    const s = resumingStream(first, async (off) => ({ body: body(blob), skip: off, offset: off }), { what: 'blob x', resume: fast });
    assert.deepEqual(await readAll(s), blob);
  });

  test('no resume without enough progress, for non-transient errors, or past maxResumes', async () => {
    let reopened = 0;
    const reopen = async (off: number): Promise<OpenedBlob> => {
      reopened++;
      return { body: body(blob.subarray(off, off + 1500), 'ECONNRESET'), skip: 0, offset: off };
    };
    const tiny = resumingStream({ body: body(blob.subarray(0, 500), 'ECONNRESET'), skip: 0, offset: 0 }, reopen, {
      what: 'blob x',
      resume: fast,
      size: blob.length,
    });
    await assert.rejects(readAll(tiny), expectError('NETWORK', /connection lost at byte 500 of 20000/));
    assert.equal(reopened, 0);

    const other = resumingStream({ body: body(blob.subarray(0, 5000), 'EACCES'), skip: 0, offset: 0 }, reopen, {
      what: 'blob x',
      resume: fast,
    });
    await assert.rejects(readAll(other), expectError('NETWORK'));
    assert.equal(reopened, 0);

    const many = resumingStream({ body: body(blob.subarray(0, 1500), 'ECONNRESET'), skip: 0, offset: 0 }, reopen, {
      what: 'blob x',
      resume: fast,
    });
    await assert.rejects(readAll(many), expectError('NETWORK'));
    assert.equal(reopened, 3);
  });

  test('a failing reconnection reports both problems', async () => {
    const s = resumingStream(
      { body: body(blob.subarray(0, 5000), 'ECONNRESET'), skip: 0, offset: 0 },
      async () => {
        throw new Error('Content-Range mismatch');
      },
      { what: 'blob x', resume: fast },
    );
    await assert.rejects(
      readAll(s),
      (e) => isBerthError(e, 'NETWORK') && /socket died/.test(e.message) && /Content-Range mismatch/.test(e.message),
    );
  });

  test('destroying the stream destroys the current body', async () => {
    const src = body(blob);
    const s = resumingStream(
      { body: src, skip: 0, offset: 0 },
      async () => {
        throw new Error('no');
      },
      { what: 'b', resume: fast },
    );
    for await (const _ of s as AsyncIterable<Buffer>) break;
    await new Promise((r) => setImmediate(r));
    assert.equal(src.destroyed, true);
  });

  test('low-speed limit turns a trickle into a stall error', async () => {
    const trickle = Readable.from(
      (async function* () {
        for (let i = 0; i < 100; i++) {
          await new Promise((r) => setTimeout(r, 10));
          yield Buffer.alloc(1);
        }
      })(),
      { objectMode: false },
    );
    const s = resumingStream(
      { body: trickle, skip: 0, offset: 0 },
      async () => {
        throw new Error('no');
      },
      { what: 'blob slow', resume: fast, lowSpeed: { bytesPerSecond: 1000, windowMs: 100 } },
    );
    await assert.rejects(readAll(s), expectError('NETWORK', /stalled/));
  });
});

describe('Link pagination header', () => {
  test('finds rel="next" among several links and parameters', () => {
    assert.equal(linkNext('</v2/a/tags/list?n=2&last=b>; rel="next"'), '/v2/a/tags/list?n=2&last=b');
    assert.equal(linkNext('<https://x/prev>; rel="prev", <https://x/next?a,b>; title="x"; rel="next"'), 'https://x/next?a,b');
    assert.equal(linkNext('<https://x/n>; rel="prefetch next"'), 'https://x/n');
    assert.equal(linkNext(['<https://x/p>; rel=prev', '<https://x/n>; rel=next']), 'https://x/n');
    assert.equal(linkNext('<https://x/p>; rel="prev"'), undefined);
    assert.equal(linkNext('<https://x/p>; rel="nextish"'), undefined);
    assert.equal(linkNext(undefined), undefined);
  });
});
