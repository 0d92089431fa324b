/**
 * berth system prune — podman's, for what berth has: containers (all stopped: berth runs none)
 * and dangling images (every image no container uses with -a). Without -f it prints podman's
 * WARNING listing what it removes and reads the answer from stdin (a terminal or a pipe); only
 * an answer starting with "y" goes on, end of input is podman's "Error: EOF". Then prints
 * "Deleted Containers", "Deleted Images" (each with its IDs, when any) and the space reclaimed.
 */
import { BerthError } from '../../src/errors.js';
import { pruneSystem } from '../../src/local.js';
import { humanSize } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import { readLine } from '../prompt.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const all = p.flags.all === true;
  if (p.flags.force !== true) {
    process.stdout.write(
      `WARNING! This command removes:\n\t- all stopped containers\n\t- ${all ? 'all images without at least one container associated with them' : 'all dangling images'}\n\nAre you sure you want to continue? [y/N] `,
    );
    const answer = readLine();
    if (answer === undefined) throw new BerthError('INVALID_ARGUMENT', 'EOF');
    if (answer.toLowerCase()[0] !== 'y') return 0;
  }
  const store = openStore(g, 'free');
  let r;
  try {
    r = pruneSystem(store, { all, filters: p.flags.filter as string[] });
  } finally {
    store.close();
  }
  let out = '';
  if (r.containers.length) out += `Deleted Containers\n${r.containers.map((id) => `${id}\n`).join('')}`;
  if (r.images.length) out += `Deleted Images\n${r.images.map((id) => `${id}\n`).join('')}`;
  process.stdout.write(`${out}Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`);
  return 0;
}
