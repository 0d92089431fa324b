/**
 * Which container a name or ID means, as libpod's LookupContainer: an exact name first, else
 * a full or unique partial ID.
 */
import type { Store } from '../store/store.js';
import type { ContainerRow } from '../store/index-db.js';
import { BerthError } from '../errors.js';
import { ambiguousContainer, emptyContainerName, noSuchContainer } from './errors.js';

/** The container `nameOrId` names, or undefined when none does (ambiguous prefixes still throw). */
export function tryLookupContainer(store: Store, nameOrId: string): ContainerRow | undefined {
  if (nameOrId === '') throw emptyContainerName();
  const byName = store.containerIdForName(nameOrId);
  if (byName !== undefined) return store.getContainer(byName);
  const prefix = nameOrId.toLowerCase();
  if (!/^[0-9a-f]{1,64}$/.test(prefix)) return undefined;
  const ids = store.containerIdsWithPrefix(prefix, 2);
  if (ids.length > 1) throw ambiguousContainer(nameOrId, store.containerIdsWithPrefix(prefix));
  return ids[0] === undefined ? undefined : store.getContainer(ids[0]);
}

/** The container `nameOrId` names; CONTAINER_NOT_FOUND in podman's words when none does. */
export function lookupContainer(store: Store, nameOrId: string): ContainerRow {
  const c = tryLookupContainer(store, nameOrId);
  if (!c) throw noSuchContainer(nameOrId);
  return c;
}

/** The container created last (podman's --latest); CONTAINER_NOT_FOUND "no such container" when there is none. */
export function latestContainer(store: Store): ContainerRow {
  const all = store.listContainers();
  const last = all[all.length - 1];
  if (!last) throw new BerthError('CONTAINER_NOT_FOUND', 'no such container');
  return last;
}
