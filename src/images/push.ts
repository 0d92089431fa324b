import { BerthError, abortable } from '../errors.js';
import { formatReference, isShortName, parseReferenceRaw } from '../reference/reference.js';
import { copyImage, type CopyResult } from '../copy/copy.js';
import { LocalRef, LocalSource } from '../transports/local/local.js';
import { parseImageName, transportOf } from '../transports/registry.js';
import type { ProgressEvent } from '../transports/types.js';
import type { Signer } from '../trust/signature.js';
import type { Store } from '../store/store.js';
import { lookupImage } from './lookup.js';
import type { RegistryAccessOptions } from './registry-access.js';
import { transferContext } from './context.js';
import { checkOutputPath, writeOutputFile } from '../util/output-file.js';
import { withDiffIDs } from './layer-progress.js';
import { StoreBlobInfoCache } from '../store/blob-info-cache.js';
import { registryLocation } from '../copy/blob-info-cache.js';

export interface PushOptions extends RegistryAccessOptions {
  /** Manifest format: oci or v2s2 (default: keep the image's). */
  format?: 'oci' | 'v2s2';
  compressionFormat?: 'gzip' | 'zstd';
  compressionLevel?: number;
  /** Recompress layers that are already compressed differently. */
  forceCompression?: boolean;
  /** Write the pushed manifest digest to this file. */
  digestfile?: string;
  /** Do not copy the image's stored signatures (--remove-signatures). */
  removeSignatures?: boolean;
  /** Add one signature per signer for the destination (or `signIdentity`) after the manifest is written. */
  signers?: Signer[];
  /** The identity new signatures name instead of the destination reference (a reference with a tag or digest). */
  signIdentity?: string;
  /** policy.json to use instead of ~/.config/containers/policy.json, else /etc/containers/policy.json. */
  signaturePolicy?: string;
  /** Layers copied at once (default: containers.conf image_parallel_copies, else sensible for the machine). */
  parallel?: number;
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * Push a local image to any transport. Without a destination the image's own name is used
 * (it must name a registry). Layers stored compressed are sent as they are unless another
 * compression is asked for.
 */
export async function pushImage(
  store: Store,
  source: string,
  destination: string | undefined,
  opts: PushOptions = {},
): Promise<CopyResult & { destination: string }> {
  return abortable(opts.signal, () => pushImageNow(store, source, destination, opts));
}

async function pushImageNow(
  store: Store,
  source: string,
  destination: string | undefined,
  opts: PushOptions = {},
): Promise<CopyResult & { destination: string }> {
  if (opts.compressionLevel !== undefined && !opts.compressionFormat && !Number.isInteger(opts.compressionLevel)) {
    throw new BerthError('INVALID_ARGUMENT', `invalid --compression-level ${opts.compressionLevel}`);
  }
  if (opts.digestfile !== undefined) checkOutputPath(opts.digestfile, 'digest file path');
  const ctx = transferContext(store, opts);
  const parallel = ctx.parallelCopies(opts.parallel);
  const { id, matchedName } = lookupImage(store, source);
  let dest = destination ?? source;
  if (!transportOf(dest)) {
    if (destination === undefined && matchedName) dest = matchedName;
    if (isShortName(dest) && destination === undefined) {
      const img = store.getImage(id)!;
      const qualified = img.names.find((n) => !n.startsWith('localhost/'));
      if (!qualified)
        throw new BerthError('INVALID_ARGUMENT', `${source}: the image has no name that includes a registry`, {
          hint: 'give a destination, e.g. "berth push IMAGE registry.example.com/repo:tag"',
        });
      dest = qualified;
    }
    const r = parseReferenceRaw(dest);
    if (r.domain === 'localhost')
      throw new BerthError('INVALID_ARGUMENT', `cannot push to ${dest}: "localhost" names local images, not a registry`, {
        hint: 'give a destination with a registry host',
      });
    dest = `docker://${formatReference(r)}`;
  }
  const src = new LocalSource(new LocalRef(store, id), id);
  const row = store.getImage(id)!;
  const destRef = parseImageName(dest);
  const cache = new StoreBlobInfoCache(store, registryLocation(destRef));
  // repositories that may hold the layers: the image's names (the destination keeps those of
  // its own registry); the engine adds those the blob info cache knows for each blob
  const mountFrom = [...new Set(row.names.map((n) => n.replace(/[:@][^/]*$/, '')))];
  const opened = await destRef.newDestination({ ...ctx, mountFrom });
  try {
    const r = await copyImage(src, opened.dest, {
      format: opts.format,
      compression:
        opts.compressionFormat || opts.compressionLevel !== undefined || opts.forceCompression
          ? { format: opts.compressionFormat ?? 'gzip', level: opts.compressionLevel, force: opts.forceCompression }
          : undefined,
      parallel,
      onProgress: withDiffIDs(store, id, opts.onProgress),
      removeSignatures: opts.removeSignatures,
      signers: opts.signers,
      signIdentity: opts.signIdentity,
      // as podman's push: the local image is the source policy.json judges ("[ROOT]@ID" under containers-storage)
      policy: ctx.policy(),
      blobInfoCache: cache,
    });
    await opened.dest.close();
    await opened.finish();
    if (opts.digestfile !== undefined) {
      await writeOutputFile(
        opts.digestfile,
        r.manifestDigest,
        `pushed ${r.manifestDigest}, but cannot write the digest file ${opts.digestfile}`,
      );
    }
    return { ...r, destination: dest };
  } catch (e) {
    await opened.dest.close().catch(() => {});
    await opened.abort().catch(() => {});
    throw e;
  } finally {
    await src.close();
  }
}
