import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import type { SaveFormat, SaveTarget } from './save.js';

/** Save targets other than docker-archive (oci-archive, oci-dir, docker-dir). */
export async function openSaveTarget(format: SaveFormat, output: string | Writable): Promise<SaveTarget> {
  void output;
  throw new BerthError('UNSUPPORTED', `save --format ${format} is not available yet`);
}
