import { saveImages, type SaveFormat } from '../../src/index.js';
import { openStore, logProgress, usageError } from '../common.js';
import { stdoutArchive } from '../stdout-use.js';
import { progressOutput } from '../progress.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts as {
    output?: string;
    format: string;
    multiImageArchive?: boolean;
    quiet?: boolean;
    uncompressed?: boolean;
    progress?: string;
    signaturePolicy?: string;
  };
  if (o.output === undefined) {
    if (o.format === 'oci-dir' || o.format === 'docker-dir') throw usageError(`--format ${o.format} needs -o DIR`);
    if (process.stdout.isTTY) throw usageError('refusing to write an archive to a terminal', 'use -o FILE or redirect stdout');
  }
  const progress = progressOutput(o.progress, () => ({
    // an archive on stdout leaves stderr quiet, as podman's; archives hold no signatures
    onProgress: o.output !== undefined ? logProgress(o.quiet ?? false, { signatures: false }) : undefined,
  }));
  stdoutArchive.active = o.output === undefined;
  const store = openStore(g, 'read');
  try {
    await saveImages(store, {
      images: p.args,
      format: o.format as SaveFormat,
      output: o.output ?? process.stdout,
      multiImage: o.multiImageArchive,
      uncompressed: o.uncompressed,
      onProgress: progress.onProgress,
      signaturePolicy: o.signaturePolicy,
    });
  } catch (e) {
    progress.failed(e);
    throw e;
  } finally {
    store.close();
  }
  return 0;
}
