/**
 * Verifying one sigstore signature against a sigstoreSigned requirement of policy.json, as
 * containers/image does (signature/policy_eval_sigstore.go): the trust root is public keys
 * (keyPath/keyPaths/keyData/keyDatas, optionally with Rekor keys requiring a SET), or a Fulcio
 * CA with Rekor keys (certificate annotation, chain, OIDC issuer and e-mail), or a private PKI
 * (caRoots/caIntermediates, e-mail and/or host name). The payload's signature must verify with
 * the resulting key; the verified payload's claims are returned for the caller to match against
 * the manifest digest and the requirement's signedIdentity.
 */
import * as fs from 'node:fs';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { BerthError } from '../../errors.js';
import type { PolicyRequirement } from '../../config/policy.js';
import { SIGSTORE_PAYLOAD_MEDIA_TYPE, type Signature, type SignedClaim } from '../signature.js';
import { parseSigstorePublicKey, verifyMessage } from './keys.js';
import { parseSigstorePayload } from './payload.js';
import { RekorError, verifyRekorSET } from './rekor.js';
import { SIGSTORE_ANNOTATIONS } from './sign.js';
import { CertificateError, fulcioIssuer, parseCertificates, sanValues, verifySignatureCertificate } from './x509.js';
import { goErrnoText } from '../../go/errno.js';

export type SigstoreRequirement = Extract<PolicyRequirement, { type: 'sigstoreSigned' }>;
export type SigstoreSignature = Extract<Signature, { kind: 'sigstore' }>;

/** A signature that does not satisfy the requirement (podman prints these after "Source image rejected: "). */
function rejected(message: string): BerthError {
  return new BerthError('POLICY_DENIED', message);
}

function readConfigFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new BerthError('CONFIG', `open ${file}: ${goErrnoText(e)}`, { subject: file });
  }
}

/** The PEM texts of one …Path/…Paths/…Data/…Datas group (data is base64 in policy.json). */
function configBytes(path?: string, paths?: string[], data?: string, datas?: string[]): Buffer[] | undefined {
  if (path !== undefined) return [readConfigFile(path)];
  if (paths !== undefined) return paths.map(readConfigFile);
  if (data !== undefined) return [Buffer.from(data, 'base64')];
  if (datas !== undefined) return datas.map((d) => Buffer.from(d, 'base64'));
  return undefined;
}

function certificates(pem: Buffer, what: string): X509Certificate[] {
  let certs: X509Certificate[];
  try {
    certs = parseCertificates(pem, what);
  } catch (e) {
    throw new BerthError('CONFIG', `${what}: ${(e as Error).message}`);
  }
  if (certs.length === 0) throw new BerthError('CONFIG', `error loading ${what}`);
  return certs;
}

/**
 * Verify `sig` under `req`. Returns what the signature claims (manifest digest and docker
 * reference); throws POLICY_DENIED with containers/image's words when the signature is not
 * acceptable, CONFIG when the requirement's keys or certificates cannot be loaded.
 */
export async function verifySigstoreSignature(sig: SigstoreSignature, req: SigstoreRequirement): Promise<SignedClaim> {
  if (sig.mediaType !== SIGSTORE_PAYLOAD_MEDIA_TYPE)
    throw rejected(`not a sigstore signature: attachment of type ${JSON.stringify(sig.mediaType)}`);
  const publicKeyPems = configBytes(req.keyPath, req.keyPaths, req.keyData, req.keyDatas);
  const publicKeys = publicKeyPems?.map((pem, i) => parseSigstorePublicKey(pem, `parsing public key ${i + 1}`));
  const rekorPems = configBytes(req.rekorPublicKeyPath, req.rekorPublicKeyPaths, req.rekorPublicKeyData, req.rekorPublicKeyDatas);
  const rekorKeys = rekorPems?.map((pem, i) => {
    const k = parseSigstorePublicKey(pem, `parsing Rekor public key ${i + 1}`);
    if (k.asymmetricKeyType !== 'ec') throw new BerthError('CONFIG', `Rekor public key ${i + 1} is not using ECDSA`);
    return k;
  });

  const ann = sig.annotations;
  const b64sig = ann[SIGSTORE_ANNOTATIONS.signature];
  if (b64sig === undefined) throw rejected(`missing ${SIGSTORE_ANNOTATIONS.signature} annotation`);
  const need = (key: string): string => {
    const v = ann[key];
    if (v === undefined) throw rejected(`missing ${key} annotation`);
    return v;
  };

  let keys: KeyObject[];
  try {
    if (publicKeys) {
      if (rekorKeys) {
        const set = need(SIGSTORE_ANNOTATIONS.bundle);
        const failures: string[] = [];
        const found = publicKeys.find((k) => {
          try {
            verifyRekorSET(rekorKeys, set, k.export({ type: 'spki', format: 'pem' }).toString(), b64sig, sig.payload);
            return true;
          } catch (e) {
            failures.push((e as Error).message);
            return false;
          }
        });
        if (!found) throw rejected(`No public key verified against the RekorSET: ${failures.join(', ')}`);
        keys = [found];
      } else keys = publicKeys;
    } else if (req.fulcio) {
      if (!rekorKeys) throw new BerthError('CONFIG', 'Internal inconsistency: Fulcio CA specified without a Rekor public key');
      const set = need(SIGSTORE_ANNOTATIONS.bundle);
      const cert = need(SIGSTORE_ANNOTATIONS.certificate);
      const when = verifyRekorSET(rekorKeys, set, cert, b64sig, sig.payload);
      const roots = certificates(configBytes(req.fulcio.caPath, undefined, req.fulcio.caData)![0]!, 'Fulcio CA certificates');
      const { leaf, publicKey } = verifySignatureCertificate(cert, ann[SIGSTORE_ANNOTATIONS.chain], { roots }, when);
      const issuer = fulcioIssuer(leaf);
      if (issuer !== req.fulcio.oidcIssuer) throw rejected(`Unexpected Fulcio OIDC issuer ${JSON.stringify(issuer)}`);
      const emails = sanValues(leaf, 'email');
      if (!emails.includes(req.fulcio.subjectEmail))
        throw rejected(`Required email ${JSON.stringify(req.fulcio.subjectEmail)} not found (got ${JSON.stringify(emails)})`);
      keys = [publicKey];
    } else if (req.pki) {
      const cert = need(SIGSTORE_ANNOTATIONS.certificate);
      const roots = certificates(configBytes(req.pki.caRootsPath, undefined, req.pki.caRootsData)![0]!, 'PKI CA Roots certificates');
      const midPem = configBytes(req.pki.caIntermediatesPath, undefined, req.pki.caIntermediatesData);
      const intermediates = midPem ? certificates(midPem[0]!, 'trusted intermediate certificates') : undefined;
      const { leaf, publicKey } = verifySignatureCertificate(cert, ann[SIGSTORE_ANNOTATIONS.chain], { roots, intermediates }, new Date());
      if (req.pki.subjectEmail !== undefined) {
        const emails = sanValues(leaf, 'email');
        if (!emails.includes(req.pki.subjectEmail))
          throw rejected(`Required email ${JSON.stringify(req.pki.subjectEmail)} not found (got ${JSON.stringify(emails)})`);
      }
      if (req.pki.subjectHostname !== undefined && leaf.checkHost(req.pki.subjectHostname) === undefined)
        throw rejected(`Unexpected subject hostname: x509: certificate is not valid for ${req.pki.subjectHostname}`);
      keys = [publicKey];
    } else {
      throw new BerthError('CONFIG', 'Internal inconsistency: A public key, Fulcio, or PKI must be specified.');
    }
  } catch (e) {
    if (e instanceof RekorError) throw rejected(e.message);
    if (e instanceof CertificateError) throw rejected(`verifying leaf certificate failed: ${e.message}`);
    throw e;
  }

  // Go's base64 decoder skips line breaks (PKI signatures are wrapped at 76 columns).
  const sigText = b64sig.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(sigText) || sigText.length % 4 !== 0) throw rejected('base64 decoding: illegal base64 data');
  const raw = Buffer.from(sigText, 'base64');
  if (!keys.some((k) => verifyMessage(k, sig.payload, raw))) {
    const why = keys.map((k) =>
      k.asymmetricKeyType === 'ec'
        ? 'invalid signature when validating ASN.1 encoded signature'
        : k.asymmetricKeyType === 'rsa'
          ? 'crypto/rsa: verification error'
          : 'failed to verify signature',
    );
    throw rejected(`cryptographic signature verification failed: ${why.join(', ')}`);
  }
  const claim = parseSigstorePayload(sig.payload);
  return { dockerManifestDigest: claim.dockerManifestDigest, dockerReference: claim.dockerReference };
}
