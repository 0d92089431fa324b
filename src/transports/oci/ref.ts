import { BerthError } from '../../errors.js';
import { resolve } from 'node:path';
import type { ImageReference, ImageSource, OpenedDestination } from '../types.js';
import { openedDestination } from '../opened.js';

/** The index.json annotation naming an image (image-spec "org.opencontainers.image.ref.name"). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

// image-spec ref.name grammar, as containers/image validates it: components of alphanumerics
// joined by one of -._:@+ (or "--"), components separated by "/".
const REF_COMPONENT = '(?:[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)';
const REF_NAME_RE = new RegExp(`^${REF_COMPONENT}(?:/${REF_COMPONENT})*$`);

/** Is `name` usable as an oci ref name ("" meaning none)? */
export function isValidRefName(name: string): boolean {
  return name === '' || REF_NAME_RE.test(name);
}

/**
 * Split "PATH[:IMAGE]" at the first colon, as containers/image does on POSIX: the path part
 * therefore never contains a colon, and everything after it is the image part.
 */
export function splitPathAndImage(s: string): { path: string; image: string } {
  const i = s.indexOf(':');
  return i < 0 ? { path: s, image: '' } : { path: s.slice(0, i), image: s.slice(i + 1) };
}

function badRef(transport: string, input: string, why: string): BerthError {
  const shown = input.length > 200 ? input.slice(0, 197) + '...' : input;
  return new BerthError('INVALID_REFERENCE', `invalid ${transport}: reference ${JSON.stringify(shown)}: ${why}`);
}

/** Validate the pieces shared by oci: and oci-archive: references. */
export function checkPathAndImage(transport: string, input: string, path: string, image: string): void {
  if (path === '') throw badRef(transport, input, 'the path is empty');
  if (path.includes('\0')) throw badRef(transport, input, 'the path contains a NUL byte');
  if (!isValidRefName(image)) throw badRef(transport, input, `invalid image name ${JSON.stringify(image)}`);
}

/**
 * "oci:DIR[:REF]" or "oci:DIR:@N" (N-th entry of index.json, sources only). Cheap value:
 * no I/O until a source or destination is opened.
 */
export class OciRef implements ImageReference {
  readonly transport = 'oci' as const;
  /** REF: the ref name to match/write; undefined when not given. */
  readonly image?: string;
  /** Zero-based index into index.json's manifests (sources only). */
  readonly sourceIndex?: number;

  constructor(
    readonly dir: string,
    image?: string,
    sourceIndex?: number,
  ) {
    checkPathAndImage('oci', dir, dir, image ?? '');
    if (sourceIndex !== undefined && (!Number.isSafeInteger(sourceIndex) || sourceIndex < 0)) {
      throw badRef('oci', `${dir}:@${sourceIndex}`, 'the source index must be a non-negative integer');
    }
    if (sourceIndex !== undefined && image) throw badRef('oci', `${dir}:${image}`, 'cannot use both an image name and a source index');
    if (image) this.image = image;
    if (sourceIndex !== undefined) this.sourceIndex = sourceIndex;
  }

  toString(): string {
    if (this.sourceIndex !== undefined) return `oci:${this.dir}:@${this.sourceIndex}`;
    return this.image ? `oci:${this.dir}:${this.image}` : `oci:${this.dir}`;
  }

  policyScope(): string {
    return resolve(this.dir);
  }
  async newSource(): Promise<ImageSource> {
    const { openOciSource } = await import('./open.js');
    return openOciSource(this);
  }
  async newDestination(): Promise<OpenedDestination> {
    const { openOciDestination } = await import('./writer.js');
    return openedDestination(await openOciDestination(this));
  }
}

/** Parse the part after "oci:". "@N" selects the N-th (zero-based) manifest of index.json. */
export function parseOciRef(s: string): OciRef {
  const { path, image } = splitPathAndImage(s);
  if (image.startsWith('@')) {
    const n = image.slice(1);
    if (!/^[0-9]+$/.test(n) || !Number.isSafeInteger(Number(n)))
      throw badRef('oci', s, `invalid source index ${JSON.stringify(image)}: expected @ followed by a non-negative integer`);
    checkPathAndImage('oci', s, path, '');
    return new OciRef(path, undefined, Number(n));
  }
  checkPathAndImage('oci', s, path, image);
  return new OciRef(path, image || undefined);
}
