/**
 * libimage's RepoDigests: every name's repository with every digest of the image, each pair
 * once, sorted; names that do not parse have none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoDigests } from '../../../src/images/list.js';
import type { Digest } from '../../../src/digest/digest.js';

const A = `sha256:${'a'.repeat(64)}` as Digest;
const B = `sha256:${'b'.repeat(64)}` as Digest;

test('each repository once with each digest once, sorted', () => {
  const names = ['quay.io/x/app:2', 'localhost/app:1', 'quay.io/x/app:1', `quay.io/x/app@${A}`, 'Not/Valid:1', 'localhost:5000/app:v1'];
  assert.deepEqual(repoDigests(names, { digests: [B, A], digest: A }), [
    `localhost/app@${A}`,
    `localhost/app@${B}`,
    `localhost:5000/app@${A}`,
    `localhost:5000/app@${B}`,
    `quay.io/x/app@${A}`,
    `quay.io/x/app@${B}`,
  ]);
});

test('no names, or no digest: none', () => {
  assert.deepEqual(repoDigests([], { digests: [A], digest: A }), []);
  assert.deepEqual(repoDigests(['localhost/app:1'], { digests: [], digest: '' as Digest }), []);
});
