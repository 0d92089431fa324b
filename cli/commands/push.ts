import { pushImage } from '../../src/index.js';
import { command, openStore, parse, usageError } from '../common.js';
import { progressRenderer } from '../progress.js';
import { addRegistryFlags, lightRuntime, registryAccess } from '../registry-flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = addRegistryFlags(command('push', 'Push an image to a registry or any transport'))
    .argument('<image>', 'local image')
    .argument('[destination]', 'where to push: [docker://]REGISTRY/REPO[:TAG], oci:DIR, docker-archive:FILE ... (default: the image name)')
    .option('-f, --format <format>', 'manifest format: oci or v2s2')
    .option('--compression-format <format>', 'gzip or zstd')
    .option('--compression-level <n>', 'compression level (gzip 1-9, zstd 1-20)')
    .option('--force-compression', 'recompress layers that are compressed differently')
    .option('--digestfile <file>', 'write the manifest digest to this file')
    .option('--remove-signatures', 'do not copy signatures (berth stores none)')
    .option('--jobs <n>', 'layers uploaded at once')
    .option('-q, --quiet', 'suppress progress output');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  lightRuntime();
  const o = p.opts as Record<string, string | boolean | undefined>;
  if (o.format !== undefined && o.format !== 'oci' && o.format !== 'v2s2') throw usageError(`invalid --format ${JSON.stringify(o.format)}`, 'use oci or v2s2');
  const cf = o.compressionFormat as string | undefined;
  if (cf !== undefined && cf !== 'gzip' && cf !== 'zstd') throw usageError(`invalid --compression-format ${JSON.stringify(cf)}`, 'use gzip or zstd');
  const level = o.compressionLevel !== undefined ? Number(o.compressionLevel) : undefined;
  if (level !== undefined && !Number.isInteger(level)) throw usageError(`invalid --compression-level ${JSON.stringify(o.compressionLevel)}`);
  const jobs = o.jobs !== undefined ? Number(o.jobs) : undefined;
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw usageError(`invalid --jobs ${JSON.stringify(o.jobs)}`);
  const progress = progressRenderer({ quiet: !!o.quiet });
  const store = openStore(g);
  try {
    const [image, dest] = p.args as [string, string | undefined];
    const r = await pushImage(store, image, dest, {
      ...registryAccess(o), format: o.format as 'oci' | 'v2s2' | undefined, compressionFormat: cf as 'gzip' | 'zstd' | undefined,
      compressionLevel: level, forceCompression: !!o.forceCompression, digestfile: o.digestfile as string | undefined,
      removeSignatures: !!o.removeSignatures, parallel: jobs, onProgress: progress.onProgress,
    });
    progress.done();
    process.stdout.write(`${r.manifestDigest}\n`);
  } finally { store.close(); }
  return 0;
}
