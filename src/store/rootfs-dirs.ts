import { existsSync, readdirSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isWriterAlive } from './liveness.js';

/**
 * Where the store keeps unpacked file systems (see src/rootfs/):
 * - `layers/<diffID hex>/` — one unpacked layer: `diff/` (its files) and `layer.json` (its
 *   whiteouts, xattrs, ...). Written under `layers/tmp/<owner>-...` and renamed into place
 *   when complete, so a directory under its final name is always a complete layer.
 * - `mounts/<image ID>/` — an image mount: `merged/` (the read-only root file system) and
 *   `count` (how many times it is mounted).
 * - `layers/tmp/` — work in progress, named after the writing process (removed once it is gone).
 */
export const LAYERS_DIR = 'layers';
export const MOUNTS_DIR = 'mounts';

export function layersDir(root: string): string {
  return join(root, LAYERS_DIR);
}
export function layerWorkDir(root: string): string {
  return join(root, LAYERS_DIR, 'tmp');
}
export function mountsDir(root: string): string {
  return join(root, MOUNTS_DIR);
}

function list(dir: string): string[] {
  try {
    return existsSync(dir) ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

/** Remove work directories of processes that are gone (a killed unpack). */
export function cleanStaleWork(root: string): number {
  let n = 0;
  const alive = new Map<string, boolean>();
  for (const name of list(layerWorkDir(root))) {
    const owner = name.split('-')[0]!;
    let live = alive.get(owner);
    if (live === undefined) alive.set(owner, (live = isWriterAlive(root, owner)));
    if (live) continue;
    rmSync(join(layerWorkDir(root), name), { recursive: true, force: true });
    n++;
  }
  return n;
}

/**
 * Inside the store's write transaction: move unpacked layers no image uses, and mounts of
 * images that are gone, into the work directory (cheap renames). Returns the moved paths,
 * which the caller deletes after the transaction (`removeTrees`).
 */
export function detachUnused(root: string, owner: string, usedDiffIDs: Set<string>, imageExists: (id: string) => boolean): string[] {
  const moved: string[] = [];
  const work = layerWorkDir(root);
  const detach = (path: string) => {
    mkdirSync(work, { recursive: true });
    const to = join(work, `${owner}-gc-${randomBytes(6).toString('hex')}`);
    try {
      renameSync(path, to);
      moved.push(to);
    } catch {
      /* raced with another cleaner */
    }
  };
  for (const name of list(layersDir(root))) {
    if (name === 'tmp' || usedDiffIDs.has(`sha256:${name}`)) continue;
    detach(join(layersDir(root), name));
  }
  for (const id of list(mountsDir(root))) if (!imageExists(id)) detach(join(mountsDir(root), id));
  return moved;
}

export function removeTrees(paths: string[]): void {
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}
