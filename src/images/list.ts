/**
 * Listing local images the way `podman images` does (containers/common `libimage`
 * `ListImages` + podman `cmd/podman/images/list.go`), from one pass over the index:
 *
 *  - `ImageSet`: every image row plus the parent/child relation podman derives from its
 *    layer tree (libimage `layer_tree.go`): a child shares all of the parent's layers and
 *    has exactly one more history entry whose first entries equal the parent's. Candidates
 *    are found from the stored top/parent chain IDs alone; configs are read only for the
 *    few candidate pairs (usually none), never for every image.
 *  - dangling = no names and no children; intermediate = no names but children
 *    (libimage `image.go` isDangling / isIntermediate).
 *  - `listImages`: filters (see filters.ts), the default `intermediate=false` unless `all`.
 */
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { splitRepositoryTag } from '../reference/reference.js';
import { GoTime, parseRFC3339 } from '../go/time.js';
import { compileImageFilters, type CompiledFilters } from './filters.js';
import { listImageRow } from './list-lookup.js';

/** The parts of an image config the parent/child check compares. */
export interface HistoryKey {
  created?: GoTime | string;
  createdBy: string;
  author: string;
  comment: string;
  emptyLayer: boolean;
}

interface ConfigSummary {
  diffIDs: string[];
  history: HistoryKey[];
}

/** Parse a stored `created` (config.created) into a GoTime; zero time when absent/invalid. */
export function createdTime(row: { created: string | null }): GoTime {
  if (!row.created) return GoTime.zero();
  return parseRFC3339(row.created) ?? GoTime.zero();
}

/** History entries of a config, normalized for comparison. */
export function historyKeys(history: unknown): HistoryKey[] {
  if (!Array.isArray(history)) return [];
  return history.map((h: Record<string, unknown>) => {
    const c = typeof h?.created === 'string' ? (parseRFC3339(h.created) ?? h.created) : undefined;
    return {
      created: c,
      createdBy: typeof h?.created_by === 'string' ? h.created_by : '',
      author: typeof h?.author === 'string' ? h.author : '',
      comment: typeof h?.comment === 'string' ? h.comment : '',
      emptyLayer: h?.empty_layer === true,
    };
  });
}

function sameCreated(a: GoTime | string | undefined, b: GoTime | string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return String(a) === String(b) && typeof a === typeof b;
  return a.compare(b) === 0;
}

/** libimage areParentAndChild: shared diffIDs, and the child has one more matching history entry. */
function areParentAndChild(parent: ConfigSummary, child: ConfigSummary): boolean {
  if (parent.diffIDs.length > child.diffIDs.length) return false;
  for (let i = 0; i < parent.diffIDs.length; i++) if (parent.diffIDs[i] !== child.diffIDs[i]) return false;
  if (parent.history.length + 1 !== child.history.length) return false;
  for (let i = 0; i < parent.history.length; i++) {
    const a = parent.history[i]!;
    const b = child.history[i]!;
    if (
      !sameCreated(a.created, b.created) ||
      a.createdBy !== b.createdBy ||
      a.author !== b.author ||
      a.comment !== b.comment ||
      a.emptyLayer !== b.emptyLayer
    )
      return false;
  }
  return true;
}

/**
 * A snapshot of (some or all) images with lazily computed relations. Built from
 * `store.listImages()` for listings, or from a handful of rows for single-image
 * commands (then `complete` is false and relation queries go to the index).
 */
export class ImageSet {
  readonly byId = new Map<string, ImageRow>();
  private byTop = new Map<string, ImageRow[]>();
  private byParentLayer = new Map<string, ImageRow[]>();
  private empty: ImageRow[] = [];
  private configs = new Map<string, ConfigSummary | null>();
  private childMemo = new Map<string, boolean>();
  private parentMemo = new Map<string, ImageRow | null>();

  constructor(
    readonly store: Store,
    readonly rows: ImageRow[],
  ) {
    for (const r of rows) {
      this.byId.set(r.id, r);
      if (r.topLayer) push(this.byTop, r.topLayer, r);
      else this.empty.push(r);
      if (r.parentLayer) push(this.byParentLayer, r.parentLayer, r);
    }
  }

  static load(store: Store): ImageSet {
    return new ImageSet(store, store.listImages());
  }

  /** Config diffIDs + history of an image (read once; null if unreadable). */
  config(row: ImageRow): ConfigSummary | null {
    let c = this.configs.get(row.id);
    if (c !== undefined) return c;
    try {
      const doc = JSON.parse(this.store.readBlob(row.configDigest, 4 << 20).toString('utf8')) as {
        rootfs?: { diff_ids?: unknown };
        history?: unknown;
      };
      const diffIDs = Array.isArray(doc.rootfs?.diff_ids) ? (doc.rootfs!.diff_ids as unknown[]).map(String) : [];
      c = { diffIDs, history: historyKeys(doc.history) };
    } catch {
      c = null;
    }
    this.configs.set(row.id, c);
    return c;
  }

  private related(parent: ImageRow, child: ImageRow): boolean {
    if (parent.id === child.id) return false;
    const p = this.config(parent);
    const c = this.config(child);
    return p !== null && c !== null && areParentAndChild(p, c);
  }

  /** Child images (libimage layerTree.children): images on top of this image's top layer. */
  children(row: ImageRow, all = true): ImageRow[] {
    const out: ImageRow[] = [];
    const candidates = row.topLayer
      ? [...(this.byParentLayer.get(row.topLayer) ?? []), ...(this.byTop.get(row.topLayer) ?? [])]
      : this.empty;
    for (const c of candidates) {
      if (this.related(row, c)) {
        out.push(c);
        if (!all) break;
      }
    }
    return out;
  }

  hasChildren(row: ImageRow): boolean {
    let v = this.childMemo.get(row.id);
    if (v === undefined) {
      v = this.children(row, false).length > 0;
      this.childMemo.set(row.id, v);
    }
    return v;
  }

  /** The parent image (libimage layerTree.parent), if any. */
  parent(row: ImageRow): ImageRow | undefined {
    const memo = this.parentMemo.get(row.id);
    if (memo !== undefined) return memo ?? undefined;
    let found: ImageRow | undefined;
    const candidates = row.topLayer
      ? [...(this.byTop.get(row.topLayer) ?? []), ...(row.parentLayer ? this.byParentLayerTop(row.parentLayer) : [])]
      : this.empty;
    for (const p of candidates) {
      if (this.related(p, row)) {
        found = p;
        break;
      }
    }
    this.parentMemo.set(row.id, found ?? null);
    return found;
  }

  private byParentLayerTop(layer: string): ImageRow[] {
    return this.byTop.get(layer) ?? [];
  }

  /** Untagged and without children. */
  isDangling(row: ImageRow): boolean {
    return row.names.length === 0 && !this.hasChildren(row);
  }

  /** Untagged but with children. */
  isIntermediate(row: ImageRow): boolean {
    return row.names.length === 0 && this.hasChildren(row);
  }

  /** Drop an image (after it was removed): it no longer counts as anyone's parent or child. */
  forget(id: string): void {
    const row = this.byId.get(id);
    if (!row) return;
    this.byId.delete(id);
    const drop = (m: Map<string, ImageRow[]>, k: string | null) => {
      if (!k) return;
      const a = m.get(k);
      if (!a) return;
      const rest = a.filter((r) => r.id !== id);
      if (rest.length) m.set(k, rest);
      else m.delete(k);
    };
    drop(this.byTop, row.topLayer);
    drop(this.byParentLayer, row.parentLayer);
    if (!row.topLayer) this.empty = this.empty.filter((r) => r.id !== id);
    this.childMemo.clear();
    this.parentMemo.clear();
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/**
 * The related images of one image (its top-layer and parent-layer neighbours, and the
 * images sitting on its top layer), enough to answer parent/children questions for it
 * without loading every image.
 */
export function neighbourhood(store: Store, row: ImageRow): ImageSet {
  const layers = [row.topLayer, row.parentLayer].filter((x): x is string => !!x);
  const ids = new Set<string>([row.id]);
  if (layers.length) for (const id of store.imageIdsByLayers(layers)) ids.add(id);
  else return ImageSet.load(store); // layerless images relate to other layerless ones: rare, load all
  const rows: ImageRow[] = [];
  for (const id of ids) {
    const r = id === row.id ? row : store.getImage(id);
    if (r) rows.push(r);
  }
  return new ImageSet(store, rows);
}

// ---------------------------------------------------------------------------------------

export interface ListImagesOptions {
  /** Include intermediate images (podman images -a). */
  all?: boolean;
  /** podman --filter values ("key=value" / "key!=value"). */
  filters?: string[];
  /** Reference time for until= durations (default: now). */
  now?: Date;
  /** Also list manifest lists (berth manifest) as images, after the images, as `podman images` does. */
  manifestLists?: boolean;
}

export interface ListedImage {
  row: ImageRow;
  /** Names to show: all names, or the ones a fully qualified reference= filter selected. */
  names: string[];
}

/** List images in index order, filtered like podman (AND across keys; see filters.ts). */
export function listImages(store: Store, opts: ListImagesOptions = {}): { images: ListedImage[]; set: ImageSet } {
  const set = ImageSet.load(store);
  const filters = [...(opts.filters ?? [])];
  // podman's ImageEngine.List adds intermediate=false unless --all (or an intermediate= filter of the user's own)
  if (!opts.all && !filters.some((f) => /^intermediate!?=/.test(f))) filters.push('intermediate=false');
  const compiled: CompiledFilters = compileImageFilters(store, set, filters, opts.now ?? new Date());
  const images: ListedImage[] = [];
  for (const row of set.rows) {
    if (!compiled.matches(row)) continue;
    images.push({ row, names: compiled.names(row) });
  }
  if (opts.manifestLists)
    for (const l of store.allLists()) {
      const row = listImageRow(l);
      if (compiled.matches(row)) images.push({ row, names: compiled.names(row) });
    }
  return { images, set };
}

// ---------------------------------------------------------------------------------------
// Names → repository / tag / digests

/** podman tokenRepoTag: "repo:tag" → [repo, tag]; "repo@digest" → [repo, "<none>"]. */
export function repoAndTag(name: string): [string, string] {
  try {
    const r = splitRepositoryTag(name);
    return [r.repository || '<none>', r.tag ?? '<none>'];
  } catch {
    return ['<none>', '<none>'];
  }
}

/** Names that carry a tag (libimage Image.RepoTags), in name order. */
export function repoTags(names: readonly string[]): string[] {
  return names.filter((n) => {
    try {
      return splitRepositoryTag(n).tag !== undefined;
    } catch {
      return false;
    }
  });
}

/**
 * libimage Image.RepoDigests: every name's repository combined with every digest of the
 * image (manifest digests and the displayed digest), de-duplicated and sorted.
 */
export function repoDigests(names: readonly string[], row: Pick<ImageRow, 'digests' | 'digest'>): string[] {
  const repos = new Set<string>();
  for (const n of names) {
    try {
      repos.add(splitRepositoryTag(n).repository);
    } catch {
      // a name that does not parse has no digest form
    }
  }
  return repoDigestsOf(repos, row);
}

/** repoDigests for the distinct repositories of the names, when the caller has split them already. */
export function repoDigestsOf(repos: ReadonlySet<string>, row: Pick<ImageRow, 'digests' | 'digest'>): string[] {
  // distinct repositories times distinct digests (neither holds an '@', so each pair makes a
  // distinct string): an image's names share few repositories, and a listing asks per image
  const digests = new Set([...row.digests, row.digest].filter(Boolean));
  const out: string[] = [];
  for (const repo of repos) for (const d of digests) out.push(`${repo}@${d}`);
  return out.sort();
}
