/**
 * Signatures as files (dir: signature-N, lookasides that keep several formats): the layout
 * containers/image uses, so files written by either tool read in the other. A simple-signing
 * signature is its OpenPGP bytes as they are; any other format is a zero byte, the format
 * name, a newline and the format's own encoding (sigstore: JSON of mimeType, payload, annotations).
 */
import { BerthError } from '../errors.js';
import { GoStruct, goJSON, goMap } from '../go/json.js';
import type { Signature } from './signature.js';

const SIGSTORE_FORMAT = 'sigstore-json';
const SIMPLE_FORMAT = 'simple-signing';

/** First bytes of an OpenPGP message a simple signature can start with (compressed data, one-pass signature, signature packets). */
const OPENPGP_FIRST = new Set([0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0x90, 0x91, 0x92, 0x3d, 0xc4, 0x88, 0x89, 0x8a, 0x8b, 0xc2]);

export function signatureToBlob(sig: Signature): Buffer {
  if (sig.kind === 'simple') return sig.data;
  const json = goJSON(
    new GoStruct({ mimeType: sig.mediaType, payload: sig.payload.toString('base64'), annotations: goMap(sig.annotations) }),
  );
  return Buffer.concat([Buffer.from([0]), Buffer.from(`${SIGSTORE_FORMAT}\n`), Buffer.from(json)]);
}

/** Parse a stored signature; `what` names it in errors ("parsing signature FILE: ..."). */
export function signatureFromBlob(blob: Buffer, what: string): Signature {
  const fail = (why: string) => new BerthError('INVALID_ARCHIVE', `parsing signature ${JSON.stringify(what)}: ${why}`);
  if (blob.length === 0) throw fail('empty signature blob');
  if (OPENPGP_FIRST.has(blob[0]!)) return { kind: 'simple', data: blob };
  if (blob[0] !== 0) throw fail(`unrecognized signature format, starting with binary 0x${blob[0]!.toString(16)}`);
  const nl = blob.indexOf(0x0a, 1);
  if (nl < 0) throw fail('invalid signature format, missing newline');
  const format = blob.subarray(1, nl);
  for (const b of format) if (b < 32 || b >= 0x7f) throw fail(`invalid signature format, non-ASCII byte 0x${b.toString(16)}`);
  const chunk = blob.subarray(nl + 1);
  const name = format.toString('latin1');
  if (name === SIMPLE_FORMAT) return { kind: 'simple', data: Buffer.from(chunk) };
  if (name !== SIGSTORE_FORMAT) throw fail(`unrecognized signature format ${JSON.stringify(name)}`);
  let v: unknown;
  try {
    v = JSON.parse(chunk.toString('utf8'));
  } catch (e) {
    throw fail((e as Error).message);
  }
  const o = (v ?? {}) as { mimeType?: unknown; payload?: unknown; annotations?: unknown };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('expected a JSON object');
  const annotations: Record<string, string> = {};
  if (o.annotations !== undefined && o.annotations !== null) {
    if (typeof o.annotations !== 'object' || Array.isArray(o.annotations)) throw fail('annotations: expected an object');
    for (const [k, val] of Object.entries(o.annotations)) {
      if (typeof val !== 'string') throw fail(`annotation ${JSON.stringify(k)}: expected a string`);
      annotations[k] = val;
    }
  }
  if (o.mimeType !== undefined && typeof o.mimeType !== 'string') throw fail('mimeType: expected a string');
  if (o.payload !== undefined && o.payload !== null && typeof o.payload !== 'string') throw fail('payload: expected base64 data');
  return {
    kind: 'sigstore',
    mediaType: (o.mimeType as string | undefined) ?? '',
    payload: Buffer.from((o.payload as string | undefined) ?? '', 'base64'),
    annotations,
  };
}

/** Signatures larger than this are refused when read (containers/image: 4 MiB). */
export const MAX_SIGNATURE_SIZE = 4 << 20;
