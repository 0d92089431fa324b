import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Deferred durability for derived trees (cached layers, image mounts): they can always be
 * rebuilt from verified blobs, so instead of a syncfs on the critical path (which writes every
 * byte just unpacked to disk before the command can finish) a tree's record (a layer's
 * layer.json, a mount's count file) carries the boot it was written in. Within that boot the
 * page cache is the truth, so the tree is complete; after a crash or power loss (a different
 * boot) a tree that was never synced may be short of data and is treated as incomplete
 * (removed, rebuilt). The stamp lives in the record the tree cannot be used without, so a
 * crash that loses or truncates the record (file systems without a journal order nothing) also
 * makes the tree unusable. A later command syncs such trees when that is cheap (`settleTrees`:
 * the kernel has written most dirty data back by then) and marks them synced, so they survive
 * reboots too. A record without a stamp was written by a version that synced before publishing.
 */

/** This boot's id, or '' where the system has none (then trees are synced before publishing). */
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

/**
 * Whether a published tree is complete, given the boot stamp of its record: none (synced
 * before it was published), this boot, or synced since (`dir` holds the marker).
 */
export function trustedStamp(boot: string | undefined, dir: string): boolean {
  return boot === undefined || boot === bootId() || existsSync(join(dir, SYNCED_MARKER));
}
