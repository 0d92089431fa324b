import { defaultStoreRoot } from '../../src/local.js';
import { recoverStore } from '../../src/index.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(_p: Parsed, g: GlobalOptions): Promise<number> {
  // no Store.open: the index may be missing or unreadable, which is what this command is for
  const r = await recoverStore(g.root ?? defaultStoreRoot());
  for (const s of r.skipped) process.stdout.write(`skipped manifest ${s.digest}: ${s.reason}\n`);
  if (r.previousIndex) process.stdout.write(`The unreadable index was kept as ${r.previousIndex}\n`);
  process.stdout.write(`Recovered ${r.images} image(s), ${r.names} name(s)\n`);
  if (r.lists || r.signatures) process.stdout.write(`Recovered ${r.lists} manifest list(s), ${r.signatures} signature(s)\n`);
  return 0;
}
