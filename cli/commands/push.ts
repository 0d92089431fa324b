import { pushImage } from '../../src/index.js';
import { openStore, usageError, manifestFormat } from '../common.js';
import { progressOutput, progressRenderer } from '../progress.js';
import { signersFromFlags } from '../signing.js';
import { checkAuthFile, lightRuntime, registryAccess } from '../registry-flags.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  lightRuntime();
  const o = p.opts;
  checkAuthFile(o);
  const cf = o.compressionFormat as string | undefined;
  const level = o.compressionLevel as number | undefined;
  if (level !== undefined) {
    // checked before any transfer (a compressor rejects a bad level only when it starts)
    const [lo, hi] = cf === 'zstd' ? [1, 20] : [1, 9];
    if (level < lo || level > hi)
      throw usageError(`invalid argument "${level}" for "--compression-level" flag: ${cf ?? 'gzip'} levels are ${lo} to ${hi}`);
  }
  const jobs = o.jobs as number | undefined;
  const signers = await signersFromFlags(o);
  const progress = progressOutput(o.progress, () => progressRenderer({ quiet: !!o.quiet, signatures: !o.removeSignatures }));
  const store = openStore(g, 'read');
  try {
    const [image, dest] = p.args as [string, string | undefined];
    const r = await pushImage(store, image, dest, {
      ...registryAccess(o),
      format: manifestFormat(o.format as string | undefined),
      compressionFormat: cf as 'gzip' | 'zstd' | undefined,
      compressionLevel: level,
      forceCompression: !!o.forceCompression,
      digestfile: o.digestfile as string | undefined,
      removeSignatures: !!o.removeSignatures,
      signaturePolicy: o.signaturePolicy as string | undefined,
      signers,
      parallel: jobs,
      onProgress: progress.onProgress,
    });
    progress.done();
    process.stdout.write(`${r.manifestDigest}\n`);
  } catch (e) {
    progress.failed(e);
    throw e;
  } finally {
    store.close();
  }
  return 0;
}
