/**
 * Making sigstore signatures with a cosign-format private key (--sign-by-sigstore-private-key):
 * the payload names the manifest digest and the identity, the signature annotation is the
 * base64 signature over the payload bytes, as containers/image's sigstore signer writes them.
 * No Fulcio certificate and no Rekor upload: those need network services berth does not talk to.
 */
import * as fs from 'node:fs';
import { BerthError } from '../../errors.js';
import { digestOf } from '../../digest/digest.js';
import { parseNormalizedReference } from '../../reference/reference.js';
import { readPassphraseFile } from '../passphrase.js';
import { SIGSTORE_PAYLOAD_MEDIA_TYPE, type Signature, type Signer } from '../signature.js';
import { loadSigstorePrivateKey, signMessage } from './keys.js';
import { sigstorePayload } from './payload.js';
import { goErrnoText } from '../../go/errno.js';

/** Annotation keys of cosign signature layers. */
export const SIGSTORE_ANNOTATIONS = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
} as const;

export interface SigstoreSignerOptions {
  /** An encrypted cosign private key (`berth generate-sigstore-key`, `cosign generate-key-pair`). */
  privateKeyPath: string;
  /** The passphrase's file (first line); or `passphrase` itself. One of them is required. */
  passphraseFile?: string;
  passphrase?: Buffer;
}

/**
 * A Signer making sigstore signatures. The key is read and decrypted now, so a missing file or
 * a wrong passphrase fails before anything is copied.
 */
export function sigstoreSigner(opts: SigstoreSignerOptions): Signer {
  if (opts.passphraseFile !== undefined && opts.passphrase !== undefined)
    throw new BerthError('INVALID_ARGUMENT', 'give the passphrase or its file, not both');
  const passphrase = opts.passphrase ?? (opts.passphraseFile !== undefined ? readPassphraseFile(opts.passphraseFile) : undefined);
  if (passphrase === undefined)
    throw new BerthError('INVALID_ARGUMENT', `no passphrase for key ${opts.privateKeyPath}`, {
      hint: 'use --sign-passphrase-file FILE',
    });
  let pem: string;
  try {
    pem = fs.readFileSync(opts.privateKeyPath, 'utf8');
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', `reading private key from ${opts.privateKeyPath}: ${goErrnoText(e)}`, {
      subject: opts.privateKeyPath,
    });
  }
  const key = loadSigstorePrivateKey(pem, passphrase, opts.privateKeyPath);
  return {
    kind: 'sigstore',
    async sign(manifest: Buffer, dockerReference: string): Promise<Signature> {
      let ref;
      try {
        ref = parseNormalizedReference(dockerReference);
      } catch (e) {
        throw new BerthError('INVALID_REFERENCE', `cannot sign for ${JSON.stringify(dockerReference)}: ${(e as Error).message}`);
      }
      if (ref.tag === undefined && ref.digest === undefined)
        throw new BerthError('INVALID_REFERENCE', `reference ${dockerReference} can't be signed, it has neither a tag nor a digest`);
      const payload = sigstorePayload(digestOf(manifest), dockerReference);
      return {
        kind: 'sigstore',
        mediaType: SIGSTORE_PAYLOAD_MEDIA_TYPE,
        payload,
        annotations: { [SIGSTORE_ANNOTATIONS.signature]: signMessage(key, payload).toString('base64') },
      };
    },
  };
}
