import { abortable } from '../errors.js';
import { copyImage, type CopyOptions, type CopyResult } from '../copy/copy.js';
import type { ContextOptions } from '../config/context.js';
import { parseImageName } from '../transports/registry.js';
import { imageContext } from './context.js';

export interface CopyByNameOptions extends Omit<CopyOptions, 'expectedDigest'> {
  /** Registry flags (registry / destRegistry), the store opener, the signature policy. */
  context: ContextOptions;
}

/**
 * skopeo-style copy between any two transports ("docker://...", "oci:DIR:tag", ...). Digests
 * are preserved whenever the destination accepts the source's manifest unchanged.
 */
export async function copyByName(src: string, dst: string, opts: CopyByNameOptions): Promise<CopyResult> {
  return abortable(opts.context.signal, () => copyByNameNow(src, dst, opts));
}

async function copyByNameNow(src: string, dst: string, opts: CopyByNameOptions): Promise<CopyResult> {
  const { context, ...copyOpts } = opts;
  const ctx = imageContext(context);
  const source = await parseImageName(src).newSource(ctx);
  try {
    const opened = await parseImageName(dst).newDestination(ctx);
    try {
      const digest = source.ref.dockerReference?.digest;
      const r = await copyImage(source, opened.dest, { ...copyOpts, policy: copyOpts.policy ?? ctx.policy(), expectedDigest: digest });
      await opened.dest.close();
      await opened.finish();
      return r;
    } catch (e) {
      await opened.dest.close().catch(() => {});
      await opened.abort().catch(() => {});
      throw e;
    }
  } finally {
    await source.close();
  }
}
