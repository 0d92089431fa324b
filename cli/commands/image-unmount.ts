/**
 * berth image unmount|umount IMAGE... — podman image unmount: one mount less for each image
 * (the tree is removed with the last one; `--force` removes it whatever the count); prints
 * the ID of each image that was mounted. `--all` unmounts every mounted image.
 */
import { unmountImages } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { usageError } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const all = p.flags.all === true;
  if (p.args.length === 0 && !all) throw usageError('image name or ID must be specified');
  if (all && p.args.length > 0) throw usageError('when using the --all switch, you may not pass any image names or IDs');
  const store = openStore(g);
  let done;
  try {
    done = unmountImages(store, p.args, { all, force: p.flags.force === true });
  } finally {
    store.close();
  }
  process.stdout.write(done.map((d) => `${d.id}\n`).join(''));
  return 0;
}
