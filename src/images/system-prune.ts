/**
 * podman system prune, for what berth has: every container (berth's never run, so all are
 * "stopped"), then dangling images (with `all`, every image no container uses), repeatedly.
 * The filters (`label`, `label!`, `until`) apply to both, as podman's; any other key is refused
 * before anything is removed. Unreferenced blobs go with the images (rmi collects them).
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import { compileContainerFilters } from '../containers/list.js';
import { removeContainers } from '../containers/remove.js';
import { pruneImages } from './remove.js';

export interface SystemPruneOptions {
  /** Remove every image no container uses, not only dangling ones. */
  all?: boolean;
  /** "label=K[=V]", "label!=K[=V]", "until=TIME". */
  filters?: readonly string[];
  now?: Date;
}

export interface SystemPruneReport {
  /** IDs of the containers removed. */
  containers: string[];
  /** IDs of the images removed. */
  images: string[];
  /** Bytes of the removed images (their sizes, as podman counts them). */
  reclaimed: number;
}

const FILTER_KEYS = new Set(['label', 'label!', 'until']);

export function pruneSystem(store: Store, opts: SystemPruneOptions = {}): SystemPruneReport {
  const filters = [...(opts.filters ?? [])];
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    // podman's words (its container prune checks the filters first)
    if (!FILTER_KEYS.has(key)) throw new BerthError('INVALID_ARGUMENT', `${key} is an invalid filter`);
  }
  const now = opts.now ?? new Date();
  const match = compileContainerFilters(store, filters, now, true);
  const victims = store
    .listContainers()
    .filter(match)
    .map((c) => c.id);
  const containers = victims.length ? removeContainers(store, victims, { ignore: true }).map((c) => c.id) : [];
  const sizes = new Map(store.listImages().map((r) => [r.id, r.size]));
  const images = pruneImages(store, { all: opts.all, filters, now });
  const reclaimed = images.reduce((n, id) => n + (sizes.get(id) ?? 0), 0);
  return { containers, images, reclaimed };
}
