import { saveImages, type SaveFormat } from '../../src/index.js';
import { command, openStore, parse, logProgress, usageError } from '../common.js';
import type { GlobalOptions } from '../main.js';

const FORMATS = ['docker-archive', 'oci-archive', 'oci-dir', 'docker-dir'];

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = command('save', 'Save images to an archive or directory')
    .argument('<image...>', 'images to save (without -m, further names are extra tags of the first)')
    .option('-o, --output <path>', 'write to this file or directory (default: stdout, archives only)')
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'docker-archive')
    .option('-m, --multi-image-archive', 'store several images in one archive')
    .option('--uncompressed', 'accepted for compatibility (layers are always written uncompressed)')
    .option('-q, --quiet', 'suppress progress output');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const o = p.opts as { output?: string; format: string; multiImageArchive?: boolean; quiet?: boolean };
  if (!FORMATS.includes(o.format)) throw usageError(`unknown --format ${JSON.stringify(o.format)}`, `use one of ${FORMATS.join(', ')}`);
  if (o.output === undefined) {
    if (o.format === 'oci-dir' || o.format === 'docker-dir') throw usageError(`--format ${o.format} needs -o DIR`);
    if (process.stdout.isTTY) throw usageError('refusing to write an archive to a terminal', 'use -o FILE or redirect stdout');
  }
  const store = openStore(g);
  try {
    await saveImages(store, {
      images: p.args, format: o.format as SaveFormat, output: o.output ?? process.stdout, multiImage: o.multiImageArchive,
      onProgress: o.output !== undefined ? logProgress(o.quiet ?? false) : undefined,
    });
  } finally { store.close(); }
  return 0;
}
