/**
 * berth umount / unmount / container umount CONTAINER... — podman umount: takes back one
 * mount of each (every mount with -f) and prints the names as given; with --all, the IDs of
 * the containers that were mounted; with --latest, the ID of the container created last.
 */
import { BerthError } from '../../src/errors.js';
import { latestContainer, mountedContainers, unmountContainer } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  const latest = o.latest === true;
  if (o.all === true && latest) throw new BerthError('INVALID_ARGUMENT', '--all and --latest cannot be used together');
  if (p.args.length > 0 && o.all === true) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --all');
  if (p.args.length > 0 && latest) throw new BerthError('INVALID_ARGUMENT', '--latest and containers cannot be used together');
  if (p.args.length === 0 && o.all !== true && !latest)
    throw new BerthError('INVALID_ARGUMENT', 'you must provide at least one name or id');
  const store = openStore(g);
  let out = '';
  try {
    if (o.all === true) {
      for (const m of mountedContainers(store)) out += `${unmountContainer(store, m.id, { force: o.force === true })}\n`;
    } else if (latest) {
      out += `${unmountContainer(store, latestContainer(store).id, { force: o.force === true })}\n`;
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
