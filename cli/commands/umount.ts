/**
 * berth umount / unmount / container umount CONTAINER... — podman umount: takes back one
 * mount of each (every mount with -f) and prints the names as given; with --all, the IDs of
 * the containers that were mounted.
 */
import { BerthError } from '../../src/errors.js';
import { mountedContainers, unmountContainer } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  if (p.args.length === 0 && o.all !== true) throw new BerthError('INVALID_ARGUMENT', 'you must provide at least one name or id');
  if (p.args.length > 0 && o.all === true) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --all');
  const store = openStore(g);
  let out = '';
  try {
    if (o.all === true) {
      for (const m of mountedContainers(store)) out += `${unmountContainer(store, m.id, { force: o.force === true })}\n`;
    } else {
      for (const n of p.args) {
        unmountContainer(store, n, { force: o.force === true });
        out += `${n}\n`;
      }
    }
  } finally {
    store.close();
  }
  process.stdout.write(out);
  return 0;
}
