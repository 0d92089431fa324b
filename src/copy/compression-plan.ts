import type { Compression } from '../media/index.js';
import type { LayerCompressionDesire } from '../transports/types.js';

/** Compression the caller asks for (push --compression-format, copy --dest-compress-format). */
export interface CompressionRequest {
  format: 'gzip' | 'zstd';
  level?: number;
  /** Recompress layers compressed with another algorithm (--force-compression). */
  force?: boolean;
}

/** What the engine does with one layer on its way to the destination. */
export type LayerAction = 'reuse' | 'compress' | 'decompress' | 'convert';

export interface LayerPlan {
  /** Compression of the bytes the destination receives. */
  target: Compression;
  /** reuse: the bytes as the source has them; convert: decompress, then compress with another algorithm. */
  action: LayerAction;
}

/**
 * Plan one layer from what the source has, what the destination wants and what was asked:
 * a destination that stores layers uncompressed gets them uncompressed; otherwise a layer
 * compressed with another algorithm than the one asked for is recompressed (as containers/image
 * does), and an uncompressed layer is compressed when a format is asked for or the destination
 * wants compressed layers (gzip by default). Everything else is reused as it is.
 */
export function planLayer(source: Compression, desire: LayerCompressionDesire, asked?: CompressionRequest): LayerPlan {
  const target = targetOf(source, desire, asked);
  return { target, action: actionOf(source, target) };
}

function targetOf(source: Compression, desire: LayerCompressionDesire, asked?: CompressionRequest): Compression {
  if (desire === 'decompress') return 'none';
  const want = asked?.format;
  if (want && asked.force) return want;
  if (want && source !== 'none' && source !== want) return want;
  if (source === 'none' && (want || desire === 'compress')) return want ?? 'gzip';
  return source;
}

function actionOf(source: Compression, target: Compression): LayerAction {
  if (source === target) return 'reuse';
  if (source === 'none') return 'compress';
  return target === 'none' ? 'decompress' : 'convert';
}
