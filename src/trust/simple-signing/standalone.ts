/**
 * skopeo's standalone-sign and standalone-verify: a simple signature made from, or checked
 * against, local files (a manifest, a docker reference, key fingerprints). Verification uses
 * the public keys of a key file, or else those of the user's GnuPG keyring (exported with gpg).
 */
import { spawn } from 'node:child_process';
import { BerthError } from '../../errors.js';
import { digestOf } from '../../digest/digest.js';
import { formatReference, parseNormalizedReference } from '../../reference/reference.js';
import { writeOutputFile } from '../../util/output-file.js';
import { parseSimpleSigningPayload } from './payload.js';
import { keyringFingerprints, readPublicKeyring, verifySignedMessage, type PublicKeyring } from './openpgp.js';
import { readPassphraseFile, signSimple } from './sign.js';
import { readInputFile } from './read-file.js';

function readInput(p: string, what: string): Buffer {
  return readInputFile(p, 'INVALID_ARGUMENT', (why) => `${what} ${p}: open ${p}: ${why}`);
}

export interface StandaloneSignOptions {
  manifestPath: string;
  dockerReference: string;
  /** The signing key (fingerprint, key ID or user ID). */
  fingerprint: string;
  output: string;
  passphraseFile?: string;
  /** GnuPG home (default $GNUPGHOME, else ~/.gnupg). */
  homedir?: string;
}

/** Sign a manifest file for a reference and write the signature to `output`. */
export async function standaloneSign(o: StandaloneSignOptions): Promise<void> {
  const manifest = readInput(o.manifestPath, 'Error reading');
  const passphrase = o.passphraseFile !== undefined ? readPassphraseFile(o.passphraseFile) : undefined;
  let sig: Buffer;
  try {
    sig = await signSimple(manifest, o.dockerReference, { keyId: o.fingerprint, homedir: o.homedir }, passphrase);
  } catch (e) {
    if (e instanceof BerthError) throw new BerthError(e.code, `Error creating signature: ${e.message}`, { hint: e.hint, cause: e });
    throw e;
  }
  await writeOutputFile(o.output, sig, `Error writing signature to ${o.output}`);
}

export interface StandaloneVerifyOptions {
  manifestPath: string;
  dockerReference: string;
  /** Accepted key fingerprints (comma-separated on the command line), or ["any"] with a key file. */
  fingerprints: string[];
  signaturePath: string;
  /** Public keys to trust instead of the GnuPG keyring. */
  publicKeyFile?: string;
  homedir?: string;
}

export interface StandaloneVerifyResult {
  /** The accepted fingerprint that matched the signing key. */
  fingerprint: string;
  dockerManifestDigest: string;
}

/** Every public key of the user's GnuPG keyring (`gpg --export`). */
export async function exportGnuPGKeyring(homedir?: string): Promise<PublicKeyring> {
  const args = ['--batch', '--export'];
  if (homedir !== undefined) args.unshift('--homedir', homedir);
  const out = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('gpg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BerthError('INVALID_SIGNATURE', `Error initializing GPG: ${e.code === 'ENOENT' ? 'gpg not found' : e.message}`)),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks))
        : reject(
            new BerthError('INVALID_SIGNATURE', `Error initializing GPG: ${err.trim().split('\n').pop() ?? `gpg exited with ${code}`}`),
          ),
    );
  });
  return out.length === 0 ? [] : readPublicKeyring(out, 'the GnuPG keyring');
}

function failed(reason: string): BerthError {
  return new BerthError('INVALID_SIGNATURE', `Error verifying signature: ${reason}`, { data: { reason } });
}

/**
 * Verify a signature file against a manifest file, a reference and accepted fingerprints, as
 * skopeo standalone-verify does (containers/image VerifyImageManifestSignatureUsingKeyIdentityList).
 */
export async function standaloneVerify(o: StandaloneVerifyOptions): Promise<StandaloneVerifyResult> {
  let fingerprints = o.fingerprints;
  const any = fingerprints.length === 1 && fingerprints[0] === 'any';
  if (any && o.publicKeyFile === undefined)
    throw new BerthError('INVALID_ARGUMENT', 'Cannot use any fingerprint without a public key file');
  const manifest = readInput(o.manifestPath, 'Error reading manifest from');
  const sig = readInput(o.signaturePath, 'Error reading signature from');
  let ring: PublicKeyring;
  if (o.publicKeyFile !== undefined) {
    const blob = readInput(o.publicKeyFile, 'Error reading public keys from');
    ring = await readPublicKeyring(blob, o.publicKeyFile);
  } else {
    ring = await exportGnuPGKeyring(o.homedir);
  }
  if (any) fingerprints = keyringFingerprints(ring);
  const accepted = new Set(fingerprints.map((f) => f.toUpperCase()));
  let expected: string;
  try {
    expected = formatReference(parseNormalizedReference(o.dockerReference));
  } catch (e) {
    throw failed((e as Error).message);
  }
  let m;
  try {
    m = await verifySignedMessage(sig, ring);
  } catch (e) {
    if (e instanceof BerthError) throw failed(e.reason);
    throw e;
  }
  // a signature by a subkey is accepted under the subkey's or its primary key's fingerprint
  let fingerprint = m.signingFingerprint;
  if (!accepted.has(fingerprint)) {
    if (!accepted.has(m.primaryFingerprint)) {
      throw failed(
        fingerprint === m.primaryFingerprint
          ? `signature by key ${fingerprint} is not accepted`
          : `signature by key ${fingerprint} of ${m.primaryFingerprint} is not accepted`,
      );
    }
    fingerprint = m.primaryFingerprint;
  }
  let p;
  try {
    p = parseSimpleSigningPayload(m.content);
  } catch (e) {
    throw failed((e as BerthError).reason);
  }
  if (digestOf(manifest, p.dockerManifestDigest.split(':')[0]) !== p.dockerManifestDigest) {
    throw failed(`Signature for docker digest ${JSON.stringify(p.dockerManifestDigest)} does not match`);
  }
  let signed: string;
  try {
    signed = formatReference(parseNormalizedReference(p.dockerReference));
  } catch {
    throw failed(`Invalid docker reference ${JSON.stringify(p.dockerReference)} in signature`);
  }
  if (signed !== expected)
    throw failed(`Docker reference ${JSON.stringify(p.dockerReference)} does not match ${JSON.stringify(o.dockerReference)}`);
  return { fingerprint, dockerManifestDigest: p.dockerManifestDigest };
}
