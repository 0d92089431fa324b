import { command, openStore, parse } from '../common.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = command('system gc', 'Remove blobs that no image references');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const store = openStore(g);
  try {
    const r = store.gc();
    process.stdout.write(`Removed ${r.removed} unreferenced blob(s), ${r.bytes} bytes\n`);
  } finally { store.close(); }
  return 0;
}
