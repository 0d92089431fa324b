import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import { digestOf } from '../digest/digest.js';
import { goErrnoText } from '../go/errno.js';
import { newNameError } from './tag.js';
import { MT, type ImageConfig, serializeManifest } from '../media/index.js';
import { autoDecompress } from '../compression/compression.js';
import { parseLocalReference, formatReference } from '../reference/reference.js';
import { hostPlatform, type PlatformChoice } from '../platform/platform.js';
import { LocalDestination, LocalRef } from '../transports/local/local.js';
import type { Store } from '../store/store.js';
import { indexTarFile } from '../util/tar.js';
import { applyChanges } from './changes.js';
import { download, isHttpUrl } from '../util/download.js';
import { policyJsonCheck } from '../config/policy-check.js';
import type { PolicyCheck } from '../copy/policy.js';
import type { ProgressEvent } from '../transports/types.js';

export interface ImportOptions {
  /** Tarball path, http(s) URL (as podman's), or a stream (stdin). */
  input: string | Readable;
  /** Name for the new image (short names become localhost/NAME:latest). */
  reference?: string;
  changes?: string[];
  message?: string;
  platform?: PlatformChoice;
  /** Progress as a copy reports it (the lines come once the layer is stored: its digest is known only then). */
  onProgress?: (e: ProgressEvent) => void;
  /** policy.json to use instead of the default lookup (podman's import judges the tarball as a source). */
  signaturePolicy?: string;
  /** Replaces the policy.json check. */
  policyCheck?: PolicyCheck;
}

/** The name an import stores, refused in podman's words (before anything is written, unlike podman). */
function importName(reference: string): string {
  try {
    return formatReference(parseLocalReference(reference));
  } catch (e) {
    throw newNameError(reference, e);
  }
}

/**
 * Turn a root filesystem tarball (plain, gzip, zstd, xz or bzip2) into a one-layer image.
 * The layer is stored uncompressed (its digest is its diffID); the tar is checked to be a
 * readable archive before the image is recorded.
 */
export async function importImage(store: Store, opts: ImportOptions): Promise<{ id: string; name?: string }> {
  const name = opts.reference !== undefined ? importName(opts.reference) : undefined;
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const host = hostPlatform();
  const cfg: ImageConfig = {
    created,
    architecture: opts.platform?.arch ?? host.architecture,
    os: opts.platform?.os ?? 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  if (opts.platform?.variant) cfg.variant = opts.platform.variant;
  applyChanges(cfg, opts.changes ?? []);
  const what = typeof opts.input === 'string' ? opts.input : 'stdin';
  // As podman's import, the policy judges "tarball:PATH" (transport "tarball", no scopes but ""),
  // before anything is read. A tarball carries no signatures, so no requirement reads the manifest
  // (which does not exist yet): an empty one stands for it.
  const tarball = { transport: 'tarball' as const, toString: () => `tarball:${what}`, policyScope: () => '' };
  await (opts.policyCheck ?? policyJsonCheck({ path: opts.signaturePolicy }))(
    tarball,
    { digest: digestOf(Buffer.alloc(0)), mediaType: MT.OCIManifest, bytes: Buffer.alloc(0) },
    { signatures: async () => [] },
  );
  let raw: Readable;
  if (typeof opts.input === 'string' && isHttpUrl(opts.input)) {
    raw = await download(opts.input);
  } else if (typeof opts.input === 'string') {
    raw = createReadStream(opts.input);
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      // podman's words (libpod's import, then Go's)
      const file = opts.input as string;
      raw.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new BerthError('INVALID_ARGUMENT', `error opening ${JSON.stringify(file)}: open ${file}: ${goErrnoText(e)}`, { subject: file }),
        ),
      );
    });
  } else raw = opts.input;
  const dest = new LocalDestination(new LocalRef(store, undefined, name ? [name] : []));
  try {
    const { stream } = await autoDecompress(raw);
    const layer = await dest.putBlob(stream, { mediaType: MT.OCILayer, isConfig: false, what: `layer from ${what}` });
    // a layer must be a tar archive: index it (reads headers only)
    indexTarFile(store.blobPath(layer.digest), `${what}`);
    cfg.rootfs.diff_ids = [layer.digest];
    cfg.history = [
      {
        created,
        created_by: `/bin/sh -c #(nop) ADD file:${layer.digest.slice(7)} in /`,
        ...(opts.message ? { comment: opts.message } : {}),
      },
    ];
    const cfgBytes = Buffer.from(JSON.stringify(cfg));
    const cfgDesc = { mediaType: MT.OCIConfig, digest: digestOf(cfgBytes), size: cfgBytes.length };
    await dest.putBlob(Readable.from([cfgBytes]), {
      digest: cfgDesc.digest,
      size: cfgDesc.size,
      mediaType: MT.OCIConfig,
      isConfig: true,
      what: 'config',
    });
    const layerDesc = { mediaType: MT.OCILayer, digest: layer.digest, size: layer.size };
    const manifest = serializeManifest({ schemaVersion: 2, config: cfgDesc, layers: [layerDesc] }, MT.OCIManifest);
    const emit = opts.onProgress ?? (() => {});
    emit({ kind: 'resolved', ref: `tarball:${what}`, manifestDigest: digestOf(manifest), layers: [layer.digest] });
    emit({ kind: 'blob', digest: layer.digest, state: 'start', bytes: 0, total: layer.size });
    emit({ kind: 'blob', digest: layer.digest, state: 'done', bytes: layer.size, total: layer.size });
    emit({ kind: 'blob', digest: cfgDesc.digest, state: 'done', isConfig: true, total: cfgDesc.size });
    emit({ kind: 'manifest', state: 'writing', digest: digestOf(manifest) });
    await dest.putManifest({ bytes: manifest, mediaType: MT.OCIManifest });
    await dest.commit({
      manifest: { digest: digestOf(manifest), mediaType: MT.OCIManifest, bytes: manifest },
      config: { desc: cfgDesc, bytes: cfgBytes },
      layers: [{ desc: layerDesc, diffID: layer.digest, uncompressedSize: layer.size }],
    });
    emit({ kind: 'manifest', state: 'done', digest: digestOf(manifest) });
    return { id: dest.imageId!, name };
  } catch (e) {
    if (e instanceof BerthError && e.code === 'INVALID_ARCHIVE')
      throw new BerthError('INVALID_ARCHIVE', `${what} is not a valid tar archive: ${e.reason}`, { subject: what, cause: e });
    throw e;
  } finally {
    await dest.close();
  }
}
