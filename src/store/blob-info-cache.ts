/**
 * The store's blob info cache (index tables blob_pairs and blob_locations): compressed forms of
 * uncompressed layers that earlier copies produced or verified, and the registry repositories
 * known to hold blobs (configs too). Derived data only: nothing else in the store depends on it;
 * gc (and so rmi) forgets the rows only removed blobs made useful (IndexDB.pruneBlobInfo), both
 * tables are capped, and `system recover` keeps the rows of a readable index and starts a new
 * index without any (it is a cache). A pair or location is never trusted: the destination must
 * confirm the blob.
 */
import type { Digest } from '../digest/digest.js';
import { log } from '../log.js';
import type { BlobInfoCache, KnownCompressed, LearnedPair } from '../copy/blob-info-cache.js';
import type { Store } from './store.js';

export class StoreBlobInfoCache implements BlobInfoCache {
  /** `location`: "registry/repository" of the destination, recorded for the blobs it holds after a copy. */
  constructor(
    private readonly store: Store,
    private readonly location?: string,
  ) {}

  compressedForms(uncompressed: Digest): KnownCompressed[] {
    return this.store.blobPairs(uncompressed).map((p) => ({ digest: p.compressed, algorithm: p.algorithm, size: p.size }));
  }

  locations(digest: Digest): string[] {
    return this.store.blobLocations(digest);
  }

  remember(pairs: readonly LearnedPair[], present: readonly Digest[]): void {
    if (this.store.readOnly) return;
    try {
      this.store.recordBlobInfo(pairs, present, this.location);
    } catch (e) {
      // a full disk or a busy index: the copy is done, only a later shortcut is lost
      log.debug(() => `blob info cache not updated: ${(e as Error).message}`);
    }
  }
}
