/** berth rename / container rename CONTAINER NAME — podman rename (prints nothing). */
import { renameContainer } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g);
  try {
    renameContainer(store, p.args[0]!, p.args[1]!);
  } finally {
    store.close();
  }
  return 0;
}
