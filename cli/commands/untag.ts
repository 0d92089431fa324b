/**
 * berth untag IMAGE [NAME...] — remove names from an image (podman untag); with no NAME,
 * every name. A NAME the image does not have is an error and nothing is removed.
 */
import { untagImage } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g);
  try {
    untagImage(store, p.args[0]!, p.args.slice(1));
  } finally {
    store.close();
  }
  return 0;
}
