import { abortable } from '../errors.js';
import { BerthError } from '../errors.js';
import { copyImage, type CopyOptions, type CopyResult } from '../copy/copy.js';
import { copyMultiImage, type CopyMultiResult } from '../copy/copy-multi.js';
import type { PlatformChoice } from '../platform/platform.js';
import type { ContextOptions } from '../config/context.js';
import { parseImageName } from '../transports/registry.js';
import { imageContext, retryProgress } from './context.js';
import { StoreBlobInfoCache } from '../store/blob-info-cache.js';
import { registryLocation } from '../copy/blob-info-cache.js';

export interface CopyByNameOptions extends Omit<CopyOptions, 'expectedDigest' | 'instance' | 'asInstance'> {
  /** Registry flags (registry / destRegistry), the store opener, the signature policy. */
  context: ContextOptions;
  /** Copy a list with every instance (skopeo --all); a single image is copied as it is. */
  all?: boolean;
  /** Copy a list with only these platforms' instances (the list is rewritten). */
  platforms?: PlatformChoice[];
}

/**
 * skopeo-style copy between any two transports ("docker://...", "oci:DIR:tag", ...). Digests
 * are preserved whenever the destination accepts the source's manifest unchanged.
 */
export async function copyByName(src: string, dst: string, opts: CopyByNameOptions): Promise<CopyResult | CopyMultiResult> {
  return abortable(opts.context.signal, () => copyByNameNow(src, dst, opts));
}

async function copyByNameNow(src: string, dst: string, opts: CopyByNameOptions): Promise<CopyResult | CopyMultiResult> {
  const { context, all, platforms, ...copyOpts } = opts;
  if (all && platforms) throw new BerthError('INVALID_ARGUMENT', 'copying all instances and a set of platforms are mutually exclusive');
  if (platforms && (copyOpts.platform?.os || copyOpts.platform?.arch))
    throw new BerthError('INVALID_ARGUMENT', 'a platform and a set of platforms are mutually exclusive');
  const ctx = imageContext({ ...context, onRetry: context.onRetry ?? retryProgress(copyOpts.onProgress) });
  const source = await parseImageName(src).newSource(ctx);
  try {
    const opened = await parseImageName(dst).newDestination(ctx);
    try {
      const digest = source.ref.dockerReference?.digest;
      // from the local store (opened already) to a registry: the store's blob info cache, as push
      const location = source.ref.transport === 'containers-storage' ? registryLocation(opened.dest.ref) : undefined;
      const blobInfoCache = copyOpts.blobInfoCache ?? (location ? new StoreBlobInfoCache(ctx.store(), location) : undefined);
      const common = { ...copyOpts, policy: copyOpts.policy ?? ctx.policy(), expectedDigest: digest, blobInfoCache };
      const r =
        all || platforms
          ? await copyMultiImage(source, opened.dest, { ...common, instances: all ? 'all' : platforms! })
          : await copyImage(source, opened.dest, common);
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
