import { loadImages } from '../../src/index.js';
import { openStore, logProgress, usageError } from '../common.js';
import { progressOutput } from '../progress.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts as { input?: string; quiet?: boolean; progress?: string; signaturePolicy?: string };
  if (!o.input && process.stdin.isTTY) throw usageError('cannot read an archive from a terminal', 'use -i FILE or redirect stdin');
  const progress = progressOutput(o.progress, () => ({ onProgress: logProgress(o.quiet ?? false) }));
  const store = openStore(g);
  try {
    const r = await loadImages(store, {
      input: o.input ?? process.stdin,
      inputName: o.input ?? 'stdin',
      onProgress: progress.onProgress,
      signaturePolicy: o.signaturePolicy,
    });
    for (const n of r.names) process.stdout.write(`Loaded image: ${n}\n`);
  } catch (e) {
    progress.failed(e);
    throw e;
  } finally {
    store.close();
  }
  return 0;
}
