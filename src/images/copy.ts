import { copyImage, type CopyOptions, type CopyResult } from '../copy/copy.js';
import { openDestinationByName, openSourceByName, type OpenContext } from '../transports/open.js';

export interface CopyByNameOptions extends Omit<CopyOptions, 'expectedDigest'> {
  context: OpenContext;
}

/**
 * skopeo-style copy between any two transports ("docker://...", "oci:DIR:tag", ...). Digests
 * are preserved whenever the destination accepts the source's manifest unchanged.
 */
export async function copyByName(src: string, dst: string, opts: CopyByNameOptions): Promise<CopyResult> {
  const source = await openSourceByName(src, opts.context);
  try {
    const opened = await openDestinationByName(dst, opts.context);
    try {
      const digest = source.ref.dockerReference?.digest;
      const r = await copyImage(source, opened.dest, { ...opts, expectedDigest: digest });
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
