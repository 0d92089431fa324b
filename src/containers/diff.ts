/**
 * podman diff: what changed in a container since it was created from its image, or what an
 * image's top layer changed over the layers below it (libpod GetDiff). The trees compared are
 * built from the store's unpacked-layer cache (files hard-linked, nothing copied) in a temp
 * directory of the store, removed afterwards.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, isBerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { LayerRecord } from '../store/index-db.js';
import { tryLookupImage } from '../images/lookup.js';
import { applyCachedLayer, ensureLayer } from '../rootfs/layer-cache.js';
import { treeChanges, type Change } from './changes.js';
import { tryLookupContainer } from './lookup.js';

export type { Change, ChangeKind } from './changes.js';

export interface DiffOptions {
  /** What NAME may be: `all` (an image first, then a container, as podman diff), `container` or `image`. */
  type?: 'all' | 'container' | 'image';
  signal?: AbortSignal;
}

/** `layers` applied in order into the new directory `dir` (hard links to the layer cache). */
async function buildTree(store: Store, layers: LayerRecord[], dir: string, signal?: AbortSignal): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const l of layers) await applyCachedLayer(await ensureLayer(store, l, signal), dir, 'link');
}

/** The changes of the container or image `name` (see DiffOptions.type for which it may be). */
export async function diffChanges(store: Store, name: string, opts: DiffOptions = {}): Promise<Change[]> {
  const type = opts.type ?? 'all';
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
  const work = store.tempPath('-diff');
  try {
    const oldDir = join(work, 'old');
    let newDir: string;
    if (container) {
      await buildTree(store, layers, oldDir, opts.signal);
      newDir = store.containerPath(container.rootfs);
    } else {
      await buildTree(store, layers.slice(0, -1), oldDir, opts.signal);
      newDir = join(work, 'new');
      await buildTree(store, layers, newDir, opts.signal);
    }
    return treeChanges(oldDir, newDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
