/**
 * Sigstore (cosign) key files: a PEM "PUBLIC KEY" (PKIX) and an encrypted private key, a PEM
 * block whose body is a JSON envelope {kdf: scrypt(salt, N, r, p), cipher: nacl/secretbox(nonce),
 * ciphertext} around the PKCS#8 DER private key — the format of go-securesystemslib's
 * `encrypted` package, which cosign, containers/image, podman and skopeo read.
 *
 * New keys are ECDSA P-256 (the only scheme cosign requires verifiers to support), written with
 * the PEM type "ENCRYPTED COSIGN PRIVATE KEY" and scrypt N=32768: the newer
 * "ENCRYPTED SIGSTORE PRIVATE KEY" type and larger N are read here but refused by released
 * tools that are still in use, so writing them would make keys other tools cannot load.
 */
import * as crypto from 'node:crypto';
import { BerthError } from '../../errors.js';
import { secretboxOpen, secretboxSeal, SECRETBOX_KEY_BYTES, SECRETBOX_NONCE_BYTES } from './secretbox.js';

export const COSIGN_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';
export const SIGSTORE_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
/** The parameter sets readers accept (legacy, standard, OWASP); anything else could be a denial of service. */
const ACCEPTED_SCRYPT: ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];
const WRITE_SCRYPT = ACCEPTED_SCRYPT[0]!;

function scryptKey(passphrase: Buffer, salt: Buffer, p: ScryptParams): Buffer {
  // scrypt needs 128*N*r bytes; Node's default cap (32 MiB) is exactly the legacy size.
  return crypto.scryptSync(passphrase, salt, SECRETBOX_KEY_BYTES, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 });
}

/** PEM armour: 64-column base64 between BEGIN/END lines (Go's encoding/pem). */
export function pemEncode(type: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** Every PEM block in `text`, in order (headers are not supported, as in the files cosign writes). */
export function pemDecodeAll(text: string): Array<{ type: string; der: Buffer }> {
  const out: Array<{ type: string; der: Buffer }> = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue;
    out.push({ type: m[1]!, der: Buffer.from(body, 'base64') });
  }
  return out;
}

/** Encrypt `plaintext` under `passphrase` into the securesystemslib JSON envelope. */
export function encryptWithPassphrase(plaintext: Buffer, passphrase: Buffer): Buffer {
  const salt = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(SECRETBOX_NONCE_BYTES);
  const key = scryptKey(passphrase, salt, WRITE_SCRYPT);
  const ciphertext = secretboxSeal(plaintext, nonce, key);
  // Go's encoding/json output for that struct: field order as declared, []byte as base64.
  return Buffer.from(
    JSON.stringify({
      kdf: { name: 'scrypt', params: WRITE_SCRYPT, salt: salt.toString('base64') },
      cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
      ciphertext: ciphertext.toString('base64'),
    }),
  );
}

function envelopeError(file: string, why: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `${file}: not a sigstore private key: ${why}`);
}

/** Decrypt a securesystemslib envelope; a wrong passphrase is an error saying so. */
export function decryptWithPassphrase(envelope: Buffer, passphrase: Buffer, file: string): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(envelope.toString('utf8'));
  } catch {
    throw envelopeError(file, 'the encrypted key is not JSON');
  }
  const d = doc as {
    kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
    cipher?: { name?: unknown; nonce?: unknown };
    ciphertext?: unknown;
  };
  if (d?.kdf?.name !== 'scrypt') throw envelopeError(file, `unknown kdf name ${JSON.stringify(d?.kdf?.name)}`);
  if (d.cipher?.name !== 'nacl/secretbox') throw envelopeError(file, `unknown cipher name ${JSON.stringify(d.cipher?.name)}`);
  const p = d.kdf.params;
  const params = ACCEPTED_SCRYPT.find((a) => a.N === p?.N && a.r === p?.r && a.p === p?.p);
  if (!params) throw envelopeError(file, 'unsupported scrypt parameters');
  const b64 = (v: unknown, what: string): Buffer => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw envelopeError(file, `${what} is not base64`);
    return Buffer.from(v, 'base64');
  };
  const salt = b64(d.kdf.salt, 'salt');
  const nonce = b64(d.cipher.nonce, 'nonce');
  const ciphertext = b64(d.ciphertext, 'ciphertext');
  if (nonce.length !== SECRETBOX_NONCE_BYTES) throw envelopeError(file, 'incorrect nonce size');
  const plain = secretboxOpen(ciphertext, nonce, scryptKey(passphrase, salt, params));
  if (!plain)
    throw new BerthError('INVALID_ARGUMENT', `${file}: cannot decrypt the private key: wrong passphrase or damaged key`, {
      hint: 'give the passphrase the key was created with (--sign-passphrase-file)',
    });
  return plain;
}

export interface SigstoreKeyPair {
  /** PEM "PUBLIC KEY" (PKIX). */
  publicKey: string;
  /** PEM "ENCRYPTED COSIGN PRIVATE KEY". */
  privateKey: string;
}

/** A new ECDSA P-256 key pair, the private half encrypted with `passphrase` (as `skopeo generate-sigstore-key`). */
export function generateSigstoreKeyPair(passphrase: Buffer): SigstoreKeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pemEncode(COSIGN_PRIVATE_KEY_PEM_TYPE, encryptWithPassphrase(pkcs8, passphrase)),
  };
}

/** Load an encrypted cosign/sigstore private key (ECDSA, RSA or Ed25519 inside). */
export function loadSigstorePrivateKey(pem: string, passphrase: Buffer, file: string): crypto.KeyObject {
  const blocks = pemDecodeAll(pem);
  if (blocks.length === 0) throw envelopeError(file, 'invalid pem block');
  const block = blocks[0]!;
  if (block.type !== SIGSTORE_PRIVATE_KEY_PEM_TYPE && block.type !== COSIGN_PRIVATE_KEY_PEM_TYPE)
    throw envelopeError(file, `unsupported pem type: ${block.type}`);
  const der = decryptWithPassphrase(block.der, passphrase, file);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw envelopeError(file, `parsing private key: ${(e as Error).message}`);
  }
  if (!['ec', 'rsa', 'ed25519'].includes(key.asymmetricKeyType ?? ''))
    throw envelopeError(file, `unsupported key type ${key.asymmetricKeyType}`);
  return key;
}

/**
 * A public key from PEM as sigstore's cryptoutils reads it: "PUBLIC KEY" (PKIX) or
 * "RSA PUBLIC KEY" (PKCS#1); ECDSA, RSA or Ed25519.
 */
export function parseSigstorePublicKey(pem: string | Buffer, what: string): crypto.KeyObject {
  const blocks = pemDecodeAll(pem.toString());
  const block = blocks[0];
  if (!block) throw new BerthError('CONFIG', `${what}: PEM decoding failed`);
  let key: crypto.KeyObject;
  try {
    if (block.type === 'PUBLIC KEY') key = crypto.createPublicKey({ key: block.der, format: 'der', type: 'spki' });
    else if (block.type === 'RSA PUBLIC KEY') key = crypto.createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
    else
      throw new BerthError('CONFIG', `${what}: unknown Public key PEM file type: ${block.type}. Are you passing the correct public key?`);
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('CONFIG', `${what}: ${(e as Error).message}`);
  }
  if (!['ec', 'rsa', 'ed25519'].includes(key.asymmetricKeyType ?? ''))
    throw new BerthError('CONFIG', `${what}: unsupported public key type ${key.asymmetricKeyType}`);
  return key;
}

/** Sign as sigstore's signers do: ECDSA and RSA (PKCS#1 v1.5) over SHA-256, Ed25519 over the message. */
export function signMessage(key: crypto.KeyObject, message: Buffer): Buffer {
  return crypto.sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', message, key);
}

/** Verify as sigstore's verifiers do (ASN.1 DER ECDSA signatures, PKCS#1 v1.5 RSA, pure Ed25519). */
export function verifyMessage(key: crypto.KeyObject, message: Buffer, sig: Buffer): boolean {
  try {
    return crypto.verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', message, key, sig);
  } catch {
    return false;
  }
}
