import type { Digest } from '../digest/digest.js';
import type { ImageRef, ReuseOptions } from '../transports/types.js';
import { registryLocation, type BlobInfoCache } from './blob-info-cache.js';

/** Repositories offered per blob: each refused mount costs the registry a round trip or two. */
const MAX_MOUNT_CANDIDATES = 4;

/**
 * Where a registry destination may mount each blob from instead of receiving its bytes (reuse
 * before transfer, as containers/image): the source's own repository when it is on the same
 * registry, then the repositories the blob info cache knows for the blob. Only repositories of
 * the destination's registry are offered (a mount never crosses hosts), never the destination
 * itself. Undefined for destinations that are not registries (nothing to mount into).
 */
export function mountPlanner(src: ImageRef, dest: ImageRef, cache?: BlobInfoCache): ((d: Digest) => ReuseOptions) | undefined {
  const here = registryLocation(dest);
  if (!here) return undefined;
  const registry = `${dest.dockerReference!.domain}/`;
  const source = registryLocation(src);
  return (d) => {
    const names = new Set([...(source ? [source] : []), ...(cache?.locations?.(d) ?? [])]);
    names.delete(here);
    const mountFrom = [...names].filter((n) => n.startsWith(registry)).slice(0, MAX_MOUNT_CANDIDATES);
    return mountFrom.length ? { mountFrom } : {};
  };
}
