/**
 * Sigstore signatures stored in a registry the way cosign stores them: an OCI image manifest
 * tagged `sha256-<hex>.sig` (the signed manifest's digest with ":" replaced by "-") whose layers
 * are the payloads (media type application/vnd.dev.cosign.simplesigning.v1+json) with their
 * signature, certificate and Rekor bundle in layer annotations, and whose config is an OCI
 * image config listing the layers as diffIDs. Reading returns every layer (attestations and
 * other attachments too; consumers select by media type). Writing appends the layers not
 * already present and replaces the tag's manifest, as containers/image does.
 */
import { BerthError } from '../../errors.js';
import { type Digest, digestOf, parseDigest } from '../../digest/digest.js';
import { MT, type Descriptor } from '../../media/types.js';
import { parseManifestDocument } from '../../media/validate.js';
import { readAll } from '../../util/streams.js';
import type { Signature } from '../../trust/signature.js';
import type { RegistryClient } from './client.js';
import { Readable } from 'node:stream';

type SigstoreSignature = Extract<Signature, { kind: 'sigstore' }>;

/** Payloads larger than this are refused (containers/image's limit for signature bodies). */
const MAX_ATTACHMENT_SIZE = 4 * 1024 * 1024;
const MAX_ATTACHMENT_CONFIG_SIZE = 4 * 1024 * 1024;

/** The attachment tag of a manifest digest: "sha256-<hex>.sig". */
export function sigstoreAttachmentTag(manifestDigest: string): string {
  parseDigest(manifestDigest, 'manifest digest');
  return `${manifestDigest.replace(':', '-')}.sig`;
}

interface AttachmentManifest {
  config: Descriptor;
  layers: Descriptor[];
  raw: Record<string, unknown>;
}

/** The attachment manifest, or undefined when the tag does not exist. */
async function getAttachmentManifest(
  client: RegistryClient,
  repo: string,
  manifestDigest: string,
): Promise<AttachmentManifest | undefined> {
  const tag = sigstoreAttachmentTag(manifestDigest);
  let m;
  try {
    m = await client.getManifest(repo, tag);
  } catch (e) {
    if (e instanceof BerthError && e.code === 'IMAGE_NOT_FOUND') return undefined;
    throw e;
  }
  const name = `${client.opts.host}/${repo}:${tag}`;
  if (m.mediaType !== MT.OCIManifest)
    throw new BerthError('REGISTRY_ERROR', `unexpected MIME type for sigstore attachment manifest ${name}: ${JSON.stringify(m.mediaType)}`);
  const parsed = parseManifestDocument(m.bytes, m.mediaType, `sigstore attachment manifest ${name}`);
  if (parsed.kind !== 'manifest') throw new BerthError('REGISTRY_ERROR', `sigstore attachment manifest ${name} is not an image manifest`);
  return {
    config: parsed.manifest.config,
    layers: parsed.manifest.layers,
    raw: JSON.parse(m.bytes.toString('utf8')) as Record<string, unknown>,
  };
}

/** A small blob's bytes, verified against its descriptor. */
async function getSmallBlob(client: RegistryClient, repo: string, desc: Descriptor, max: number): Promise<Buffer> {
  const what = `blob ${desc.digest} in ${client.opts.host}/${repo}`;
  if (desc.size > max) throw new BerthError('TOO_LARGE', `${what} is ${desc.size} bytes, over the ${max}-byte limit`);
  const { stream } = await client.getBlob(repo, desc.digest, { size: desc.size });
  const bytes = await readAll(stream, max, what);
  if (digestOf(bytes, desc.digest.slice(0, desc.digest.indexOf(':'))) !== desc.digest)
    throw new BerthError('DIGEST_MISMATCH', `reading ${what}: digest mismatch, got ${digestOf(bytes)}`);
  return bytes;
}

/** Every attachment of `manifestDigest` as a sigstore signature (payload + annotations). */
export async function readSigstoreAttachments(client: RegistryClient, repo: string, manifestDigest: string): Promise<SigstoreSignature[]> {
  const m = await getAttachmentManifest(client, repo, manifestDigest);
  if (!m) return [];
  const out: SigstoreSignature[] = [];
  for (const layer of m.layers) {
    const payload = await getSmallBlob(client, repo, layer, MAX_ATTACHMENT_SIZE);
    out.push({ kind: 'sigstore', mediaType: layer.mediaType, payload, annotations: { ...(layer.annotations ?? {}) } });
  }
  return out;
}

function sameAnnotations(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b).length && ak.every((k) => a![k] === b[k]);
}

async function putSmallBlob(client: RegistryClient, repo: string, bytes: Buffer): Promise<Digest> {
  const digest = digestOf(bytes);
  if ((await client.blobSize(repo, digest)) === undefined)
    await client.uploadBlob(repo, Readable.from([bytes]), { digest, size: bytes.length, what: `signature blob ${digest}` });
  return digest;
}

/**
 * Add `signatures` to the attachments of `manifestDigest`: signatures already there (same
 * media type, payload and annotations) are not added twice; nothing is removed.
 */
export async function writeSigstoreAttachments(
  client: RegistryClient,
  repo: string,
  manifestDigest: string,
  signatures: SigstoreSignature[],
): Promise<void> {
  const existing = await getAttachmentManifest(client, repo, manifestDigest);
  let config: Record<string, unknown>;
  const layers: Descriptor[] = existing ? [...existing.layers] : [];
  if (existing) {
    const bytes = await getSmallBlob(client, repo, existing.config, MAX_ATTACHMENT_CONFIG_SIZE);
    try {
      config = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error('not an object');
    } catch (e) {
      throw new BerthError(
        'REGISTRY_ERROR',
        `parsing sigstore attachment config ${existing.config.digest} in ${repo}: ${(e as Error).message}`,
      );
    }
  } else config = { architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
  const rootfs = (typeof config.rootfs === 'object' && config.rootfs !== null ? config.rootfs : {}) as Record<string, unknown>;
  const diffIDs = Array.isArray(rootfs.diff_ids) ? [...(rootfs.diff_ids as string[])] : [];

  let added = 0;
  for (const sig of signatures) {
    const digest = digestOf(sig.payload);
    const present = layers.some(
      (l) =>
        l.mediaType === sig.mediaType &&
        l.size === sig.payload.length &&
        l.digest === digest &&
        sameAnnotations(l.annotations, sig.annotations),
    );
    if (present) continue;
    await putSmallBlob(client, repo, sig.payload);
    layers.push({ mediaType: sig.mediaType, digest, size: sig.payload.length, annotations: { ...sig.annotations } });
    diffIDs.push(digest);
    added++;
  }
  if (added === 0) return;

  config = { ...config, rootfs: { ...rootfs, type: rootfs.type ?? 'layers', diff_ids: diffIDs } };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await putSmallBlob(client, repo, configBytes);
  const manifest = {
    ...(existing?.raw ?? {}),
    schemaVersion: 2,
    mediaType: MT.OCIManifest,
    config: { mediaType: MT.OCIConfig, digest: configDigest, size: configBytes.length },
    layers,
  };
  await client.putManifest(repo, sigstoreAttachmentTag(manifestDigest), Buffer.from(JSON.stringify(manifest)), MT.OCIManifest);
}
