/**
 * podman container prune for berth's containers: every container is "created", never
 * running, so every one matching the filters (label, label!, until — the keys podman's
 * prune takes) is removed. Returns the IDs removed.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import { compileContainerFilters } from './list.js';

export interface PruneContainersOptions {
  /** label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME. */
  filters?: readonly string[];
  now?: Date;
}

const PRUNE_KEYS = ['label', 'label!', 'until'];

/** Remove every container matching `opts.filters`; INVALID_ARGUMENT (nothing removed) for a bad filter. */
export function pruneContainers(store: Store, opts: PruneContainersOptions = {}): string[] {
  const filters = opts.filters ?? [];
  for (const f of filters) {
    const key = f.includes('=') ? f.slice(0, f.indexOf('=')) : f;
    if (!PRUNE_KEYS.includes(key)) throw new BerthError('INVALID_ARGUMENT', `${key} is an invalid filter`);
  }
  const match = compileContainerFilters(store, filters, opts.now, true);
  const removed: string[] = [];
  for (const c of store.listContainers().filter(match)) if (store.removeContainer(c.id)) removed.push(c.id);
  return removed;
}
