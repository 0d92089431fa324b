import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLayer, type CompressionRequest, type LayerAction } from '../../../src/copy/compression-plan.js';
import type { Compression } from '../../../src/media/index.js';
import type { LayerCompressionDesire } from '../../../src/transports/types.js';

const FLAGS: Record<string, CompressionRequest | undefined> = {
  '-': undefined,
  gzip: { format: 'gzip' },
  zstd: { format: 'zstd', level: 3 },
  'gzip+force': { format: 'gzip', force: true },
  'zstd+force': { format: 'zstd', force: true },
};

// source compression | destination desire | flags -> action, compression the destination gets
const TABLE: [Compression, LayerCompressionDesire, string, LayerAction, Compression][] = [
  // docker-archive: layers are stored as plain tar, whatever was asked
  ['none', 'decompress', '-', 'reuse', 'none'],
  ['gzip', 'decompress', '-', 'decompress', 'none'],
  ['zstd', 'decompress', '-', 'decompress', 'none'],
  ['none', 'decompress', 'zstd', 'reuse', 'none'],
  ['gzip', 'decompress', 'zstd+force', 'decompress', 'none'],
  ['zstd', 'decompress', 'gzip', 'decompress', 'none'],
  ['none', 'decompress', 'gzip', 'reuse', 'none'],
  ['none', 'decompress', 'gzip+force', 'reuse', 'none'],
  ['none', 'decompress', 'zstd+force', 'reuse', 'none'],
  ['gzip', 'decompress', 'gzip', 'decompress', 'none'],
  ['gzip', 'decompress', 'zstd', 'decompress', 'none'],
  ['gzip', 'decompress', 'gzip+force', 'decompress', 'none'],
  ['zstd', 'decompress', 'zstd', 'decompress', 'none'],
  ['zstd', 'decompress', 'gzip+force', 'decompress', 'none'],
  ['zstd', 'decompress', 'zstd+force', 'decompress', 'none'],
  // local store, oci, dir: layers kept as the source has them...
  ['none', 'preserve', '-', 'reuse', 'none'],
  ['gzip', 'preserve', '-', 'reuse', 'gzip'],
  ['zstd', 'preserve', '-', 'reuse', 'zstd'],
  // ...unless a compression is asked for
  ['none', 'preserve', 'gzip', 'compress', 'gzip'],
  ['none', 'preserve', 'zstd', 'compress', 'zstd'],
  ['gzip', 'preserve', 'gzip', 'reuse', 'gzip'],
  ['gzip', 'preserve', 'zstd', 'convert', 'zstd'],
  ['zstd', 'preserve', 'gzip', 'convert', 'gzip'],
  ['zstd', 'preserve', 'zstd', 'reuse', 'zstd'],
  ['gzip', 'preserve', 'gzip+force', 'reuse', 'gzip'],
  ['gzip', 'preserve', 'zstd+force', 'convert', 'zstd'],
  ['none', 'preserve', 'zstd+force', 'compress', 'zstd'],
  ['none', 'preserve', 'gzip+force', 'compress', 'gzip'],
  ['zstd', 'preserve', 'gzip+force', 'convert', 'gzip'],
  ['zstd', 'preserve', 'zstd+force', 'reuse', 'zstd'],
  // registries: uncompressed layers are compressed (gzip unless asked otherwise)
  ['none', 'compress', '-', 'compress', 'gzip'],
  ['gzip', 'compress', '-', 'reuse', 'gzip'],
  ['zstd', 'compress', '-', 'reuse', 'zstd'],
  ['none', 'compress', 'zstd', 'compress', 'zstd'],
  ['none', 'compress', 'gzip', 'compress', 'gzip'],
  ['gzip', 'compress', 'gzip', 'reuse', 'gzip'],
  ['gzip', 'compress', 'zstd', 'convert', 'zstd'],
  ['zstd', 'compress', 'gzip', 'convert', 'gzip'],
  ['zstd', 'compress', 'zstd+force', 'reuse', 'zstd'],
  ['zstd', 'compress', 'gzip+force', 'convert', 'gzip'],
  ['none', 'compress', 'gzip+force', 'compress', 'gzip'],
  ['none', 'compress', 'zstd+force', 'compress', 'zstd'],
  ['gzip', 'compress', 'gzip+force', 'reuse', 'gzip'],
  ['gzip', 'compress', 'zstd+force', 'convert', 'zstd'],
  ['zstd', 'compress', 'zstd', 'reuse', 'zstd'],
];

test('per-layer compression plan: source x destination desire x flags -> action', () => {
  for (const [src, desire, flags, action, target] of TABLE) {
    assert.deepEqual(planLayer(src, desire, FLAGS[flags]), { action, target }, `${src} -> ${desire} with ${flags}`);
  }
});

test('per-layer compression plan: the table covers every combination', () => {
  const seen = new Set(TABLE.map(([s, d, f]) => `${s}/${d}/${f}`));
  const missing: string[] = [];
  for (const s of ['none', 'gzip', 'zstd'] as const) {
    for (const d of ['preserve', 'compress', 'decompress'] as const) {
      for (const f of Object.keys(FLAGS)) {
        const key = `${s}/${d}/${f}`;
        if (!seen.has(key)) missing.push(key);
      }
    }
  }
  assert.deepEqual(missing, []);
});
