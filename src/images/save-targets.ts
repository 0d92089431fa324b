import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { formatReference } from '../reference/reference.js';
import { OciArchiveWriter } from '../transports/oci-archive/index.js';
import { OciLayoutWriter } from '../transports/oci/index.js';
import { DirDestination, parseDirRef } from '../transports/dir/index.js';
import type { SaveFormat, SaveTarget } from './save.js';

/** Save targets other than docker-archive (oci-archive, oci-dir, docker-dir). */
export async function openSaveTarget(format: SaveFormat, output: string | Writable): Promise<SaveTarget> {
  if (format === 'oci-archive') {
    return ociArchive(typeof output === 'string' ? await OciArchiveWriter.open(output) : await OciArchiveWriter.toStream(output));
  }
  if (typeof output !== 'string') throw new BerthError('INVALID_ARGUMENT', `--format ${format} writes a directory: give -o DIR`);
  if (format === 'oci-dir') {
    const w = await OciLayoutWriter.open(output);
    return {
      newDestination: (tags) => w.newDestination(tags[0] ? formatReference(tags[0]) : undefined),
      finish: () => w.finish(),
      abort: () => w.abort(),
    };
  }
  if (format === 'docker-dir') {
    let dest: DirDestination | undefined;
    return {
      newDestination: async () => (dest = await DirDestination.open(parseDirRef(output))),
      finish: async () => {},
      abort: async () => {
        await dest?.close();
      },
    };
  }
  throw new BerthError('INVALID_ARGUMENT', `unknown save format ${JSON.stringify(format)}`);
}

function ociArchive(w: OciArchiveWriter): SaveTarget {
  return {
    newDestination: (tags) => w.newDestination(tags[0] ? formatReference(tags[0]) : undefined),
    finish: () => w.finish(),
    abort: () => w.abort(),
  };
}
