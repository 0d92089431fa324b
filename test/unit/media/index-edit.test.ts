import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MT, serializeIndex, type Descriptor, type ImageIndex } from '../../../src/media/index.js';
import { rewriteIndex, selectInstances } from '../../../src/media/index-edit.js';
import { isBerthError } from '../../../src/errors.js';
import type { Digest } from '../../../src/digest/digest.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest;
const entry = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: MT.OCIManifest,
  digest: d(n),
  size: 100 + n,
  platform: { architecture, os, ...(variant ? { variant } : {}) },
  annotations: { 'z.last': 'z', 'a.first': 'a' },
});
const index: ImageIndex = {
  schemaVersion: 2,
  mediaType: MT.OCIIndex,
  manifests: [
    entry(1, 'linux', 'amd64'),
    entry(2, 'linux', 'arm64', 'v8'),
    entry(3, 'linux', 'arm', 'v7'),
    entry(4, 'linux', 'arm64', 'v9'),
  ],
  annotations: { 'org.example': 'x' },
};

test('selectInstances: every entry, or those of the platforms asked for (os and architecture, variants ignored), in list order', () => {
  assert.equal(selectInstances(index, 'all').length, 4);
  const picked = selectInstances(index, [
    { os: 'linux', arch: 'arm64' },
    { os: 'linux', arch: 'amd64' },
  ]);
  assert.deepEqual(
    picked.map((m) => m.digest),
    [d(1), d(2), d(4)],
  );
});

test('selectInstances: a platform the list lacks, and an empty result, are refused with containers/image words', () => {
  assert.throws(
    () =>
      selectInstances(index, [
        { os: 'linux', arch: 'amd64' },
        { os: 'windows', arch: 'amd64' },
      ]),
    (e: unknown) => isBerthError(e) && e.code === 'NO_MATCHING_PLATFORM' && e.message === 'no instances found for platform windows/amd64',
  );
  assert.throws(
    () => selectInstances({ schemaVersion: 2, manifests: [] }, []),
    (e: unknown) => isBerthError(e) && /filtered out all platforms and would create an empty image/.test(e.message),
  );
});

test('rewriteIndex: kept entries point at what was written; a docker list drops OCI-only fields', () => {
  const kept = [index.manifests[0]!, index.manifests[2]!];
  const updates = [{ from: d(3), digest: d(7), size: 777, mediaType: MT.DockerManifest }];
  const oci = rewriteIndex(index, kept, updates, MT.OCIIndex);
  assert.deepEqual(
    oci.manifests.map((m) => [m.digest, m.size, m.mediaType]),
    [
      [d(1), 101, MT.OCIManifest],
      [d(7), 777, MT.DockerManifest],
    ],
  );
  assert.deepEqual(oci.annotations, { 'org.example': 'x' });
  const docker = rewriteIndex(index, kept, updates, MT.DockerManifestList);
  assert.equal(docker.annotations, undefined);
  assert.ok(docker.manifests.every((m) => m.annotations === undefined));
});

test('serializeIndex: descriptors in Go field order, platform fields in struct order, annotations sorted', () => {
  const ix: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: MT.OCIManifest,
        digest: d(1),
        size: 5,
        platform: { variant: 'v8', 'os.features': ['f'], os: 'linux', 'os.version': '1', architecture: 'arm64' },
        annotations: { b: '2', a: '1' },
      },
    ],
  };
  assert.equal(
    serializeIndex(ix, MT.OCIIndex).toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCIIndex}","manifests":[{"mediaType":"${MT.OCIManifest}","digest":"${d(1)}","size":5,` +
      `"annotations":{"a":"1","b":"2"},"platform":{"architecture":"arm64","os":"linux","os.version":"1","os.features":["f"],"variant":"v8"}}]}`,
  );
});
