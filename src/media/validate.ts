import { BerthError } from '../errors.js';
import { parseDigest } from '../digest/digest.js';
import { parseStrictJSON } from './strict-json.js';
import {
  MT,
  MAX_CONFIG_SIZE,
  MAX_MANIFEST_SIZE,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  isManifestMediaType,
} from './types.js';

export type ParsedDocument =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'schema1'; mediaType: string; raw: Record<string, unknown> };

function fail(what: string, why: string): BerthError {
  return new BerthError('INVALID_MANIFEST', `${what}: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) throw fail(what, 'descriptor is not an object');
  if (typeof v.mediaType !== 'string' || v.mediaType === '') throw fail(what, 'descriptor has no mediaType');
  const digest = parseDigest(v.digest, `${what} digest`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0)
    throw fail(what, `descriptor ${digest} has an invalid size`);
  const d: Descriptor = { mediaType: v.mediaType, digest, size: v.size };
  if (v.urls !== undefined) {
    if (!Array.isArray(v.urls) || !v.urls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))
      throw fail(what, `descriptor ${digest} has invalid urls (only http/https allowed)`);
    d.urls = v.urls as string[];
  }
  if (v.annotations !== undefined) {
    if (!isObject(v.annotations) || !Object.values(v.annotations).every((x) => typeof x === 'string'))
      throw fail(what, 'annotations must map strings to strings');
    d.annotations = v.annotations as Record<string, string>;
  }
  if (v.platform !== undefined) {
    const p = v.platform;
    if (!isObject(p) || typeof p.architecture !== 'string' || typeof p.os !== 'string')
      throw fail(what, `descriptor ${digest} has an invalid platform`);
    d.platform = { architecture: p.architecture, os: p.os };
    if (typeof p.variant === 'string' && p.variant !== '') d.platform.variant = p.variant;
    if (typeof p['os.version'] === 'string') d.platform['os.version'] = p['os.version'];
  }
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  return d;
}

/**
 * Parse a manifest or index strictly. `declared` is the media type the transport reported
 * (Content-Type, index.json descriptor...). Rejects ambiguous documents (an image manifest
 * carrying `manifests`, an index carrying `layers`/`config`) and declared/actual mismatches.
 */
export function parseManifestDocument(bytes: Uint8Array, declared: string | undefined, what = 'manifest'): ParsedDocument {
  if (bytes.length > MAX_MANIFEST_SIZE)
    throw new BerthError('TOO_LARGE', `${what} is ${bytes.length} bytes, over the ${MAX_MANIFEST_SIZE}-byte limit`);
  const doc = parseStrictJSON(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), what);
  if (!isObject(doc)) throw fail(what, 'not a JSON object');
  const field = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (doc.mediaType !== undefined && field === undefined) throw fail(what, 'mediaType is not a string');
  if (doc.schemaVersion === 1) {
    return { kind: 'schema1', mediaType: declared && declared !== 'application/json' ? declared : MT.DockerSchema1Signed, raw: doc };
  }
  if (doc.schemaVersion !== 2) throw fail(what, `unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  const declaredUseful = declared && declared !== 'application/json' && declared !== 'text/plain' ? declared : undefined;
  if (field && declaredUseful && field !== declaredUseful)
    throw fail(what, `mediaType ${field} does not match the declared type ${declaredUseful}`);
  let mt = field ?? declaredUseful;
  if (!mt) mt = doc.manifests !== undefined ? MT.OCIIndex : MT.OCIManifest; // OCI allows omitting mediaType
  if (isIndexMediaType(mt)) {
    if (doc.layers !== undefined || doc.config !== undefined)
      throw fail(what, `ambiguous document: ${mt} must not contain "layers" or "config"`);
    if (!Array.isArray(doc.manifests)) throw fail(what, 'index has no "manifests" array');
    const manifests = doc.manifests.map((m, i) => validateDescriptor(m, `${what} manifests[${i}]`));
    const index: ImageIndex = { schemaVersion: 2, manifests };
    if (field) index.mediaType = field;
    if (isObject(doc.annotations)) index.annotations = doc.annotations as Record<string, string>;
    return { kind: 'index', mediaType: mt, index };
  }
  if (isManifestMediaType(mt)) {
    if (doc.manifests !== undefined) throw fail(what, `ambiguous document: ${mt} must not contain "manifests"`);
    if (mt === MT.DockerManifest && field === undefined) throw fail(what, 'docker schema2 manifest lacks its mediaType field');
    const config = validateDescriptor(doc.config, `${what} config`);
    if (!Array.isArray(doc.layers)) throw fail(what, 'manifest has no "layers" array');
    const layers = doc.layers.map((l, i) => validateDescriptor(l, `${what} layers[${i}]`));
    const manifest: ImageManifest = { schemaVersion: 2, config, layers };
    if (field) manifest.mediaType = field;
    if (isObject(doc.annotations)) manifest.annotations = doc.annotations as Record<string, string>;
    if (doc.subject !== undefined) manifest.subject = validateDescriptor(doc.subject, `${what} subject`);
    if (typeof doc.artifactType === 'string') manifest.artifactType = doc.artifactType;
    return { kind: 'manifest', mediaType: mt, manifest };
  }
  throw new BerthError('UNSUPPORTED', `${what}: unsupported manifest media type ${JSON.stringify(mt)}`);
}

/** Parse and validate an image config (docker or OCI). */
export function parseImageConfig(bytes: Uint8Array, what = 'image config'): ImageConfig {
  if (bytes.length > MAX_CONFIG_SIZE)
    throw new BerthError('TOO_LARGE', `${what} is ${bytes.length} bytes, over the ${MAX_CONFIG_SIZE}-byte limit`);
  const doc = parseStrictJSON(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), what);
  if (!isObject(doc)) throw fail(what, 'not a JSON object');
  const rootfs = doc.rootfs;
  if (!isObject(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids))
    throw fail(what, 'rootfs must be {"type":"layers","diff_ids":[...]}');
  rootfs.diff_ids.forEach((d, i) => parseDigest(d, `${what} diff_ids[${i}]`));
  if (doc.architecture !== undefined && typeof doc.architecture !== 'string') throw fail(what, 'architecture is not a string');
  if (doc.os !== undefined && typeof doc.os !== 'string') throw fail(what, 'os is not a string');
  if (doc.history !== undefined && !Array.isArray(doc.history)) throw fail(what, 'history is not an array');
  if (doc.config !== undefined && doc.config !== null && !isObject(doc.config)) throw fail(what, 'config is not an object');
  return doc as unknown as ImageConfig;
}

/** Number of history entries that produce a layer (empty_layer false/absent). */
export function nonEmptyHistoryCount(cfg: ImageConfig): number {
  return (cfg.history ?? []).filter((h) => !h.empty_layer).length;
}
