import { openStore } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g);
  try {
    const r = store.gc();
    process.stdout.write(`Removed ${r.removed} unreferenced blob(s), ${r.bytes} bytes\n`);
  } finally {
    store.close();
  }
  return 0;
}
