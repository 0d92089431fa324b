import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digestAlgorithm, digestHex, digestOf, isDigest, matchesDigest, parseDigest } from '../../../src/digest/index.js';
import { expectError } from '../../helpers/expect-error.js';

const HEX = 'a'.repeat(64);

test('parseDigest accepts sha256 and sha512 with lowercase hex', () => {
  assert.equal(parseDigest(`sha256:${HEX}`), `sha256:${HEX}`);
  assert.equal(parseDigest(`sha512:${'0123456789abcdef'.repeat(8)}`), `sha512:${'0123456789abcdef'.repeat(8)}`);
  assert.equal(digestAlgorithm(parseDigest(`sha256:${HEX}`)), 'sha256');
  assert.equal(digestHex(parseDigest(`sha256:${HEX}`)), HEX);
});

const BAD: [string, unknown, RegExp][] = [
  ['path traversal', 'sha256:../../etc/passwd', /expected "sha256:<64 lowercase hex>"/],
  ['63 hex', `sha256:${'a'.repeat(63)}`, /sha256 needs 64 lowercase hex characters/],
  ['65 hex', `sha256:${'a'.repeat(65)}`, /sha256 needs 64 lowercase hex characters/],
  ['uppercase hex', `sha256:${'A'.repeat(64)}`, /lowercase/],
  ['mixed-case hex', `sha256:${'aB'.repeat(32)}`, /lowercase/],
  ['md5', `md5:${'a'.repeat(32)}`, /unsupported algorithm "md5"/],
  ['unknown algorithm with 64 hex', `invaliddigest:${HEX}`, /unsupported algorithm/],
  ['no colon', HEX, /expected "sha256:/],
  ['empty', '', /expected "sha256:/],
  ['only algorithm', 'sha256:', /expected "sha256:/],
  ['slash in hex', `sha256:${'a'.repeat(31)}/${'a'.repeat(32)}`, /expected "sha256:/],
  ['non-hex letters', `sha256:${'g'.repeat(64)}`, /lowercase hex/],
  ['trailing newline', `sha256:${HEX}\n`, /expected "sha256:/],
  ['leading space', ` sha256:${HEX}`, /expected "sha256:/],
  ['not a string', 42, /not a string/],
  ['null', null, /not a string/],
];

for (const [name, input, re] of BAD) {
  test(`parseDigest rejects ${name}`, () => {
    assert.throws(() => parseDigest(input), expectError('INVALID_DIGEST', re));
    assert.equal(isDigest(input), false);
  });
}

test('parseDigest names what it was parsing and truncates huge inputs', () => {
  assert.throws(
    () => parseDigest('x'.repeat(10000), 'layer digest'),
    (e: Error) => /^invalid layer digest "x{77}\.\.\."/.test(e.message) && e.message.length < 200,
  );
});

test('digestOf and matchesDigest', () => {
  const data = Buffer.from('hello\n');
  const d = digestOf(data);
  assert.equal(d, `sha256:${createHash('sha256').update(data).digest('hex')}`);
  assert.equal(d, 'sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
  assert.equal(matchesDigest(data, d), true);
  assert.equal(matchesDigest(Buffer.from('hello'), d), false);
  assert.equal(digestOf('', 'sha256'), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const d512 = digestOf(data, 'sha512');
  assert.ok(d512.startsWith('sha512:'));
  assert.equal(parseDigest(d512), d512);
  assert.equal(matchesDigest(data, d512), true);
});
