import type { ProgressEvent } from '../transports/types.js';
import type { Store } from '../store/store.js';

/**
 * Progress of a copy that reads image `id` from the store (save, push): its layer events carry the
 * layer's diffID, which podman's lines name a layer of its store by (podman keeps layers uncompressed).
 */
export function withDiffIDs(
  store: Store,
  id: string,
  onProgress: ((e: ProgressEvent) => void) | undefined,
): ((e: ProgressEvent) => void) | undefined {
  if (!onProgress) return undefined;
  const img = store.getImage(id)!;
  const diffIDs = new Map(store.manifestLayers(img.manifestDigest).map((l) => [l.digest, l.diffID]));
  return (e) => {
    const diffID = e.kind === 'blob' && !e.isConfig ? diffIDs.get(e.digest) : undefined;
    onProgress(e.kind === 'blob' && diffID ? { ...e, diffID } : e);
  };
}
