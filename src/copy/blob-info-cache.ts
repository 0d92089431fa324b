import type { Digest } from '../digest/digest.js';
import type { ImageRef } from '../transports/types.js';

/** A compressed form of an uncompressed layer that an earlier copy produced and checked. */
export interface KnownCompressed {
  digest: Digest;
  algorithm: 'gzip' | 'zstd';
  size: number;
}

/** One pair a copy learned: `uncompressed` (a diffID) compresses to `compressed` with `algorithm`. */
export interface LearnedPair {
  uncompressed: Digest;
  compressed: Digest;
  algorithm: 'gzip' | 'zstd';
  size: number;
}

/**
 * What the engine remembers across copies (reuse before transfer): which compressed blobs hold
 * which uncompressed layers, as containers/image's blob info cache does. A pair names a
 * candidate only: the destination must confirm that it holds the blob before it is used.
 */
export interface BlobInfoCache {
  /** Known compressed forms of an uncompressed layer, the most likely first. */
  compressedForms(uncompressed: Digest): KnownCompressed[];
  /** Registry repositories ("registry/repository") known to hold blob `digest`, the most likely first. */
  locations?(digest: Digest): string[];
  /**
   * After a copy succeeded: the pairs it verified, and the blobs its destination now holds.
   * Never throws (the copy succeeded whether or not this is remembered).
   */
  remember(pairs: readonly LearnedPair[], present: readonly Digest[]): void;
}

/** The "registry/repository" a location is in (the scope blob locations are kept by); else undefined. */
export function registryLocation(ref: ImageRef): string | undefined {
  return ref.registryRepository;
}
