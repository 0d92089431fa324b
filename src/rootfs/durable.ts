import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, constants as fsc } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { log } from '../log.js';

/**
 * Make a freshly written tree durable before it is published under its final name (a layer of
 * the cache, a container's root file system): after a power loss a tree that looks complete
 * must be complete. One syncfs(2) of the file system holding the tree (`sync -f DIR`, as Node
 * has no binding) flushes every file's data and metadata in one call, far cheaper than an
 * fsync per file for layers of many small files. Where `sync -f` cannot run, every file and
 * directory of the tree is fsync'd instead.
 */
export function syncTree(dir: string): void {
  const how = process.env.BERTH_SYNC_TREE; // measurement switch: "fsync" (per file) or "none"
  if (how === 'none') return;
  if (how !== 'fsync') {
    const r = spawnSync('sync', ['-f', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (!r.error && r.status === 0) return;
    log.debug(`sync -f ${dir} failed (${(r.error?.message ?? r.stderr ?? '').trim()}): syncing file by file`);
  }
  fsyncEach(dir);
}

/** fsync every regular file and directory under `dir` (symlinks and devices have no data of their own). */
function fsyncEach(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) fsyncEach(p);
    else if (st.isFile()) fsyncPath(p);
  }
  fsyncPath(dir);
}

/** fsync one file or directory (opened read-only, never following a symlink). */
export function fsyncPath(p: string): void {
  const fd = openSync(p, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
