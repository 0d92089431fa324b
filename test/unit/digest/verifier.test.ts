import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestVerifier, HashSink, digestOf, type Digest } from '../../../src/digest/index.js';
import { expectError } from '../../helpers/expect-error.js';

const DATA = Buffer.from('The quick brown fox jumps over the lazy dog\n'.repeat(1000));
const D = digestOf(DATA);

function chunks(b: Buffer, size = 4096): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** Run data through a verifier into a collecting sink; resolves with what came out. */
async function verify(data: Buffer, expect: ConstructorParameters<typeof DigestVerifier>[0]): Promise<{ v: DigestVerifier; out: Buffer }> {
  const v = new DigestVerifier(expect);
  const got: Buffer[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      got.push(c as Buffer);
      cb();
    },
  });
  await pipeline(Readable.from(chunks(data)), v, sink);
  return { v, out: Buffer.concat(got) };
}

test('passes content through and reports digest and size when everything matches', async () => {
  const { v, out } = await verify(DATA, { digest: D, size: DATA.length, what: 'blob x' });
  assert.deepEqual(out, DATA);
  assert.equal(v.digest, D);
  assert.equal(v.bytes, DATA.length);
});

test('computes the digest when none is expected', async () => {
  const { v } = await verify(DATA, { what: 'blob x' });
  assert.equal(v.digest, D);
});

test('early EOF with a known size: SIZE_MISMATCH naming the input', async () => {
  await assert.rejects(
    verify(DATA.subarray(0, DATA.length - 1), { digest: D, size: DATA.length, what: 'layer 1/2 of docker-archive:x.tar' }),
    expectError('SIZE_MISMATCH', new RegExp(`^layer 1/2 of docker-archive:x\\.tar: got ${DATA.length - 1} bytes, expected ${DATA.length}`)),
  );
});

test('early EOF with only a digest: DIGEST_MISMATCH', async () => {
  await assert.rejects(
    verify(DATA.subarray(0, 100), { digest: D, what: 'blob y' }),
    expectError('DIGEST_MISMATCH', /^blob y: content digest sha256:[a-f0-9]{64} does not match expected/),
  );
});

test('trailing bytes fail as soon as the size is crossed, before the end', async () => {
  const v = new DigestVerifier({ digest: D, size: DATA.length, what: 'blob z' });
  let passed = 0;
  const sink = new Writable({
    write(c, _e, cb) {
      passed += (c as Buffer).length;
      cb();
    },
  });
  const big = Buffer.concat([DATA, Buffer.alloc(1 << 20, 1)]);
  await assert.rejects(pipeline(Readable.from(chunks(big)), v, sink), expectError('SIZE_MISMATCH', /more than the expected \d+ bytes/));
  assert.ok(passed <= DATA.length, 'nothing beyond the expected size reached the sink');
});

test('one trailing byte is caught', async () => {
  await assert.rejects(
    verify(Buffer.concat([DATA, Buffer.from('x')]), { digest: D, size: DATA.length, what: 'b' }),
    expectError('SIZE_MISMATCH', /more than the expected/),
  );
});

test('wrong digest with the right size: DIGEST_MISMATCH', async () => {
  const tampered = Buffer.from(DATA);
  tampered[500] ^= 1;
  await assert.rejects(
    verify(tampered, { digest: D, size: DATA.length, what: 'blob t' }),
    expectError('DIGEST_MISMATCH', new RegExp(`does not match expected ${D}`)),
  );
});

test('maxSize without a size: TOO_LARGE', async () => {
  await assert.rejects(
    verify(DATA, { maxSize: 1000, what: 'config' }),
    expectError('TOO_LARGE', /config: more than the expected 1000 bytes/),
  );
});

test('sha512 digests are verified with sha512', async () => {
  const d = digestOf(DATA, 'sha512');
  const { v } = await verify(DATA, { digest: d, size: DATA.length, what: 'b' });
  assert.equal(v.digest, d);
  await assert.rejects(verify(DATA.subarray(1), { digest: d, what: 'b' }), expectError('DIGEST_MISMATCH', /sha512:/));
});

test('reading the digest before the end is an internal error', () => {
  const v = new DigestVerifier({ what: 'early' });
  assert.throws(() => v.digest, expectError('INTERNAL', /before end of stream/));
});

test('empty content', async () => {
  const empty = digestOf(Buffer.alloc(0));
  const { v } = await verify(Buffer.alloc(0), { digest: empty, size: 0, what: 'empty' });
  assert.equal(v.digest, empty);
  await assert.rejects(
    verify(Buffer.alloc(0), { digest: D, size: DATA.length, what: 'empty' }),
    expectError('SIZE_MISMATCH', /got 0 bytes/),
  );
});

test('HashSink hashes what is written', async () => {
  const h = new HashSink();
  await pipeline(Readable.from(chunks(DATA)), h);
  assert.equal(h.digest, D as Digest);
  assert.equal(h.bytes, DATA.length);
});
