/**
 * The "atomic container signature" payload: the JSON document an OpenPGP simple signature
 * signs (containers-signature(5)). Written as containers/image writes it (Go's json.Marshal of
 * maps: sorted keys, HTML characters escaped) and read as strictly as it reads it: the
 * `critical` part must have exactly its known keys, unknown `optional` keys are ignored, a
 * duplicate key anywhere rejects the document.
 */
import { BerthError } from '../../errors.js';
import { type Digest, isDigest } from '../../digest/digest.js';
import { goJSON, goMap } from '../../go/json.js';
import { parseStrictJSON } from '../../media/strict-json.js';

export const SIMPLE_SIGNING_TYPE = 'atomic container signature';

export interface SimpleSigningPayload {
  dockerManifestDigest: Digest;
  dockerReference: string;
  /** Who made the signature (free text); UNTRUSTED until the signature is verified. */
  creator?: string;
  /** Seconds since the epoch; UNTRUSTED until the signature is verified. */
  timestamp?: number;
}

/** The payload bytes to sign. */
export function serializeSimpleSigningPayload(p: SimpleSigningPayload): Buffer {
  if (!p.dockerManifestDigest || !p.dockerReference) throw new BerthError('INVALID_ARGUMENT', 'Unexpected empty signature content');
  const optional: Record<string, unknown> = {};
  if (p.creator !== undefined) optional.creator = p.creator;
  if (p.timestamp !== undefined) optional.timestamp = p.timestamp;
  const doc = goMap({
    critical: goMap({
      identity: goMap({ 'docker-reference': p.dockerReference }),
      image: goMap({ 'docker-manifest-digest': p.dockerManifestDigest }),
      type: SIMPLE_SIGNING_TYPE,
    }),
    optional: goMap(optional),
  });
  return Buffer.from(goJSON(doc), 'utf8');
}

function invalid(reason: string): BerthError {
  return new BerthError('INVALID_SIGNATURE', `invalid signature payload: ${reason}`, { data: { reason } });
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** The object's keys must be exactly `keys`. */
function exactKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(`unknown key ${JSON.stringify(k)} in ${where}`);
  for (const k of keys) if (!(k in o)) throw invalid(`key ${JSON.stringify(k)} missing in ${where}`);
}

function string(v: unknown, where: string): string {
  if (typeof v !== 'string') throw invalid(`${where} is not a string`);
  return v;
}

/** Parse signed payload bytes (only after the signature over them was verified, or for display). */
export function parseSimpleSigningPayload(bytes: Uint8Array): SimpleSigningPayload {
  let doc: unknown;
  try {
    doc = parseStrictJSON(Buffer.from(bytes).toString('utf8'), 'signature payload');
  } catch (e) {
    throw invalid((e as Error).message.replace(/^signature payload /, ''));
  }
  const top = object(doc, 'the signature');
  exactKeys(top, ['critical', 'optional'], 'the signature');
  const optional = object(top.optional, '"optional"');
  const out: Partial<SimpleSigningPayload> = {};
  if ('creator' in optional) out.creator = string(optional.creator, 'optional.creator');
  if ('timestamp' in optional) {
    const t = optional.timestamp;
    if (typeof t !== 'number') throw invalid('optional.timestamp is not a number');
    if (!Number.isSafeInteger(t)) throw invalid('Field optional.timestamp is not an integer');
    out.timestamp = t;
  }
  const critical = object(top.critical, '"critical"');
  exactKeys(critical, ['type', 'image', 'identity'], '"critical"');
  const type = string(critical.type, 'critical.type');
  if (type !== SIMPLE_SIGNING_TYPE) throw invalid(`Unrecognized signature type ${type}`);
  const image = object(critical.image, 'critical.image');
  exactKeys(image, ['docker-manifest-digest'], 'critical.image');
  const digest = string(image['docker-manifest-digest'], 'critical.image.docker-manifest-digest');
  if (!isDigest(digest)) throw invalid(`invalid docker-manifest-digest value ${JSON.stringify(digest)}`);
  const identity = object(critical.identity, 'critical.identity');
  exactKeys(identity, ['docker-reference'], 'critical.identity');
  out.dockerReference = string(identity['docker-reference'], 'critical.identity.docker-reference');
  out.dockerManifestDigest = digest;
  return out as SimpleSigningPayload;
}
