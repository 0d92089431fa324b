import { createHash } from 'node:crypto';
import { BerthError } from '../errors.js';

/** A validated content digest, "algorithm:hex". Only construct through parseDigest/digestOf. */
export type Digest = string & { readonly __digest: unique symbol };

const HEX_LEN: Record<string, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/**
 * Validate a digest string before any use (as a path, URL or key). Rejects unknown
 * algorithms, wrong lengths, uppercase hex and path tricks like "sha256:../../x".
 */
export function parseDigest(s: unknown, what = 'digest'): Digest {
  if (typeof s !== 'string') throw new BerthError('INVALID_DIGEST', `invalid ${what}: not a string`);
  const m = DIGEST_RE.exec(s);
  if (!m) throw new BerthError('INVALID_DIGEST', `invalid ${what} ${JSON.stringify(truncate(s))}: expected "sha256:<64 lowercase hex>"`);
  const [, alg, hex] = m;
  const len = HEX_LEN[alg!];
  if (len === undefined)
    throw new BerthError('INVALID_DIGEST', `invalid ${what} ${JSON.stringify(truncate(s))}: unsupported algorithm ${JSON.stringify(alg)}`);
  if (hex!.length !== len || !/^[a-f0-9]+$/.test(hex!)) {
    throw new BerthError('INVALID_DIGEST', `invalid ${what} ${JSON.stringify(truncate(s))}: ${alg} needs ${len} lowercase hex characters`);
  }
  return s as Digest;
}

export function isDigest(s: unknown): s is Digest {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

export function digestAlgorithm(d: Digest): string {
  return d.slice(0, d.indexOf(':'));
}
export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** sha256 of in-memory bytes (manifests, configs). */
export function digestOf(data: Uint8Array | string, algorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}` as Digest;
}

/** Does `data` hash to `d` (using d's algorithm)? */
export function matchesDigest(data: Uint8Array, d: Digest): boolean {
  return digestOf(data, digestAlgorithm(d)) === d;
}

function truncate(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
