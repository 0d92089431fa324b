/**
 * podman diff: what changed in a container since it was created from its image, or what an
 * image's top layer changed over the layers below it (libpod GetDiff). The trees compared are
 * built from the store's unpacked-layer cache (files hard-linked, nothing copied) in a temp
 * directory of the store, removed afterwards.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, isBerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { LayerRecord } from '../store/index-db.js';
import { tryLookupImage } from '../images/lookup.js';
import { applyCachedLayer, ensureLayer } from '../rootfs/layer-cache.js';
import { treeChanges, type Change } from './changes.js';
import { lookupContainer, tryLookupContainer } from './lookup.js';
import type { ContainerSize } from './inspect.js';

export type { Change, ChangeKind } from './changes.js';

export interface DiffOptions {
  /** What NAME may be: `all` (an image first, then a container, as podman diff), `container` or `image`. */
  type?: 'all' | 'container' | 'image';
  /** Compare with this container or image (looked up as NAME is) instead of NAME's parent. */
  base?: string;
  signal?: AbortSignal;
}

/** `layers` applied in order into the new directory `dir` (hard links to the layer cache). */
async function buildTree(store: Store, layers: LayerRecord[], dir: string, signal?: AbortSignal): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const l of layers) await applyCachedLayer(await ensureLayer(store, l, signal), dir, 'link');
}

/** What a NAME of diff is: an image's layers, or a container (its image's layers and its root filesystem). */
type DiffSubject = { layers: LayerRecord[]; rootfs?: string };

/** Look `name` up as DiffOptions.type says (podman's words when it is neither). */
function diffSubject(store: Store, name: string, type: 'all' | 'container' | 'image'): DiffSubject {
  let imageId: string | undefined;
  let lastError = 'layer not known';
  if (type !== 'container') {
    try {
      imageId = tryLookupImage(store, name)?.id;
      if (!imageId) lastError = `${name}: image not known`;
    } catch (e) {
      // a name that is no image reference may still be a container's
      if (!isBerthError(e) || type === 'image') throw e;
      lastError = e.message;
    }
  }
  const container = imageId === undefined && type !== 'image' ? tryLookupContainer(store, name) : undefined;
  if (imageId === undefined && !container) {
    if (type === 'container') lastError = 'container not known';
    if (type === 'all') lastError = 'layer not known';
    throw new BerthError(type === 'image' ? 'IMAGE_NOT_FOUND' : 'CONTAINER_NOT_FOUND', `${name} not found: ${lastError}`, {
      subject: name,
    });
  }
  const image = store.getImage(container ? container.imageId : imageId!);
  if (!image) throw new BerthError('IMAGE_NOT_FOUND', `${name} not found: ${name}: image not known`, { subject: name });
  const layers = store.manifestLayers(image.manifestDigest);
  return container ? { layers, rootfs: store.containerPath(container.rootfs) } : { layers };
}

/**
 * The changes of the container or image `name` (see DiffOptions.type for which it may be): over
 * its parent (a container's image, the layers below an image's top one), or over `base` (looked
 * up the same way) when given, as podman diff's second argument.
 */
export async function diffChanges(store: Store, name: string, opts: DiffOptions = {}): Promise<Change[]> {
  const type = opts.type ?? 'all';
  const subject = diffSubject(store, name, type);
  const base = opts.base !== undefined ? diffSubject(store, opts.base, type) : undefined;
  const work = store.tempPath('-diff');
  try {
    // a tree: a container's root filesystem as it is, else `layers` applied in a temp directory
    const tree = async (dir: string, s: DiffSubject, layers: LayerRecord[] | undefined): Promise<string> => {
      if (!layers && s.rootfs) return s.rootfs;
      await buildTree(store, layers ?? s.layers, join(work, dir), opts.signal);
      return join(work, dir);
    };
    const oldDir = base
      ? await tree('old', base, undefined)
      : await tree('old', subject, subject.rootfs ? subject.layers : subject.layers.slice(0, -1));
    const newDir = await tree('new', subject, undefined);
    return treeChanges(oldDir, newDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The bytes of everything but directories under `dir` (each inode once), as containers/storage sizes a directory. */
function treeBytes(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = lstatSync(p);
        const key = `${st.dev}:${st.ino}`;
        if (!seen.has(key)) {
          seen.add(key);
          total += st.size;
        }
      }
    }
  };
  walk(dir);
  return total;
}

/**
 * The size of container `nameOrId` (podman's --size): the bytes of the regular files it added
 * or changed over its image, and of everything in its root filesystem (podman's vfs sizes).
 */
export async function containerSize(store: Store, nameOrId: string, opts: { signal?: AbortSignal } = {}): Promise<ContainerSize> {
  const c = lookupContainer(store, nameOrId);
  const root = store.containerPath(c.rootfs);
  let rw = 0;
  for (const ch of await diffChanges(store, c.id, { type: 'container', signal: opts.signal })) {
    if (ch.kind === 'D') continue;
    try {
      const st = lstatSync(join(root, ch.path));
      if (st.isFile()) rw += st.size;
    } catch {
      /* removed meanwhile */
    }
  }
  return { rw, rootFs: treeBytes(root) };
}
