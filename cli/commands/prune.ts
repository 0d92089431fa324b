/**
 * berth image prune — remove dangling images (all unused images with -a), repeatedly until
 * none is left; prints the removed IDs. Without -f it asks for confirmation when stdin is a
 * terminal; when it is not, an answer may be piped in ("echo y | berth image prune"), and
 * no answer means nothing is removed (an error, never a hang and never a silent prune).
 */
import { BerthError } from '../../src/errors.js';
import { pruneImages } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { readLine } from '../prompt.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const all = p.flags.all === true;
  if (p.flags.force !== true) {
    const tty = process.stdin.isTTY === true;
    if (tty) {
      process.stdout.write(
        all
          ? 'WARNING! This command removes all images without at least one container associated with them.\nAre you sure you want to continue? [y/N] '
          : 'WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ',
      );
    }
    const answer = readLine();
    if (answer === undefined && !tty) {
      throw new BerthError('INVALID_ARGUMENT', 'image prune needs a confirmation and stdin is not a terminal', {
        hint: 'use -f/--force, or pipe the answer: echo y | berth image prune',
      });
    }
    if (!answer || answer.trim().toLowerCase()[0] !== 'y') return 0;
  }
  const store = openStore(g, 'free');
  let removed: string[];
  try {
    removed = pruneImages(store, { all, filters: p.flags.filter as string[] });
  } finally {
    store.close();
  }
  process.stdout.write(removed.map((id) => `${id}\n`).join(''));
  return 0;
}
