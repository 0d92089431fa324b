/**
 * Rekor "signed entry timestamps" (the dev.sigstore.cosign/bundle annotation): proof, signed
 * by the transparency log's key, that the log holds a hashedrekord entry for exactly this
 * signature, payload and public key (or certificate). Checked as containers/image checks it
 * (signature/internal/rekor_set.go): the SET signs the RFC 8785 canonical JSON of the payload
 * {body, integratedTime, logIndex, logID}; the body (base64 JSON) names the signature, the
 * SHA-256 of the payload and the PEM key/certificate, all of which must match. Nothing is
 * fetched from a log: the policy's Rekor public keys are the trust anchor.
 */
import * as crypto from 'node:crypto';
import { pemDecodeAll } from './keys.js';

export class RekorError extends Error {}

/** RFC 8785 (JCS) serialization of a parsed JSON value: sorted keys (UTF-16 order), ES number and string forms. */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RekorError('non-finite number in JSON');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(',')}}`;
}

function exact(v: unknown, what: string, keys: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RekorError(`${what} is not a JSON object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new RekorError(`${what} has unexpected field ${JSON.stringify(k)}`);
  for (const k of keys) if (!(k in o)) throw new RekorError(`${what} is missing field ${JSON.stringify(k)}`);
  return o;
}

function b64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new RekorError(`${what} is not base64`);
  return Buffer.from(v, 'base64');
}

/**
 * Verify a SET against the Rekor keys and the signature it must describe. Returns the time the
 * log integrated the entry (the time a Fulcio certificate must have been valid at).
 */
export function verifyRekorSET(
  rekorKeys: crypto.KeyObject[],
  setText: string,
  keyOrCertPem: string,
  base64Signature: string,
  payload: Buffer,
): Date {
  let set: Record<string, unknown>;
  try {
    set = exact(JSON.parse(setText), 'Rekor SET', ['SignedEntryTimestamp', 'Payload']);
  } catch (e) {
    throw new RekorError(e instanceof RekorError ? e.message : `Rekor SET is not valid JSON`);
  }
  const setSig = b64(set.SignedEntryTimestamp, 'SignedEntryTimestamp');
  const canonical = Buffer.from(canonicalJSON(set.Payload));
  if (!rekorKeys.some((k) => crypto.verify('sha256', canonical, k, setSig)))
    throw new RekorError('cryptographic signature verification of Rekor SET failed');

  const p = exact(JSON.parse(canonical.toString()), 'Rekor SET payload', ['body', 'integratedTime', 'logIndex', 'logID']);
  if (typeof p.integratedTime !== 'number' || !Number.isInteger(p.integratedTime))
    throw new RekorError('Rekor SET integratedTime is not an integer');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(b64(p.body, 'Rekor SET body').toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new RekorError(e instanceof RekorError ? e.message : 'decoding the body of a Rekor SET payload: not JSON');
  }
  if (body?.kind !== 'hashedrekord') throw new RekorError(`invalid kind value: ${JSON.stringify(body?.kind)}`);
  if (body.apiVersion === undefined) throw new RekorError('missing Rekor SET Payload API version');
  if (body.apiVersion !== '0.0.1')
    throw new RekorError(`unsupported Rekor SET Payload hashedrekord version ${JSON.stringify(body.apiVersion)}`);
  const spec = (body.spec ?? {}) as {
    signature?: { content?: unknown; publicKey?: { content?: unknown } };
    data?: { hash?: { algorithm?: unknown; value?: unknown } };
  };
  if (!spec.signature) throw new RekorError('Missing "signature" field in hashedrekord');
  if (!spec.signature.publicKey) throw new RekorError('Missing "signature.publicKey" field in hashedrekord');
  const logged = pemDecodeAll(b64(spec.signature.publicKey.content, 'signature.publicKey.content').toString());
  if (logged.length !== 1) throw new RekorError('publicKey in Rekor SET is not in PEM format');
  const mine = pemDecodeAll(keyOrCertPem);
  if (mine.length !== 1) throw new RekorError('public key or cert to be matched against publicKey in Rekor SET is not in PEM format');
  if (!logged[0]!.der.equals(mine[0]!.der)) throw new RekorError('publicKey in Rekor SET does not match');
  if (!b64(spec.signature.content, 'signature.content').equals(Buffer.from(base64Signature.replace(/[\r\n]/g, ''), 'base64')))
    throw new RekorError('signature in Rekor SET does not match');
  const hash = spec.data?.hash;
  if (!spec.data) throw new RekorError('Missing "data" field in hashedrekord');
  if (!hash) throw new RekorError('Missing "data.hash" field in hashedrekord');
  if (hash.algorithm !== 'sha256') throw new RekorError(`Unexpected "data.hash.algorithm" value ${JSON.stringify(hash.algorithm)}`);
  if (typeof hash.value !== 'string' || !/^[0-9a-fA-F]*$/.test(hash.value))
    throw new RekorError('Invalid "data.hash.value" field in hashedrekord');
  if (hash.value.toLowerCase() !== crypto.createHash('sha256').update(payload).digest('hex'))
    throw new RekorError('payload in Rekor SET does not match');
  return new Date(p.integratedTime * 1000);
}
