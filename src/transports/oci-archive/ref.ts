import { BerthError } from '../../errors.js';
import { checkPathAndImage, splitPathAndImage } from '../oci/ref.js';
import { resolve } from 'node:path';
import type { ImageReference, ImageSource, OpenedDestination } from '../types.js';

/**
 * "oci-archive:PATH[:REF]": a tar (possibly compressed, when reading) of an OCI layout.
 * `sourceIndex` selects the n-th index.json entry; it has no string syntax (as in
 * containers/image) and is set by readers listing a multi-image archive.
 */
export class OciArchiveRef implements ImageReference {
  readonly transport = 'oci-archive' as const;
  readonly image?: string;
  readonly sourceIndex?: number;

  constructor(
    readonly path: string,
    image?: string,
    sourceIndex?: number,
  ) {
    checkPathAndImage('oci-archive', path, path, image ?? '');
    if (sourceIndex !== undefined && (!Number.isSafeInteger(sourceIndex) || sourceIndex < 0)) {
      throw new BerthError('INVALID_REFERENCE', `invalid oci-archive: source index ${sourceIndex}: must be a non-negative integer`);
    }
    if (sourceIndex !== undefined && image)
      throw new BerthError(
        'INVALID_REFERENCE',
        `invalid oci-archive: reference ${JSON.stringify(`${path}:${image}`)}: cannot use both an image name and a source index`,
      );
    if (image) this.image = image;
    if (sourceIndex !== undefined) this.sourceIndex = sourceIndex;
  }

  toString(): string {
    if (this.sourceIndex !== undefined) return `oci-archive:${this.path} (image ${this.sourceIndex + 1})`;
    return this.image ? `oci-archive:${this.path}:${this.image}` : `oci-archive:${this.path}`;
  }

  policyScope(): string {
    return resolve(this.path);
  }
  async newSource(): Promise<ImageSource> {
    const { openOciArchiveSource } = await import('./open.js');
    return openOciArchiveSource(this);
  }
  async newDestination(): Promise<OpenedDestination> {
    const { OciArchiveWriter } = await import('./writer.js');
    const w = await OciArchiveWriter.open(this.path);
    return { dest: w.newDestination(this.image), finish: () => w.finish(), abort: () => w.abort() };
  }
}

/** Parse the part after "oci-archive:": PATH, then everything after the first colon is REF. */
export function parseOciArchiveRef(s: string): OciArchiveRef {
  const { path, image } = splitPathAndImage(s);
  checkPathAndImage('oci-archive', s, path, image);
  return new OciArchiveRef(path, image || undefined);
}
