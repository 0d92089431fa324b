import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Deferred durability for derived trees (cached layers, image mounts): they can always be
 * rebuilt from verified blobs, so instead of a syncfs on the critical path (which writes every
 * byte just unpacked to disk before the command can finish) a tree is stamped with the boot it
 * was written in. Within that boot the page cache is the truth, so the tree is complete; after
 * a crash or power loss (a different boot) a tree that was never synced may be short of data
 * and is treated as incomplete (removed, rebuilt). A later command syncs such trees when that
 * is cheap (`settleTrees`: the kernel has written most dirty data back by then) and marks them
 * synced, so they survive reboots too.
 */

/** This boot's id, or '' where the system has none (then trees are synced eagerly). */
export function bootId(): string {
  const forced = process.env.BERTH_BOOT_ID; // tests: another boot
  if (forced !== undefined) return forced;
  if (cachedBoot === undefined) {
    try {
      cachedBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBoot = '';
    }
  }
  return cachedBoot;
}
let cachedBoot: string | undefined;

/** Marker in a stamped tree's directory: written only after a sync covered the whole tree. */
export const SYNCED_MARKER = 'synced';
/** Marker in a stamped tree's directory: the boot the tree was written in (absent: synced when written). */
export const BOOT_MARKER = 'boot';

/**
 * Whether a published tree directory is complete: written before stamps existed (synced
 * before publishing), synced since, or written in this boot.
 */
export function trustedTree(dir: string): boolean {
  let boot: string;
  try {
    boot = readFileSync(join(dir, BOOT_MARKER), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return boot === bootId() || existsSync(join(dir, SYNCED_MARKER));
}
