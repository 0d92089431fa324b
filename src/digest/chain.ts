import { createHash } from 'node:crypto';
import type { Digest } from './digest.js';

/** Docker-style chain IDs: chain(0) = diffID(0), chain(n) = sha256(chain(n-1) + " " + diffID(n)). */
export function chainIDs(diffIDs: Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev ? (`sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` as Digest) : d);
  }
  return out;
}
