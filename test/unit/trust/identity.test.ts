/**
 * signedIdentity table tests: which docker reference a signature may claim for an image, per
 * PolicyReferenceMatch type (containers-policy.json(5) semantics, as containers/image applies them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesSignedIdentity } from '../../../src/trust/identity.js';
import { parseNormalizedReference } from '../../../src/reference/reference.js';
import type { PolicyReferenceMatch } from '../../../src/config/policy.js';

const D1 = '@sha256:' + '1'.repeat(64);
const D2 = '@sha256:' + '2'.repeat(64);
const QUAY = 'quay.io/team/app:2.1';

/** [image reference, signed reference, matches] */
type Row = [string, string, boolean];

function check(match: PolicyReferenceMatch, rows: Row[], symmetric = false): void {
  for (const [image, signed, want] of rows) {
    const intended = parseNormalizedReference(image);
    assert.equal(matchesSignedIdentity(match, intended, signed), want, `${match.type}: image ${image} vs signed ${signed}`);
    if (symmetric) {
      let other;
      try {
        other = parseNormalizedReference(signed);
      } catch {
        continue;
      }
      assert.equal(matchesSignedIdentity(match, other, image), want, `${match.type}: image ${signed} vs signed ${image}`);
    }
  }
}

test('matchExact: the same tag (and digest), after normalization; name-only never', () => {
  check(
    { type: 'matchExact' },
    [
      ['alpine:3', 'alpine:3', true],
      ['alpine:3', 'docker.io/library/alpine:3', true],
      ['library/alpine:3', 'index.docker.io/library/alpine:3', true],
      [QUAY, QUAY, true],
      ['alpine' + D1, 'alpine' + D1, true],
      ['alpine:3' + D1, 'alpine:3' + D1, true],
      ['alpine:3', 'alpine:4', false],
      ['alpine:3', 'other:3', false],
      ['alpine:3', 'quay.io/library/alpine:3', false],
      ['alpine:3', 'alpine' + D1, false],
      ['alpine' + D1, 'alpine' + D2, false],
      ['alpine:3' + D1, 'alpine:3', false],
      ['alpine:3' + D1, 'alpine:3' + D2, false],
      ['alpine', 'alpine', false],
      ['alpine', 'alpine:latest', false],
      ['alpine:3', 'NOT_VALID:3', false],
      ['alpine:3', '', false],
    ],
    true,
  );
  assert.equal(matchesSignedIdentity({ type: 'matchExact' }, undefined, 'alpine:3'), false, 'an image without a docker reference');
});

test('matchRepository: the repository only', () => {
  check(
    { type: 'matchRepository' },
    [
      ['alpine:3', 'alpine:4', true],
      ['alpine:3', 'alpine' + D1, true],
      ['alpine' + D1, 'alpine' + D2, true],
      ['alpine', 'alpine:3', true],
      ['docker.io/library/alpine:3', 'alpine', true],
      ['quay.io/team/app:1', 'quay.io/team/app:2', true],
      ['alpine:3', 'quay.io/library/alpine:3', false],
      ['quay.io/team/app:1', 'quay.io/team/app2:1', false],
      ['alpine:3', 'NOT_VALID', false],
    ],
    true,
  );
  assert.equal(matchesSignedIdentity({ type: 'matchRepository' }, undefined, ''), false);
});

test('matchRepoDigestOrExact (the default): tags exactly, digest references by repository', () => {
  check({ type: 'matchRepoDigestOrExact' }, [
    ['alpine:3', 'alpine:3', true],
    ['alpine:3', 'alpine:4', false],
    ['alpine:3', 'alpine' + D1, false],
    ['alpine:3', 'alpine', false],
    ['alpine' + D1, 'alpine:3', true],
    ['alpine' + D1, 'alpine' + D2, true], // the digest itself is checked against the manifest
    ['alpine' + D1, 'other:3', false],
    ['alpine' + D1, 'alpine', false],
    ['alpine', 'alpine:latest', false],
    ['alpine', 'alpine', false],
    ['alpine:3' + D1, 'alpine:3' + D1, true],
    ['alpine:3' + D1, 'alpine:3', false],
    ['alpine:3', 'alpine:3' + D1, false],
    ['alpine:3' + D1, 'alpine:3' + D2, false],
  ]);
  assert.equal(matchesSignedIdentity({ type: 'matchRepoDigestOrExact' }, undefined, 'alpine:3'), false);
});

test('exactReference / exactRepository: the image reference does not matter', () => {
  const anyImage = parseNormalizedReference('unrelated.example/x:1');
  const ref = (dockerReference: string): PolicyReferenceMatch => ({ type: 'exactReference', dockerReference });
  const repo = (dockerRepository: string): PolicyReferenceMatch => ({ type: 'exactRepository', dockerRepository });
  for (const [m, signed, want] of [
    [ref('alpine:3'), 'docker.io/library/alpine:3', true],
    [ref('alpine:3'), 'alpine:4', false],
    [ref('alpine' + D1), 'alpine' + D1, true],
    [ref('alpine' + D1), 'alpine:3', false],
    [ref('alpine'), 'alpine', false], // name-only never matches exactly
    [repo('alpine'), 'alpine:4', true],
    [repo('alpine'), 'alpine' + D2, true],
    [repo('quay.io/team/app'), 'quay.io/team/app:9', true],
    [repo('quay.io/team/app'), 'quay.io/team/other:9', false],
    [repo('NOT_VALID'), 'alpine:4', false],
  ] as [PolicyReferenceMatch, string, boolean][]) {
    assert.equal(matchesSignedIdentity(m, anyImage, signed), want, `${JSON.stringify(m)} vs ${signed}`);
    assert.equal(matchesSignedIdentity(m, undefined, signed), want, `${JSON.stringify(m)} vs ${signed} (no image reference)`);
  }
});

test('remapIdentity: the prefix (whole components) is replaced, then matchRepoDigestOrExact', () => {
  const remap = (prefix: string, signedPrefix: string): PolicyReferenceMatch => ({ type: 'remapIdentity', prefix, signedPrefix });
  for (const [m, image, signed, want] of [
    [remap('mirror.example', 'vendor.example'), 'mirror.example/ns/app:1', 'vendor.example/ns/app:1', true],
    [remap('mirror.example', 'vendor.example'), 'mirror.example/ns/app:1', 'mirror.example/ns/app:1', false],
    [remap('mirror.example', 'vendor.example'), 'mirror.example/ns/app:1', 'vendor.example/ns/app:2', false],
    [remap('mirror.example', 'vendor.example'), 'other.example/ns/app:1', 'other.example/ns/app:1', true], // no match: no rewrite
    [remap('mirror.example', 'vendor.example'), 'prefixmirror.example/ns/app:1', 'vendor.example/ns/app:1', false],
    [remap('mirror.example:5000', 'vendor.example'), 'mirror.example:50000/app:1', 'vendor.example/app:1', false],
    [remap('mirror.example/ns', 'vendor.example/vendor-ns'), 'mirror.example/ns/app:1', 'vendor.example/vendor-ns/app:1', true],
    [remap('mirror.example/ns', 'vendor.example/vendor-ns'), 'mirror.example/ns2/app:1', 'vendor.example/vendor-ns/app:1', false],
    [remap('mirror.example', 'docker.io/library'), 'mirror.example/busybox:1', 'busybox:1', true],
    [remap('docker.io/library', 'original.example'), 'copied:1', 'original.example/copied:1', true],
    [remap('docker.io', 'signed.example/ns'), 'busybox:1', 'signed.example/ns/library/busybox:1', true],
    [remap('mirror.example', 'vendor.example'), 'mirror.example/app' + D1, 'vendor.example/app:7', true],
    // a rewrite that is not a canonical reference matches nothing
    [remap('mirror.example/ns/app', 'vendor.example:5000'), 'mirror.example/ns/app:1', 'vendor.example:5000:1', false],
    [remap('mirror.example/ns/app', 'plainname'), 'mirror.example/ns/app:1', 'plainname:1', false],
    [remap('docker.io/library/busybox', 'busybox'), 'busybox:latest', 'busybox:latest', false],
  ] as [PolicyReferenceMatch, string, string, boolean][]) {
    assert.equal(matchesSignedIdentity(m, parseNormalizedReference(image), signed), want, `${JSON.stringify(m)}: ${image} vs ${signed}`);
  }
  assert.equal(matchesSignedIdentity(remap('docker.io', 'docker.io'), undefined, ''), false);
});
