import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MT, parseImageConfig, parseManifestDocument, serializeManifest, validateDescriptor } from '../../../src/media/index.js';
import type { ErrorCode } from '../../../src/errors.js';
import { expectError } from '../../helpers/expect-error.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const desc = (mediaType: string, digest = D1, size = 10) => ({ mediaType, digest, size });
const ociManifest = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MT.OCIManifest,
  config: desc(MT.OCIConfig),
  layers: [desc(MT.OCILayerGzip, D2, 20)],
  ...extra,
});
const ociIndex = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MT.OCIIndex,
  manifests: [{ ...desc(MT.OCIManifest), platform: { architecture: 'amd64', os: 'linux' } }],
  ...extra,
});
const b = (o: unknown) => Buffer.from(JSON.stringify(o));

function invalid(fn: () => unknown, re: RegExp, code: ErrorCode = 'INVALID_MANIFEST') {
  assert.throws(fn, expectError(code, re));
}

test('valid OCI manifest and index', () => {
  const m = parseManifestDocument(b(ociManifest()), MT.OCIManifest, 'm');
  assert.equal(m.kind, 'manifest');
  assert.equal(m.mediaType, MT.OCIManifest);
  const i = parseManifestDocument(b(ociIndex()), MT.OCIIndex, 'i');
  assert.equal(i.kind, 'index');
  if (i.kind === 'index') assert.equal(i.index.manifests[0]!.platform!.architecture, 'amd64');
});

test('CVE-2021-41190: a manifest carrying "manifests" is ambiguous', () => {
  invalid(
    () => parseManifestDocument(b(ociManifest({ manifests: [] })), MT.OCIManifest, 'm'),
    /ambiguous document: .*must not contain "manifests"/,
  );
  invalid(() => parseManifestDocument(b(ociManifest({ manifests: [] })), undefined, 'm'), /ambiguous/);
});

test('an index carrying "layers" or "config" is ambiguous', () => {
  invalid(
    () => parseManifestDocument(b(ociIndex({ layers: [] })), MT.OCIIndex, 'i'),
    /ambiguous document: .*must not contain "layers" or "config"/,
  );
  invalid(() => parseManifestDocument(b(ociIndex({ config: desc(MT.OCIConfig) })), MT.OCIIndex, 'i'), /ambiguous/);
});

test('without mediaType, a document with "manifests" and "layers" is still rejected', () => {
  const { mediaType: _omit, ...noMT } = ociIndex({ layers: [] });
  void _omit;
  invalid(() => parseManifestDocument(b(noMT), undefined, 'x'), /ambiguous/);
});

test('mediaType field different from the declared type', () => {
  invalid(() => parseManifestDocument(b(ociManifest()), MT.OCIIndex, 'm'), /mediaType .* does not match the declared type/);
  invalid(() => parseManifestDocument(b(ociManifest()), MT.DockerManifest, 'm'), /does not match the declared type/);
  // generic declared types carry no information
  assert.equal(parseManifestDocument(b(ociManifest()), 'application/json', 'm').kind, 'manifest');
  assert.equal(parseManifestDocument(b(ociManifest()), 'text/plain', 'm').kind, 'manifest');
});

test('declared type used when the document has no mediaType; docker schema2 needs the field', () => {
  const { mediaType: _m, ...noMT } = ociManifest();
  void _m;
  assert.equal(parseManifestDocument(b(noMT), MT.OCIManifest, 'm').mediaType, MT.OCIManifest);
  invalid(() => parseManifestDocument(b({ ...noMT, config: desc(MT.DockerConfig) }), MT.DockerManifest, 'm'), /lacks its mediaType field/);
});

test('bad digests in descriptors are rejected before use', () => {
  for (const digest of [
    'sha256:../../etc/passwd',
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'A'.repeat(64)}`,
    `md5:${'a'.repeat(32)}`,
    'a'.repeat(64),
  ]) {
    invalid(
      () => parseManifestDocument(b(ociManifest({ layers: [desc(MT.OCILayer, digest)] })), MT.OCIManifest, 'm'),
      /invalid m layers\[0\] digest/,
      'INVALID_DIGEST',
    );
  }
});

test('bad sizes', () => {
  invalid(() => parseManifestDocument(b(ociManifest({ layers: [desc(MT.OCILayer, D2, -1)] })), MT.OCIManifest, 'm'), /invalid size/);
  invalid(() => parseManifestDocument(b(ociManifest({ layers: [desc(MT.OCILayer, D2, 1.5)] })), MT.OCIManifest, 'm'), /invalid size/);
  invalid(
    () => parseManifestDocument(b(ociManifest({ layers: [{ mediaType: MT.OCILayer, digest: D2, size: '10' }] })), MT.OCIManifest, 'm'),
    /invalid size/,
  );
});

test('"Layers" is not "layers"', () => {
  const { layers, ...rest } = ociManifest();
  invalid(() => parseManifestDocument(b({ ...rest, Layers: layers }), MT.OCIManifest, 'm'), /no "layers" array/);
});

test('duplicate "layers" key', () => {
  const text = `{"schemaVersion":2,"mediaType":"${MT.OCIManifest}","config":${JSON.stringify(desc(MT.OCIConfig))},"layers":[],"layers":[${JSON.stringify(desc(MT.OCILayer, D2))}]}`;
  invalid(() => parseManifestDocument(Buffer.from(text), MT.OCIManifest, 'm'), /duplicate key "layers"/);
});

test('foreign urls must be http(s)', () => {
  invalid(() => validateDescriptor({ ...desc(MT.OCILayer), urls: ['file:///etc/passwd'] }, 'd'), /only http\/https/);
  invalid(() => validateDescriptor({ ...desc(MT.OCILayer), urls: ['ftp://x/y'] }, 'd'), /only http\/https/);
  assert.deepEqual(validateDescriptor({ ...desc(MT.OCILayer), urls: ['https://example.com/x'] }, 'd').urls, ['https://example.com/x']);
});

test('size cap: a manifest of 4 MiB + 1 is TOO_LARGE', () => {
  const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
  invalid(() => parseManifestDocument(big, MT.OCIManifest, 'm'), /over the 4194304-byte limit/, 'TOO_LARGE');
});

test('schema version handling', () => {
  assert.equal(parseManifestDocument(b({ schemaVersion: 1, name: 'x', fsLayers: [] }), undefined, 'm').kind, 'schema1');
  invalid(() => parseManifestDocument(b({ ...ociManifest(), schemaVersion: 3 }), MT.OCIManifest, 'm'), /unsupported schemaVersion 3/);
  invalid(() => parseManifestDocument(b([1, 2]), MT.OCIManifest, 'm'), /not a JSON object/);
  invalid(() => parseManifestDocument(Buffer.from('null'), MT.OCIManifest, 'm'), /not a JSON object/);
});

test('unknown manifest media types are UNSUPPORTED', () => {
  invalid(
    () => parseManifestDocument(b({ ...ociManifest(), mediaType: 'application/x-foo' }), undefined, 'm'),
    /unsupported manifest media type/,
    'UNSUPPORTED',
  );
});

test('serializeManifest round-trips through parseManifestDocument', () => {
  for (const mt of [MT.OCIManifest, MT.DockerManifest]) {
    const m = {
      schemaVersion: 2 as const,
      config: desc(mt === MT.OCIManifest ? MT.OCIConfig : MT.DockerConfig) as never,
      layers: [desc(MT.OCILayerGzip, D2, 20) as never],
    };
    const bytes = serializeManifest(m, mt);
    const p = parseManifestDocument(bytes, mt, 'm');
    assert.equal(p.kind, 'manifest');
    if (p.kind === 'manifest') assert.deepEqual(p.manifest.layers, m.layers);
  }
  // docker descriptors: mediaType, size, digest order (as containers/image writes them)
  const s = serializeManifest({ schemaVersion: 2, config: desc(MT.DockerConfig) as never, layers: [] }, MT.DockerManifest).toString();
  assert.ok(s.indexOf('"size"') < s.indexOf('"digest"'));
});

test('image config validation', () => {
  const ok = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D1] } };
  assert.deepEqual(parseImageConfig(b(ok), 'c').rootfs.diff_ids, [D1]);
  invalid(
    () => parseImageConfig(b({ ...ok, rootfs: { type: 'layers', diff_ids: ['sha256:../../x'] } }), 'c'),
    /invalid c diff_ids\[0\]/,
    'INVALID_DIGEST',
  );
  invalid(() => parseImageConfig(b({ ...ok, rootfs: { type: 'other', diff_ids: [] } }), 'c'), /rootfs must be/);
  invalid(() => parseImageConfig(b({ ...ok, rootfs: undefined }), 'c'), /rootfs must be/);
  invalid(() => parseImageConfig(b({ ...ok, architecture: 5 }), 'c'), /architecture is not a string/);
  invalid(() => parseImageConfig(b({ ...ok, history: {} }), 'c'), /history is not an array/);
  invalid(() => parseImageConfig(Buffer.from('null'), 'c'), /not a JSON object/);
  const big = Buffer.from(JSON.stringify({ ...ok, pad: 'x'.repeat(4 * 1024 * 1024) }));
  invalid(() => parseImageConfig(big, 'c'), /over the 4194304-byte limit/, 'TOO_LARGE');
});
