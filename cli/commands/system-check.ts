import { openStore } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts as { quick?: boolean; repair?: boolean };
  const store = openStore(g, o.repair ? 'write' : 'read');
  try {
    const r = await store.check({ quick: o.quick });
    for (const prob of r.problems) process.stdout.write(`${prob.message}\n`);
    if (o.repair && r.problems.length) {
      const rep = store.repair(r, { quick: o.quick });
      for (const id of rep.removedImages) process.stdout.write(`Removed damaged image ${id.slice(0, 12)}\n`);
      for (const id of rep.keptImages) process.stdout.write(`Kept image ${id.slice(0, 12)}: not damaged any more\n`);
      for (const [from, to] of rep.quarantined) process.stdout.write(`Moved ${from} to ${to}\n`);
      process.stdout.write(`Removed ${rep.removedImages.length} damaged image(s), ${rep.removedBlobs} blob(s)\n`);
      if (rep.remaining.length === 0) return 0;
      for (const prob of rep.remaining) process.stdout.write(`not repaired: ${prob.message}\n`);
      process.stdout.write(`${rep.remaining.length} problem(s) remain\n`);
      return 1;
    }
    process.stdout.write(
      `Checked ${r.images} image(s), ${r.blobs} blob(s): ${r.problems.length ? `${r.problems.length} problem(s)` : 'no problems'}` +
        `${r.unreferencedBlobs ? `; ${r.unreferencedBlobs} unreferenced blob(s) ("berth system gc" removes them)` : ''}\n`,
    );
    return r.problems.length ? 1 : 0;
  } finally {
    store.close();
  }
}
