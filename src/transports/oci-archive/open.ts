import type { Readable } from 'node:stream';
import { OciLayoutReader, type OciImageEntry } from '../oci/reader.js';
import type { OciSource } from '../oci/source.js';
import { ownedSource } from '../oci/open.js';
import { OciArchiveRef } from './ref.js';
import { parseNormalizedReference, formatReference } from '../../reference/reference.js';
import { lastCloses, type NamedSource } from '../opened.js';
import { TarLayoutFiles } from './tar-files.js';

/**
 * Open and validate an oci-archive (a path, or a stream such as stdin; compressed allowed).
 * The reader lists the images and opens sources for them; close it after its sources.
 */
export async function openOciArchive(input: string | Readable, name = typeof input === 'string' ? input : '-'): Promise<OciLayoutReader> {
  const what = `oci-archive:${name}`;
  const files = await TarLayoutFiles.open(input, what);
  return OciLayoutReader.open(files, {
    chooseHint: (ex) => `add ":NAME" to the reference, e.g. "${what}:${ex}"`,
    indexSyntax: false,
    refFor: (e) => new OciArchiveRef(name, undefined, e.index),
  });
}

/** The images (index.json entries) of an oci-archive. */
export async function listOciArchiveImages(input: string | Readable): Promise<OciImageEntry[]> {
  const r = await openOciArchive(input);
  try {
    return r.images();
  } finally {
    await r.close();
  }
}

/** A source for "oci-archive:PATH[:REF]"; it owns (and on close cleans up) the archive reader. */
export async function openOciArchiveSource(ref: OciArchiveRef): Promise<OciSource> {
  return ownedSource(await openOciArchive(ref.path), ref);
}

/**
 * Sources for every image of an oci-archive (an uncompressed tar at `path`), named after their
 * `org.opencontainers.image.ref.name` annotation when it is a full reference; a bare tag or no
 * annotation leaves the image unnamed. The last source closes the shared reader.
 */
export async function openOciArchiveImages(path: string, what: string): Promise<NamedSource[]> {
  const reader = await openOciArchive(path, what);
  const out = reader.images().map((e): NamedSource => {
    let names: string[] = [];
    if (e.refName && /[/:]/.test(e.refName)) {
      try {
        const r = parseNormalizedReference(e.refName);
        if (!r.digest) names = [formatReference(r.tag ? r : { ...r, tag: 'latest' })];
      } catch {
        /* not a reference: unnamed */
      }
    }
    return { src: reader.openSource(e.index), names };
  });
  return lastCloses(out, () => reader.close());
}
