import { closeSync, existsSync, fsyncSync, lstatSync, openSync, readdirSync, statSync, writeFileSync, constants as fsc } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { log } from '../log.js';
import { SYNCED_MARKER, bootId } from './boot-stamp.js';

/**
 * Make a freshly written tree durable before it is published under its final name (a layer of
 * the cache, a container's root file system): after a power loss a tree that looks complete
 * must be complete. One syncfs(2) of the file system holding the tree (`sync -f DIR`, as Node
 * has no binding) flushes every file's data and metadata in one call, far cheaper than an
 * fsync per file for layers of many small files. Where `sync -f` cannot run, every file and
 * directory of the tree is fsync'd instead.
 */
export function syncTree(dir: string): void {
  // measurement switch: "fsync" (per file), "none", "eager" (derived trees too, see stampOrSync)
  const how = process.env.BERTH_SYNC_TREE;
  if (how === 'none') return;
  if (how !== 'fsync' && syncFileSystem(dir)) return;
  fsyncEach(dir);
}

/** syncfs(2) of the file system holding `dir`; false when `sync -f` cannot run. */
function syncFileSystem(dir: string): boolean {
  const r = spawnSync('sync', ['-f', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (!r.error && r.status === 0) return true;
  log.debug(`sync -f ${dir} failed (${(r.error?.message ?? r.stderr ?? '').trim()}): syncing file by file`);
  return false;
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

/**
 * The boot stamp for the record of a tree about to be published, or undefined after syncing
 * the tree now (where boots cannot be told apart, or with BERTH_SYNC_TREE=eager).
 */
export function stampOrSync(tree: string): string | undefined {
  const boot = bootId();
  if (boot !== '' && process.env.BERTH_SYNC_TREE !== 'eager') return boot;
  syncTree(tree);
  return undefined;
}

/** Age after which the kernel has normally written a tree's data back (dirty_expire_centisecs). */
const SETTLE_AFTER_MS = 30_000;

/**
 * Sync, once, the trees among `dirs` written in this boot more than ~30 s ago and not yet
 * synced, then mark each synced. `record` names each tree's record file (its age is the
 * tree's) and `stampOf` reads its boot stamp (undefined: none, null: unreadable). Only trees
 * published before the sync started are marked (the list is taken first), so a marker always
 * follows a sync that covered its whole tree; trees without a stamp are marked without one.
 * Failures only leave trees unmarked (they are rebuilt after a reboot). Returns how many were synced.
 */
export function settleTrees(dirs: string[], record: string, stampOf: (dir: string) => string | undefined | null, now = Date.now()): number {
  const boot = bootId();
  if (boot === '' || process.env.BERTH_SYNC_TREE === 'none') return 0;
  const due: string[] = [];
  for (const d of dirs) {
    try {
      if (existsSync(join(d, SYNCED_MARKER)) || now - statSync(join(d, record)).mtimeMs < SETTLE_AFTER_MS) continue;
      const stamp = stampOf(d);
      if (stamp === undefined)
        writeFileSync(join(d, SYNCED_MARKER), ''); // synced when written: never read again
      else if (stamp === boot) due.push(d);
    } catch {
      /* gone, or being replaced */
    }
  }
  if (due.length === 0) return 0;
  const started = Date.now();
  let n = 0;
  try {
    // one syncfs covers every tree of the file system
    if (process.env.BERTH_SYNC_TREE === 'fsync' || !syncFileSystem(due[0]!)) for (const d of due) fsyncEach(d);
    for (const d of due) {
      writeFileSync(join(d, SYNCED_MARKER), '');
      n++;
    }
  } catch (e) {
    log.debug(`cannot mark trees synced: ${(e as Error).message}`);
  }
  log.debug(() => `synced ${n} deferred trees in ${Date.now() - started} ms`);
  return n;
}
