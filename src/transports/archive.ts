import { BerthError } from '../errors.js';
import { indexTarFile, TarMembers } from '../util/tar.js';
import type { ImageSource } from './types.js';
import { lastCloses, type NamedSource } from './opened.js';
import { DockerArchiveReader, DockerArchiveRef, DockerArchiveSource } from './docker-archive/reader.js';
import { openOciArchiveImages } from './oci-archive/open.js';

/**
 * Every image of an image archive (an uncompressed tar at `path`), whichever archive transport
 * wrote it: docker-archive when it has manifest.json, oci-archive when it has index.json and
 * oci-layout. The sources share one reader, which the last of them closes.
 */
export async function openArchiveImages(path: string, what: string): Promise<NamedSource[]> {
  const members = archiveMembers(path, what);
  if (members.has('manifest.json')) {
    const reader = await DockerArchiveReader.open(path, what);
    const out = reader.images.map((img) => ({
      src: new DockerArchiveSource(new DockerArchiveRef(what, { index: img.index }), reader, img, false) as ImageSource,
      names: img.localNames,
    }));
    return lastCloses(out, () => reader.close());
  }
  if (members.has('index.json') && members.has('oci-layout')) return openOciArchiveImages(path, what);
  throw unsupportedPayload([
    `oci-archive: ${what}: no ${members.has('index.json') ? 'oci-layout' : 'index.json'} in the archive`,
    `docker-archive: ${what}: no manifest.json in the archive`,
  ]);
}

/** podman's words when an input is neither archive format, with the reason for each format. */
function unsupportedPayload(reasons: string[]): BerthError {
  return new BerthError(
    'INVALID_ARCHIVE',
    `payload does not match any of the supported image formats:\n${reasons.map((r) => ` * ${r}`).join('\n')}`,
  );
}

function archiveMembers(file: string, what: string): TarMembers {
  try {
    return new TarMembers(indexTarFile(file, what), what);
  } catch (e) {
    // not a tar at all (a truncated or damaged tar keeps its own message)
    if (!(e instanceof BerthError) || e.data?.notTar !== true) throw e;
    throw unsupportedPayload([`oci-archive: ${e.message}`, `docker-archive: ${e.message}`]);
  }
}
