/**
 * Verifying a simple signature under a signedBy requirement: the keys come from the
 * requirement (keyPath, keyPaths or keyData), the signature must verify against them, and its
 * payload must parse. What the signature claims (digest, identity) is returned for the policy
 * to check; nothing here decides whether the claim is acceptable.
 */
import { BerthError } from '../../errors.js';
import type { SignedClaim } from '../signature.js';
import { parseSimpleSigningPayload } from './payload.js';
import { readInputFile } from './read-file.js';
import { readPublicKeyring, verifySignedMessage, type PublicKeyring } from './openpgp.js';

/** Where a signedBy requirement's GPG keys come from: exactly one of these. */
export interface GPGKeySources {
  keyPath?: string;
  keyPaths?: string[];
  /** base64 of a keyring blob */
  keyData?: string;
}

export interface VerifiedSimpleSignature extends SignedClaim {
  /** Fingerprint of the primary key whose key made the signature. */
  keyFingerprint: string;
  creator?: string;
  timestamp?: number;
}

function readKeyFile(p: string): Buffer {
  return readInputFile(p, 'CONFIG', (why) => `reading GPG key file ${p}: ${why}`);
}

/** Load the public keys a signedBy requirement names. */
export async function loadGPGKeys(src: GPGKeySources): Promise<PublicKeyring> {
  const given = [src.keyPath !== undefined, src.keyPaths !== undefined, src.keyData !== undefined].filter(Boolean).length;
  if (given !== 1)
    throw new BerthError('CONFIG', 'Internal inconsistency: not exactly one of "keyPath", "keyPaths" and "keyData" specified');
  const ring: PublicKeyring = [];
  if (src.keyPath !== undefined) ring.push(...(await readPublicKeyring(readKeyFile(src.keyPath), src.keyPath)));
  for (const p of src.keyPaths ?? []) ring.push(...(await readPublicKeyring(readKeyFile(p), p)));
  if (src.keyData !== undefined) {
    const blob = Buffer.from(src.keyData, 'base64');
    ring.push(...(await readPublicKeyring(blob, 'keyData')));
  }
  if (ring.length === 0) throw new BerthError('CONFIG', 'No public keys imported');
  return ring;
}

/**
 * Verify one simple signature against a keyring (or the keys a requirement names) and return
 * what it claims. Throws INVALID_SIGNATURE (one line) for garbage, a key not in the ring, a
 * tampered or expired signature, a revoked or expired key, or a malformed payload.
 */
export async function verifySimpleSignature(sig: Uint8Array, keys: GPGKeySources | PublicKeyring): Promise<VerifiedSimpleSignature> {
  const ring = Array.isArray(keys) ? keys : await loadGPGKeys(keys);
  const m = await verifySignedMessage(sig, ring);
  const p = parseSimpleSigningPayload(m.content);
  return {
    dockerManifestDigest: p.dockerManifestDigest,
    dockerReference: p.dockerReference,
    keyFingerprint: m.primaryFingerprint,
    ...(p.creator !== undefined ? { creator: p.creator } : {}),
    ...(p.timestamp !== undefined ? { timestamp: p.timestamp } : {}),
  };
}
