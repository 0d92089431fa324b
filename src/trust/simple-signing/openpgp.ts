/**
 * OpenPGP for simple signing, with the `openpgp` package: reading public keyrings (binary as
 * `gpg --export` writes them, or ASCII-armored) and verifying one signed message against them.
 * Semantics follow containers/image's signing mechanisms: exactly one signature, made by a key
 * of the keyring that is neither expired nor revoked now; the identity of a signature is the
 * uppercase fingerprint of the key that made it and of its primary key.
 */
import * as openpgp from 'openpgp';
import { BerthError } from '../../errors.js';

export type PublicKeyring = openpgp.Key[];

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim();
}

/** Read every public key of a keyring blob (binary or ASCII-armored; one key or many). */
export async function readPublicKeyring(blob: Uint8Array, what: string): Promise<PublicKeyring> {
  const text = Buffer.from(blob.subarray(0, 64)).toString('latin1');
  try {
    if (text.includes('-----BEGIN PGP')) {
      // several armored blocks may follow each other (keys exported one by one)
      const all = Buffer.from(blob).toString('utf8');
      const blocks = all.match(/-----BEGIN PGP [A-Z ]+-----[\s\S]*?-----END PGP [A-Z ]+-----/g) ?? [all];
      const keys: PublicKeyring = [];
      for (const b of blocks) keys.push(...(await openpgp.readKeys({ armoredKeys: b })));
      return keys;
    }
    return await openpgp.readKeys({ binaryKeys: blob });
  } catch (e) {
    throw new BerthError('INVALID_SIGNATURE', `${what} is not an OpenPGP public key or keyring: ${oneLine(e)}`, { subject: what });
  }
}

/** The uppercase fingerprints of the keyring's primary keys. */
export function keyringFingerprints(ring: PublicKeyring): string[] {
  return ring.map((k) => k.getFingerprint().toUpperCase());
}

export interface VerifiedMessage {
  /** The signed content. */
  content: Buffer;
  /** Fingerprint of the key (or subkey) that made the signature. */
  signingFingerprint: string;
  /** Fingerprint of its primary key. */
  primaryFingerprint: string;
}

function invalid(reason: string): BerthError {
  return new BerthError('INVALID_SIGNATURE', reason, { data: { reason } });
}

/** Parse an OpenPGP signed message (binary, as gpg --sign writes it, or armored). */
async function readSignedMessage(sig: Uint8Array): Promise<openpgp.Message<Uint8Array>> {
  if (sig.length === 0) throw invalid('The signature is empty');
  const head = Buffer.from(sig.subarray(0, 64)).toString('latin1');
  try {
    return head.includes('-----BEGIN PGP MESSAGE')
      ? ((await openpgp.readMessage({ armoredMessage: Buffer.from(sig).toString('utf8') })) as unknown as openpgp.Message<Uint8Array>)
      : await openpgp.readMessage({ binaryMessage: sig });
  } catch (e) {
    throw invalid(`The signature is not an OpenPGP message: ${oneLine(e)}`);
  }
}

/**
 * Verify `sig` (a signed message carrying its content) against `ring`. Throws INVALID_SIGNATURE
 * with a one-line reason: not a signed message, signed by a key not in the ring, tampered,
 * expired, or made by a key that is expired or revoked.
 */
export async function verifySignedMessage(sig: Uint8Array, ring: PublicKeyring): Promise<VerifiedMessage> {
  const message = await readSignedMessage(sig);
  let ids: openpgp.KeyID[];
  try {
    ids = message.getSigningKeyIDs();
  } catch (e) {
    throw invalid(`The signature is not an OpenPGP message: ${oneLine(e)}`);
  }
  if (ids.length === 0) throw invalid('The input is not a signature');
  let result: openpgp.VerifyMessageResult<Uint8Array>;
  try {
    result = await openpgp.verify({ message, verificationKeys: ring, format: 'binary', expectSigned: false });
  } catch (e) {
    throw invalid(`The signature cannot be read: ${oneLine(e)}`);
  }
  if (result.signatures.length !== 1) throw invalid(`Unexpected GPG signature count ${result.signatures.length}`);
  const s = result.signatures[0]!;
  const keyID = s.keyID.toHex().toUpperCase();
  const key = ring.find((k) => k.getKeys(s.keyID).length > 0);
  if (!key) throw invalid(`Key not found for key ID ${keyID} in signature`);
  try {
    await s.verified;
  } catch (e) {
    throw invalid(`Invalid GPG signature by key ID ${keyID}: ${oneLine(e)}`);
  }
  // The data is only trustworthy once the signature verified; read it after.
  const content = Buffer.from(result.data);
  const signing = key.getKeys(s.keyID)[0]!;
  // gpg rejects signatures of keys that are expired or revoked now, whenever they were made.
  const now = new Date();
  try {
    await key.verifyPrimaryKey(now);
    if (signing !== key) await (signing as openpgp.Subkey).verify(now);
  } catch (e) {
    throw invalid(`Invalid GPG signature by key ID ${keyID}: ${oneLine(e)}`);
  }
  return {
    content,
    signingFingerprint: signing.getFingerprint().toUpperCase(),
    primaryFingerprint: key.getFingerprint().toUpperCase(),
  };
}
