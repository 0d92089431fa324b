/**
 * Image removal with podman's rules (containers/common libimage `Runtime.RemoveImages` and
 * `Image.removeRecursive`; podman `pkg/domain/infra/abi/images.go` Remove / Prune):
 *
 *  - removing by *name* untags that name; the image itself goes only when no name is left;
 *  - an image with several names is not removed by ID (or by digest) without `force`;
 *  - a removed image's untagged parent without other children is removed too (unless
 *    `noPrune`); an image that still has children is deleted but not reported "Deleted";
 *  - a missing image is an error unless `ignore` (or `force`);
 *  - a manifest list (berth manifest) named is removed by the same name rules (after the
 *    images); a plain `--all` removes every list too;
 *  - errors do not stop the other removals; the exit code is 2 if an image is in use,
 *    1 if the only errors are missing images, 125 otherwise.
 *
 * Afterwards the store's garbage collector removes blobs no image references any more.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { tryLookupImage } from './lookup.js';
import { findManifestList } from './list-lookup.js';
import { ImageSet } from './list.js';
import { compileImageFilters } from './filters.js';
import { normalizeName } from './tag.js';
import { imageInUse } from '../containers/errors.js';

/**
 * Containers that use an image (IDs, oldest first). By default the store's container records;
 * with `force` those containers are removed first, as libpod's RemoveImage does.
 */
export type ContainersUsing = (imageId: string) => string[];

export interface RemoveOptions {
  /** Remove images with several names by ID, and the containers using them. */
  force?: boolean;
  /** A missing image is not an error. */
  ignore?: boolean;
  /** Keep dangling parents of removed images. */
  noPrune?: boolean;
  /** Without names: remove the images matching these filters ("key=value"). */
  filters?: string[];
  containersUsing?: ContainersUsing;
  now?: Date;
}

export type FailureKind = 'not-found' | 'in-use' | 'other';
export interface RemoveFailure {
  kind: FailureKind;
  error: BerthError;
}

export interface RemoveReport {
  /** Names removed ("Untagged: NAME"), in order. */
  untagged: string[];
  /** Image IDs removed ("Deleted: ID"), in order. */
  deleted: string[];
  /** IDs of every image processed (removed, or deleted while it still had children). */
  processed: string[];
  failures: RemoveFailure[];
  /** podman's rmi exit code: 0, 1 (missing image only), 2 (in use), 125 (other). */
  exitCode: number;
}

interface PerImage {
  untagged: string[];
  removed: boolean;
}

function exitCodeOf(failures: RemoveFailure[]): number {
  if (failures.length === 0) return 0;
  if (failures.some((f) => f.kind === 'in-use')) return 2;
  if (failures.every((f) => f.kind === 'not-found')) return 1;
  return 125;
}

function asFailure(e: unknown): RemoveFailure {
  const err = e instanceof BerthError ? e : new BerthError('INTERNAL', (e as Error)?.message ?? String(e), { cause: e });
  const kind: FailureKind =
    err.code === 'IMAGE_NOT_FOUND' ? 'not-found' : (err as { inUseByContainer?: boolean }).inUseByContainer ? 'in-use' : 'other';
  return { kind, error: err };
}

function fmtNames(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

/**
 * Remove the images `names` resolve to (in order), or with no names the images matching
 * `opts.filters`. Never throws for per-image problems: they are in `failures`.
 */
export function removeImages(store: Store, names: readonly string[], opts: RemoveOptions = {}): RemoveReport {
  const failures: RemoveFailure[] = [];
  const set = ImageSet.load(store);
  const order: string[] = [];
  const refs = new Map<string, string[]>();
  /** Manifest lists named (or, for a plain --all, every list), with the name or ID used. */
  const lists: [string, string][] = [];

  if (names.length > 0) {
    for (const name of names) {
      let hit;
      try {
        hit = tryLookupImage(store, name);
        if (!hit) {
          const listId = findManifestList(store, name);
          if (listId) {
            lists.push([listId, name]);
            continue;
          }
          throw new BerthError('IMAGE_NOT_FOUND', `${name}: image not known`);
        }
      } catch (e) {
        if (opts.ignore && e instanceof BerthError && e.code === 'IMAGE_NOT_FOUND') continue;
        failures.push(asFailure(e));
        continue;
      }
      if (!refs.has(hit.id)) {
        refs.set(hit.id, []);
        order.push(hit.id);
      }
      refs.get(hit.id)!.push(hit.matchedName ?? name);
    }
  } else {
    let compiled;
    try {
      compiled = compileImageFilters(store, set, ['readonly=false', ...(opts.filters ?? [])], opts.now ?? new Date());
    } catch (e) {
      failures.push(asFailure(e));
      return { untagged: [], deleted: [], processed: [], failures, exitCode: exitCodeOf(failures) };
    }
    for (const r of set.rows)
      if (compiled.matches(r)) {
        order.push(r.id);
        refs.set(r.id, ['']);
      }
    if (!opts.filters?.length) for (const l of store.allLists()) lists.push([l.id, '']);
  }

  const reports = new Map<string, PerImage>();
  const processed: string[] = [];
  const seen = new Set<string>();
  const gone = new Set<string>();
  const containersUsing = opts.containersUsing ?? ((id: string) => store.containersUsingImage(id));

  const removeRecursive = (row: ImageRow, referencedBy: string): void => {
    if (row.readOnly) throw new BerthError('INVALID_ARGUMENT', `cannot remove read-only image ${JSON.stringify(row.id)}`);
    let rep = reports.get(row.id);
    if (rep?.removed) return;
    if (!rep) {
      rep = { untagged: [], removed: false };
      reports.set(row.id, rep);
    }
    if (gone.has(row.id)) return;

    let skipRemove = false;
    const numNames = row.names.length;
    if (referencedBy !== '' && numNames !== 1) {
      const byID = row.id.startsWith(referencedBy);
      const byDigest = referencedBy.startsWith('sha256:');
      if (!opts.force) {
        if (byID && numNames > 1) {
          throw new BerthError(
            'IMAGE_IN_USE',
            `unable to delete image ${JSON.stringify(row.id)} by ID with more than one tag (${fmtNames(row.names)}): please force removal`,
            { hint: 'remove the names with "berth untag", or use -f' },
          );
        }
        if (byDigest && numNames > 1) {
          throw new BerthError(
            'IMAGE_IN_USE',
            `unable to delete image ${JSON.stringify(row.id)} by digest with more than one tag (${fmtNames(row.names)}): please force removal`,
            { hint: 'remove the names with "berth untag", or use -f' },
          );
        }
      }
      if (!byID && !byDigest) {
        const name = referencedBy.startsWith('sha256:') ? referencedBy : normalizeName(referencedBy);
        if (!row.names.includes(name)) throw new BerthError('INVALID_ARGUMENT', `${name}: tag not known`);
        store.removeNames(row.id, [name]);
        row.names = row.names.filter((n) => n !== name);
        rep.untagged.push(name);
        skipRemove = row.names.length > 0;
      }
    }
    if (!seen.has(row.id)) {
      seen.add(row.id);
      processed.push(row.id);
    }
    if (skipRemove) return;

    checkNotInUse(store, row.id, containersUsing, opts.force ?? false);

    const hasChildren = set.hasChildren(row);
    const parent = set.parent(row);
    const namesAtDeletion = [...row.names];
    store.deleteImages([row.id], (id) => {
      // the image must be as we saw it: a name added meanwhile by another process wins, and
      // so does a container created meanwhile
      const now = store.getImage(id);
      if (!now) return;
      const users = store.containersUsingImage(id);
      if (users.length) throw imageInUse(users[users.length - 1]!);
      const extra = now.names.filter((n) => !namesAtDeletion.includes(n));
      if (extra.length)
        throw new BerthError('IMAGE_IN_USE', `image ${id.slice(0, 12)} was tagged ${extra.join(', ')} meanwhile; not removed`);
    });
    gone.add(row.id);
    set.forget(row.id);
    rep.untagged.push(...namesAtDeletion);
    if (!hasChildren) rep.removed = true;
    if (opts.noPrune || !parent || gone.has(parent.id)) return;
    if (!set.isDangling(parent)) return;
    removeRecursive(parent, '');
  };

  for (const id of order) {
    const row = set.byId.get(id);
    if (!row) {
      if (!gone.has(id)) failures.push(asFailure(new BerthError('IMAGE_NOT_FOUND', `${id}: image not known`)));
      continue;
    }
    for (const ref of refs.get(id) ?? ['']) {
      try {
        removeRecursive(row, ref);
      } catch (e) {
        failures.push(asFailure(e));
      }
    }
  }

  const untagged: string[] = [];
  const deleted: string[] = [];
  for (const id of processed) {
    const rep = reports.get(id);
    if (!rep) continue;
    untagged.push(...rep.untagged);
    if (rep.removed) deleted.push(id);
  }
  for (const [id, ref] of lists) {
    try {
      const r = removeList(store, id, ref, opts.force ?? false);
      untagged.push(...r.untagged);
      if (r.deleted) deleted.push(id);
    } catch (e) {
      failures.push(asFailure(e));
    }
  }
  if (gone.size > 0) store.gc();
  return { untagged, deleted, processed: processed.filter((id) => gone.has(id)), failures, exitCode: exitCodeOf(failures) };
}

/**
 * rmi of a manifest list, with an image's name rules: by name, that name goes and the list
 * only with its last name; by ID (or `ref` ''), the list with all its names, refused without
 * `force` when it has several.
 */
function removeList(store: Store, id: string, ref: string, force: boolean): { untagged: string[]; deleted: boolean } {
  const names = store.getList(id)?.names;
  if (!names) return { untagged: [], deleted: false }; // removed meanwhile (named twice)
  const byID = ref === '' || (/^(sha256:)?[a-f0-9]+$/.test(ref) && id.startsWith(ref.replace(/^sha256:/, '')));
  if (!byID) {
    const name = normalizeName(ref);
    if (names.length > 1) return { untagged: store.removeListNames(id, [name]), deleted: false };
  } else if (ref !== '' && names.length > 1 && !force)
    throw new BerthError(
      'IMAGE_IN_USE',
      `unable to delete image ${JSON.stringify(id)} by ID with more than one tag (${fmtNames(names)}): please force removal`,
      { hint: 'remove the names with "berth untag", or use -f' },
    );
  return { untagged: store.deleteList(id), deleted: true };
}

/**
 * The place where "image in use by a container" is decided (libimage removeContainers, then
 * containers/storage DeleteImage): with `force` the containers using the image are removed
 * first; without it the removal fails (exit code 2), naming the newest of them as
 * containers/storage does.
 */
export function checkNotInUse(store: Store, imageId: string, containersUsing: ContainersUsing, force: boolean): void {
  const users = containersUsing(imageId);
  if (users.length === 0) return;
  if (!force) throw imageInUse(users[users.length - 1]!);
  for (const c of users) store.removeContainer(c);
}

export interface PruneOptions {
  /** Remove every image not used by a container, not only dangling ones. */
  all?: boolean;
  /** Extra filters (podman documents label and until). */
  filters?: string[];
  containersUsing?: ContainersUsing;
  now?: Date;
}

/**
 * podman image prune: repeatedly remove the images matching the filters (dangling ones
 * unless `all`) until none is left to remove. Returns the removed IDs in order.
 */
export function pruneImages(store: Store, opts: PruneOptions = {}): string[] {
  const filters = [...(opts.filters ?? [])];
  if (!opts.all && !filters.some((f) => /^dangling!?=/.test(f))) filters.push('dangling=true');
  filters.push('containers=false');
  const removed: string[] = [];
  for (let round = 0; round < 10_000; round++) {
    const r = removeImages(store, [], { filters, containersUsing: opts.containersUsing, now: opts.now });
    if (r.failures.length) throw r.failures[0]!.error;
    removed.push(...r.processed);
    if (r.processed.length === 0) break;
  }
  return removed;
}
