import { Store, type StoreAccess } from '../src/local.js';
import type { GlobalOptions } from './main.js';

/**
 * Open the store of `--root` (or the default). `read` for commands that only read: they
 * then work on a read-only or full store too. (Kept apart from common.ts so that commands
 * without commander start fast.)
 */
export function openStore(g: GlobalOptions, access: StoreAccess = 'write'): Store {
  return Store.open({ ...(g.root !== undefined ? { root: g.root } : {}), access });
}
