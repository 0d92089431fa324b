/**
 * berth container exists CONTAINER — exit 0 if the container exists, 1 if not; no output.
 * Other failures (an ambiguous ID prefix, an unreadable store) are errors (exit 125).
 */
import { tryLookupContainer } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g, 'read');
  try {
    return tryLookupContainer(store, p.args[0]!) ? 0 : 1;
  } finally {
    store.close();
  }
}
