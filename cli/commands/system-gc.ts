import { openStore } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g, 'free');
  try {
    const r = store.gc({ allPartials: !!p.opts.partials });
    process.stdout.write(`Removed ${r.removed} unreferenced blob(s), ${r.bytes} bytes\n`);
    process.stdout.write(`Removed ${r.partials.removed} partial download(s), ${r.partials.bytes} bytes\n`);
  } finally {
    store.close();
  }
  return 0;
}
