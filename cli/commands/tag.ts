/**
 * berth tag SOURCE TARGET... — add names to an image (podman tag). A target without a
 * registry becomes localhost/NAME, one without a tag gets :latest. No output on success.
 */
import { tagImage } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g);
  try {
    tagImage(store, p.args[0]!, p.args.slice(1));
  } finally {
    store.close();
  }
  return 0;
}
