/**
 * berth image exists IMAGE — exit 0 if the image is in the store, 1 if not; no output.
 * Other failures (a name that does not parse, an ambiguous ID prefix, an unreadable store) are
 * errors (exit 125).
 */
import { BerthError } from '../../src/errors.js';
import { lookupImage } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g, 'read');
  try {
    // (a manifest list exists as its stored image of this platform, as podman's lookup says)
    lookupImage(store, p.args[0]!);
    return 0;
  } catch (e) {
    // a name that cannot be parsed is an error, as podman's ("repository name must be lowercase", exit 125)
    if (e instanceof BerthError && e.code === 'IMAGE_NOT_FOUND') return 1;
    throw e;
  } finally {
    store.close();
  }
}
