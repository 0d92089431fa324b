/**
 * The cosign "simple signing" payload a sigstore signature signs:
 *   {"critical":{"identity":{"docker-reference":REF},"image":{"docker-manifest-digest":DIGEST},
 *    "type":"cosign container image signature"},"optional":{"creator":...,"timestamp":...}}
 * Written as containers/image writes it (keys sorted, as Go marshals maps); read strictly as
 * containers/image reads it (signature/internal/sigstore_payload.go): exactly these critical
 * fields, `optional` an object or null (cosign writes null), an integer timestamp.
 */
import { BerthError } from '../../errors.js';
import { parseStrictJSON } from '../../media/strict-json.js';
import { isDigest } from '../../digest/digest.js';
import type { SignedClaim } from '../signature.js';

export const SIGSTORE_SIGNATURE_TYPE = 'cosign container image signature';
const CREATOR = 'berth 0.1.0';

/** The payload bytes for a manifest digest and the identity it is signed for. */
export function sigstorePayload(manifestDigest: string, dockerReference: string, now: Date = new Date()): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': manifestDigest },
        type: SIGSTORE_SIGNATURE_TYPE,
      },
      optional: { creator: CREATOR, timestamp: Math.floor(now.getTime() / 1000) },
    }),
  );
}

function invalid(why: string): BerthError {
  return new BerthError('POLICY_DENIED', `invalid signature: ${why}`);
}

function exactObject(v: unknown, where: string, keys: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where} is not a JSON object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(`${where} has unexpected field ${JSON.stringify(k)}`);
  for (const k of keys) if (!(k in o)) throw invalid(`${where} is missing field ${JSON.stringify(k)}`);
  return o;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw invalid(`${where} is not a string`);
  return v;
}

/** What a (cryptographically verified) payload claims. Throws POLICY_DENIED "invalid signature: ..." on any deviation. */
export function parseSigstorePayload(payload: Buffer): SignedClaim & { creator?: string; timestamp?: number } {
  let doc: unknown;
  try {
    doc = parseStrictJSON(payload.toString('utf8'), 'signature payload');
  } catch (e) {
    throw invalid((e as Error).message);
  }
  const top = exactObject(doc, 'payload', ['critical', 'optional']);
  const out: { creator?: string; timestamp?: number } = {};
  if (top.optional !== null) {
    if (typeof top.optional !== 'object' || Array.isArray(top.optional)) throw invalid('optional is not a JSON object');
    const opt = top.optional as Record<string, unknown>;
    if ('creator' in opt) out.creator = str(opt.creator, 'optional.creator');
    if ('timestamp' in opt) {
      if (typeof opt.timestamp !== 'number' || !Number.isInteger(opt.timestamp))
        throw invalid('Field optional.timestamp is not an integer');
      out.timestamp = opt.timestamp;
    }
  }
  const critical = exactObject(top.critical, 'critical', ['type', 'image', 'identity']);
  const type = str(critical.type, 'critical.type');
  if (type !== SIGSTORE_SIGNATURE_TYPE) throw invalid(`Unrecognized signature type ${type}`);
  const image = exactObject(critical.image, 'critical.image', ['docker-manifest-digest']);
  const digest = str(image['docker-manifest-digest'], 'critical.image.docker-manifest-digest');
  if (!isDigest(digest)) throw invalid(`invalid docker-manifest-digest value ${JSON.stringify(digest)}`);
  const identity = exactObject(critical.identity, 'critical.identity', ['docker-reference']);
  const ref = str(identity['docker-reference'], 'critical.identity.docker-reference');
  return { dockerManifestDigest: digest, dockerReference: ref, ...out };
}
