import { loadImages } from '../../src/index.js';
import { command, openStore, parse, logProgress, usageError } from '../common.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = command('load', 'Load images from a docker-archive or oci-archive (file or stdin; gzip, zstd, xz or bzip2 compressed allowed)')
    .option('-i, --input <file>', 'read from this archive instead of stdin')
    .option('-q, --quiet', 'suppress progress output');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const o = p.opts as { input?: string; quiet?: boolean };
  if (!o.input && process.stdin.isTTY) throw usageError('cannot read an archive from a terminal', 'use -i FILE or redirect stdin');
  const store = openStore(g);
  try {
    const r = await loadImages(store, { input: o.input ?? process.stdin, inputName: o.input ?? 'stdin', onProgress: logProgress(o.quiet ?? false) });
    for (const n of r.names) process.stdout.write(`Loaded image: ${n}\n`);
  } finally { store.close(); }
  return 0;
}
