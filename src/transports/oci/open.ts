import { DirLayoutFiles } from './layout-files.js';
import { OciLayoutReader, type OciImageEntry } from './reader.js';
import { OciRef } from './ref.js';
import { OciSource } from './source.js';
import type { ImageRef } from '../types.js';

/** Open and validate an OCI layout directory. Close the reader when done (after its sources). */
export async function openOciLayout(dir: string): Promise<OciLayoutReader> {
  const what = `oci:${dir}`;
  const files = await DirLayoutFiles.open(dir, what);
  return OciLayoutReader.open(files, {
    chooseHint: (ex) => `add ":NAME" or ":@INDEX" to the reference, e.g. "${what}:${ex}"`,
    indexSyntax: true,
    refFor: (e) => new OciRef(dir, undefined, e.index),
  });
}

/** The images (index.json entries) of an OCI layout directory. */
export async function listOciImages(dir: string): Promise<OciImageEntry[]> {
  const r = await openOciLayout(dir);
  try {
    return r.images();
  } finally {
    await r.close();
  }
}

/** A source for "oci:DIR[:REF]" (REF matched against the ref name annotation; none: the only image). */
export async function openOciSource(ref: OciRef): Promise<OciSource> {
  return ownedSource(await openOciLayout(ref.dir), ref);
}

/** A source for the image `ref` selects; it owns the reader (closed with it, or now on failure). */
export async function ownedSource(reader: OciLayoutReader, ref: ImageRef & { image?: string; sourceIndex?: number }): Promise<OciSource> {
  try {
    const entry = reader.select({ image: ref.image, sourceIndex: ref.sourceIndex });
    return new OciSource(ref, reader, entry, true);
  } catch (e) {
    await reader.close();
    throw e;
  }
}
