import { BerthError } from '../../errors.js';
import { type Digest, digestAlgorithm, digestHex, parseDigest } from '../../digest/digest.js';
import { resolve } from 'node:path';
import type { ImageReference, ImageSource, OpenedDestination } from '../types.js';
import { openedDestination } from '../opened.js';

/** "dir:PATH": containers/image's directory transport (the whole string is the path). */
export class DirRef implements ImageReference {
  readonly transport = 'dir' as const;
  constructor(readonly path: string) {
    if (path === '') throw new BerthError('INVALID_REFERENCE', 'invalid dir: reference: the path is empty');
    if (path.includes('\0')) throw new BerthError('INVALID_REFERENCE', 'invalid dir: reference: the path contains a NUL byte');
  }
  toString(): string {
    return `dir:${this.path}`;
  }
  policyScope(): string {
    return resolve(this.path);
  }
  async newSource(): Promise<ImageSource> {
    const { DirSource } = await import('./source.js');
    return DirSource.open(this);
  }
  async newDestination(): Promise<OpenedDestination> {
    const { DirDestination } = await import('./destination.js');
    return openedDestination(await DirDestination.open(this));
  }
}

/** Parse the part after "dir:". */
export function parseDirRef(s: string): DirRef {
  return new DirRef(s);
}

/** File name of a blob: the hex for sha256, "<alg>-<hex>" otherwise (digest validated first). */
export function dirBlobName(d: string): string {
  const dg: Digest = parseDigest(d, 'blob digest');
  const alg = digestAlgorithm(dg);
  return alg === 'sha256' ? digestHex(dg) : `${alg}-${digestHex(dg)}`;
}

/** "manifest.json", or "<blob name>.manifest.json" for an index instance. */
export function dirManifestName(instance?: string): string {
  return instance === undefined ? 'manifest.json' : `${dirBlobName(instance)}.manifest.json`;
}

/** "signature-N" (N from 1), or "<blob name>.signature-N" for an index instance. */
export function dirSignatureName(index: number, instance?: string): string {
  return instance === undefined ? `signature-${index + 1}` : `${dirBlobName(instance)}.signature-${index + 1}`;
}
