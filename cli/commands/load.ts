import { loadImages } from '../../src/index.js';
import { openStore, logProgress, usageError } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts as { input?: string; quiet?: boolean };
  if (!o.input && process.stdin.isTTY) throw usageError('cannot read an archive from a terminal', 'use -i FILE or redirect stdin');
  const store = openStore(g);
  try {
    const r = await loadImages(store, {
      input: o.input ?? process.stdin,
      inputName: o.input ?? 'stdin',
      onProgress: logProgress(o.quiet ?? false),
    });
    for (const n of r.names) process.stdout.write(`Loaded image: ${n}\n`);
  } finally {
    store.close();
  }
  return 0;
}
