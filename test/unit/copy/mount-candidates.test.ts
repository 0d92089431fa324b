import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountPlanner } from '../../../src/copy/mount-candidates.js';
import type { BlobInfoCache } from '../../../src/copy/blob-info-cache.js';
import type { Digest } from '../../../src/digest/digest.js';
import { parseImageName } from '../../../src/transports/registry.js';

const D = `sha256:${'a'.repeat(64)}` as Digest;
const cacheOf = (locations: string[]): BlobInfoCache => ({
  compressedForms: () => [],
  locations: (d) => (d === D ? locations : []),
  remember: () => {},
});

test('the source repository of the same registry comes first, then the known locations', () => {
  const plan = mountPlanner(
    parseImageName('docker://reg.example:5000/a/src:1'),
    parseImageName('docker://reg.example:5000/b/dst:1'),
    cacheOf(['reg.example:5000/c/known', 'reg.example:5000/a/src']),
  )!;
  assert.deepEqual(plan(D), { mountFrom: ['reg.example:5000/a/src', 'reg.example:5000/c/known'] });
  assert.deepEqual(plan(`sha256:${'b'.repeat(64)}` as Digest), { mountFrom: ['reg.example:5000/a/src'] });
});

test('never a repository of another registry, nor the destination itself', () => {
  const plan = mountPlanner(
    parseImageName('docker://other.example/a/src:1'),
    parseImageName('docker://reg.example:5000/b/dst:1'),
    cacheOf(['other.example/c/known', 'reg.example:5000/b/dst', 'reg.example:50001/b/x', 'reg.example:5000/d/e']),
  )!;
  assert.deepEqual(plan(D), { mountFrom: ['reg.example:5000/d/e'] });
});

test('at most four candidates per blob', () => {
  const many = Array.from({ length: 9 }, (_, i) => `reg.example/r/${i}`);
  const plan = mountPlanner(parseImageName('docker://reg.example/src:1'), parseImageName('docker://reg.example/dst:1'), cacheOf(many))!;
  assert.deepEqual(plan(D).mountFrom, ['reg.example/src', ...many.slice(0, 3)]);
});

test('no plan for a destination that is not a registry', () => {
  assert.equal(mountPlanner(parseImageName('docker://reg.example/src:1'), parseImageName('oci:/tmp/x:1')), undefined);
});
