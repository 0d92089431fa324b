import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { mountsDir, layerWorkDir } from '../store/rootfs-dirs.js';
import { lookupRecord } from '../images/lookup.js';
import { randomBytes } from 'node:crypto';
import { trustedStamp } from './boot-stamp.js';

/**
 * Image mounts (podman image mount/unmount): the image's root file system materialised
 * read-only in the store at `ROOT/mounts/<image ID>/merged` (files hard-linked to the layer
 * cache), with a mount count in `ROOT/mounts/<image ID>/count` changed under the store's write
 * lock (and the boot the tree was built in, see boot-stamp.ts). Unmounting the last time (or with force) removes the tree; removing the image removes
 * its mount too (the store's gc).
 */
export interface ImageMount {
  id: string;
  /** The image's names (RepoTags). */
  names: string[];
  digest: string;
  path: string;
}

export interface ImageMountOptions {
  /** Mount every image (with no names given). */
  all?: boolean;
  signal?: AbortSignal;
}

export interface ImageUnmountOptions {
  /** Unmount every mounted image. */
  all?: boolean;
  /** Unmount completely, whatever the mount count. */
  force?: boolean;
}

const countFile = (root: string, id: string) => join(mountsDir(root), id, 'count');
const mergedDir = (root: string, id: string) => join(mountsDir(root), id, 'merged');

/** The mount count, and the boot stamp of an unsynced tree: "N" or "N BOOT". */
function readMount(root: string, id: string): { n: number; boot?: string } {
  try {
    const [count, boot] = readFileSync(countFile(root, id), 'utf8').trim().split(' ');
    const n = Number(count);
    return Number.isInteger(n) && n > 0 && existsSync(mergedDir(root, id)) ? { n, boot } : { n: 0 };
  } catch {
    return { n: 0 };
  }
}

function writeCount(root: string, id: string, n: number, boot: string | undefined): void {
  writeFileSync(countFile(root, id), boot ? `${n} ${boot}` : String(n));
}

function readCount(root: string, id: string): number {
  const m = readMount(root, id);
  // a tree written before a reboot and never synced may be short of files: not mounted (as
  // podman's image mounts, which do not outlive a reboot); the next mount replaces it
  return m.n > 0 && trustedStamp(m.boot, join(mountsDir(root), id)) ? m.n : 0;
}

function report(row: ImageRow, path: string): ImageMount {
  return { id: row.id, names: row.names.filter((n) => !n.includes('@')), digest: row.digest, path };
}

/** Where the image is mounted, or undefined. */
export function imageMountpoint(store: Store, id: string): string | undefined {
  return readCount(store.root, id) > 0 ? mergedDir(store.root, id) : undefined;
}

/** The mounted images, in the order `listImages` gives. */
export function listImageMounts(store: Store): ImageMount[] {
  const dir = mountsDir(store.root);
  if (!existsSync(dir)) return [];
  const out: ImageMount[] = [];
  for (const row of store.listImages()) {
    const path = imageMountpoint(store, row.id);
    if (path) out.push(report(row, path));
  }
  return out;
}

/** Mount one image (again): builds the tree on first mount, else counts one more mount. */
async function mountOne(store: Store, row: ImageRow, signal?: AbortSignal): Promise<ImageMount> {
  const root = store.root;
  const bumped = store.withWriteLock(() => {
    const n = readCount(root, row.id);
    if (n === 0) return false;
    writeCount(root, row.id, n + 1, readMount(root, row.id).boot);
    return true;
  });
  if (bumped) return report(row, mergedDir(root, row.id));
  // the unpacking code loads only when a tree is built
  const [{ buildRootfs }, { stampOrSync }] = await Promise.all([import('./layer-cache.js'), import('./durable.js')]);
  const built = await buildRootfs(store, row, { writable: false, signal });
  // the count file (the mount's record) carries this boot, or the tree is synced first
  const boot = stampOrSync(built);
  let leftover: string | undefined = dirname(built);
  try {
    store.withWriteLock(() => {
      if (!store.getImage(row.id)) throw new BerthError('IMAGE_NOT_FOUND', `${row.id}: image not known`);
      const n = readCount(root, row.id);
      if (n === 0) {
        const dir = join(mountsDir(root), row.id);
        const stale = existsSync(dir) ? join(layerWorkDir(root), `${store.owner()}-stale-${randomBytes(6).toString('hex')}`) : undefined;
        if (stale) renameSync(dir, stale);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        renameSync(built, mergedDir(root, row.id));
        if (stale) leftover = stale;
      }
      writeCount(root, row.id, n + 1, n === 0 ? boot : readMount(root, row.id).boot);
    });
  } finally {
    if (leftover) rmSync(leftover, { recursive: true, force: true });
  }
  return report(row, mergedDir(root, row.id));
}

/**
 * podman image mount: mount the named images (or with `all` every image) and report where;
 * with no names and no `all`, only list what is mounted.
 */
export async function mountImages(store: Store, names: string[], opts: ImageMountOptions = {}): Promise<ImageMount[]> {
  if (opts.all && names.length > 0)
    throw new BerthError('INVALID_ARGUMENT', 'when using the --all switch, you may not pass any image names or IDs');
  if (!opts.all && names.length === 0) return listImageMounts(store);
  const rows = opts.all ? store.listImages() : names.map((n) => lookupRecord(store, n));
  const out: ImageMount[] = [];
  for (const row of rows) out.push(await mountOne(store, row, opts.signal));
  return out;
}

export interface UnmountResult {
  id: string;
  /** Mounts left (0: the tree is gone). */
  remaining: number;
}

/** podman image unmount: one mount less (all of them with `force`); images not mounted are skipped. */
export function unmountImages(store: Store, names: string[], opts: ImageUnmountOptions = {}): UnmountResult[] {
  if (opts.all && names.length > 0)
    throw new BerthError('INVALID_ARGUMENT', 'when using the --all switch, you may not pass any image names or IDs');
  if (!opts.all && names.length === 0) throw new BerthError('INVALID_ARGUMENT', 'image name or ID must be specified');
  const rows = opts.all ? store.listImages() : names.map((n) => lookupRecord(store, n));
  const root = store.root;
  const out: UnmountResult[] = [];
  for (const row of rows) {
    const trash: string[] = [];
    const remaining = store.withWriteLock(() => {
      const n = readCount(root, row.id);
      if (n === 0) return -1;
      const left = opts.force ? 0 : n - 1;
      if (left > 0) writeCount(root, row.id, left, readMount(root, row.id).boot);
      else {
        mkdirSync(layerWorkDir(root), { recursive: true });
        const to = join(layerWorkDir(root), `${store.owner()}-umount-${randomBytes(6).toString('hex')}`);
        renameSync(join(mountsDir(root), row.id), to);
        trash.push(to);
      }
      return left;
    });
    for (const t of trash) rmSync(t, { recursive: true, force: true });
    if (remaining >= 0) out.push({ id: row.id, remaining });
  }
  return out;
}
