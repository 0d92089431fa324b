import { command, openStore, parse } from '../common.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = command('system check', 'Check the store: every image\'s manifests, config and layers are present and match their digests')
    .option('--quick', 'check presence and sizes only, do not re-hash content')
    .option('-r, --repair', 'remove images that are damaged');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const o = p.opts as { quick?: boolean; repair?: boolean };
  const store = openStore(g);
  try {
    const r = await store.check({ quick: o.quick });
    for (const prob of r.problems) process.stdout.write(`${prob.message}\n`);
    if (o.repair && r.problems.length) {
      const ids = [...new Set(r.problems.map((x) => x.image).filter((x): x is string => !!x))];
      store.deleteImages(ids);
      const gc = store.gc();
      process.stdout.write(`Removed ${ids.length} damaged image(s), ${gc.removed} blob(s)\n`);
      return 0;
    }
    process.stdout.write(`Checked ${r.images} image(s), ${r.blobs} blob(s): ${r.problems.length ? `${r.problems.length} problem(s)` : 'no problems'}` +
      `${r.unreferencedBlobs ? `; ${r.unreferencedBlobs} unreferenced blob(s) ("berth system gc" removes them)` : ''}\n`);
    return r.problems.length ? 1 : 0;
  } finally { store.close(); }
}
