/**
 * podman rm for berth's containers (nothing runs, so nothing is stopped first): every name is
 * looked up before anything is removed, and a missing one fails the whole command (exit code
 * 1) unless `ignore` (or `force`, which implies it). A mounted container is removed too.
 * `latest` removes the container created last, `cidIds` the containers --cidfile files name.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import { noSuchContainer } from './errors.js';
import { latestContainer, tryLookupContainer } from './lookup.js';
import { listContainers } from './list.js';

export interface RemoveContainersOptions {
  /** Remove every container (no names may be given). */
  all?: boolean;
  /** Accepted as podman's: removes running containers there; implies `ignore` here. */
  force?: boolean;
  /** A missing container is not an error. */
  ignore?: boolean;
  /** Remove the container created last. */
  latest?: boolean;
  /** IDs read from --cidfile files (looked up as podman does there: "name or ID" in its error). */
  cidIds?: readonly string[];
  /** Remove the containers matching these ps filters (podman's --filter; no names may be given). */
  filters?: readonly string[];
}

export interface RemovedContainer {
  id: string;
  /** What the caller named it by (podman prints that), or the ID with `all`. */
  input: string;
}

/** Remove containers; CONTAINER_NOT_FOUND (nothing removed) when one is missing. */
export function removeContainers(store: Store, namesOrIds: readonly string[], opts: RemoveContainersOptions = {}): RemovedContainer[] {
  const cid = opts.cidIds !== undefined;
  const filtered = (opts.filters?.length ?? 0) > 0;
  if (filtered && namesOrIds.length > 0) throw new BerthError('INVALID_ARGUMENT', '--filter takes no arguments');
  // podman's checks, in its order and words
  if (cid && (opts.all || opts.latest)) throw new BerthError('INVALID_ARGUMENT', '--all, --latest, and --cidfile cannot be used together');
  if (opts.all && opts.latest) throw new BerthError('INVALID_ARGUMENT', '--all and --latest cannot be used together');
  if (opts.all && namesOrIds.length > 0) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --all');
  if (opts.latest && namesOrIds.length > 0) throw new BerthError('INVALID_ARGUMENT', '--latest and containers cannot be used together');
  if (cid && namesOrIds.length > 0) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --latest or --cidfile');
  if (!opts.all && !opts.latest && !cid && !filtered && namesOrIds.length === 0)
    throw new BerthError('INVALID_ARGUMENT', 'you must provide at least one name or id');
  const ignore = opts.ignore || opts.force;
  const todo: RemovedContainer[] = [];
  if (filtered) {
    // podman prints the full IDs of what a filter removed (--all adds nothing to it)
    for (const c of listContainers(store, { filters: opts.filters })) todo.push({ id: c.id, input: c.id });
  } else if (opts.all) for (const c of store.listContainers()) todo.push({ id: c.id, input: c.id });
  if (opts.latest) {
    const c = latestContainer(store);
    todo.push({ id: c.id, input: c.id });
  }
  // podman 4.3.1's words for rm too: "no container with name or ID ..."
  const look = (n: string) => {
    const c = tryLookupContainer(store, n);
    if (!c) {
      if (ignore) return;
      throw noSuchContainer(n);
    }
    todo.push({ id: c.id, input: n });
  };
  for (const n of namesOrIds) look(n);
  for (const n of opts.cidIds ?? []) look(n);
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
