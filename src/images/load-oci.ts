import { BerthError } from '../errors.js';
import type { ImageSource } from '../transports/types.js';

/**
 * Sources for every image in an oci-archive (already an uncompressed tar at `path`), with the
 * names to give them. Filled in by the oci-archive transport.
 */
export async function loadOciArchiveSources(path: string, what: string): Promise<{ src: ImageSource; names: string[] }[]> {
  void path;
  throw new BerthError('UNSUPPORTED', `${what}: loading oci-archive is not available yet`);
}
