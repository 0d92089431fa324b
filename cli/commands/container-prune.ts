/**
 * berth container prune — podman container prune: removes every container that is not running
 * (all of berth's), or those matching --filter (label, label!, until); prints the removed IDs.
 * Without -f it asks first, as `image prune` does (an answer may be piped in; none removes nothing).
 */
import { BerthError } from '../../src/errors.js';
import { pruneContainers } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { readLine } from '../prompt.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  if (p.flags.force !== true) {
    const tty = process.stdin.isTTY === true;
    if (tty) process.stdout.write('WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ');
    const answer = readLine();
    if (answer === undefined && !tty) {
      throw new BerthError('INVALID_ARGUMENT', 'container prune needs a confirmation and stdin is not a terminal', {
        hint: 'use -f/--force, or pipe the answer: echo y | berth container prune',
      });
    }
    if (!answer || answer.trim().toLowerCase()[0] !== 'y') return 0;
  }
  const store = openStore(g, 'free');
  let removed: string[];
  try {
    removed = pruneContainers(store, { filters: p.flags.filter as string[] });
  } finally {
    store.close();
  }
  process.stdout.write(removed.map((id) => `${id}\n`).join(''));
  return 0;
}
