/**
 * podman rm for berth's containers (nothing runs, so nothing is stopped first): every name is
 * looked up before anything is removed, and a missing one fails the whole command (exit code
 * 1) unless `ignore` (or `force`, which implies it). A mounted container is removed too.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import { noSuchContainer } from './errors.js';
import { tryLookupContainer } from './lookup.js';

export interface RemoveContainersOptions {
  /** Remove every container (no names may be given). */
  all?: boolean;
  /** Accepted as podman's: removes running containers there; implies `ignore` here. */
  force?: boolean;
  /** A missing container is not an error. */
  ignore?: boolean;
}

export interface RemovedContainer {
  id: string;
  /** What the caller named it by (podman prints that), or the ID with `all`. */
  input: string;
}

/** Remove containers; CONTAINER_NOT_FOUND (nothing removed) when one is missing. */
export function removeContainers(store: Store, namesOrIds: readonly string[], opts: RemoveContainersOptions = {}): RemovedContainer[] {
  if (opts.all && namesOrIds.length > 0) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --all');
  if (!opts.all && namesOrIds.length === 0) throw new BerthError('INVALID_ARGUMENT', 'you must provide at least one name or id');
  const ignore = opts.ignore || opts.force;
  const todo: RemovedContainer[] = [];
  if (opts.all) for (const c of store.listContainers()) todo.push({ id: c.id, input: c.id });
  for (const n of namesOrIds) {
    const c = tryLookupContainer(store, n);
    if (!c) {
      if (ignore) continue;
      throw noSuchContainer(n, 'ID or name');
    }
    todo.push({ id: c.id, input: n });
  }
  const done: RemovedContainer[] = [];
  const seen = new Set<string>();
  for (const t of todo) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    // removed meanwhile by another process: podman treats that as removed too
    store.removeContainer(t.id);
    done.push(t);
  }
  return done;
}
