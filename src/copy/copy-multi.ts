/**
 * Copying a manifest list / image index with its instances (skopeo copy --all, or a subset
 * of platforms): each chosen instance goes through the one engine (copyImage, written as an
 * instance: by digest, untagged), then the list is written last, pointing at the manifests
 * as written. As containers/image, the list keeps its bytes (and digest) when nothing in it
 * changed; dropping platforms or converting an instance rewrites it, which
 * `preserveDigests` refuses.
 */
import { BerthError } from '../errors.js';
import { type Digest, digestOf, matchesDigest } from '../digest/digest.js';
import { MT, parseManifestDocument, serializeIndex } from '../media/index.js';
import { otherListType, rewriteIndex, selectInstances, type InstanceUpdate } from '../media/index-edit.js';
import type { PlatformChoice } from '../platform/platform.js';
import type { ImageDestination, ImageSource } from '../transports/types.js';
import { copyImage, type CopyOptions, type CopyResult } from './copy.js';
import { acceptAnything } from './policy.js';
import { checkSignaturesWritable, signingIdentity, storeSignatures } from './signatures.js';

export interface CopyMultiOptions extends Omit<CopyOptions, 'platform' | 'instance' | 'asInstance'> {
  /** Every instance, or only those of these platforms (OS and architecture). */
  instances: 'all' | readonly PlatformChoice[];
}

export interface CopyMultiResult {
  /** The list as written (or the single image's manifest when the source was not a list). */
  manifestDigest: Digest;
  manifestMediaType: string;
  manifestBytes: Buffer;
  /** One result per copied instance, in list order (empty for a single image). */
  instances: CopyResult[];
  /** Set when the source was a single image: the plain copy's result. */
  single?: CopyResult;
}

export async function copyMultiImage(src: ImageSource, dest: ImageDestination, opts: CopyMultiOptions): Promise<CopyMultiResult> {
  const emit = opts.onProgress ?? (() => {});
  const srcName = src.ref.toString();
  const top = await src.getManifest();
  if (opts.expectedDigest && !matchesDigest(top.bytes, opts.expectedDigest))
    throw new BerthError('DIGEST_MISMATCH', `manifest from ${srcName} does not match the requested digest ${opts.expectedDigest}`);
  const parsed = parseManifestDocument(top.bytes, top.mediaType, `manifest of ${srcName}`);
  if (parsed.kind !== 'index') {
    // a single image: --all has nothing more to copy
    const { instances: _all, ...single } = opts;
    const r = await copyImage(src, dest, single);
    return {
      manifestDigest: r.manifestDigest,
      manifestMediaType: r.manifestMediaType,
      manifestBytes: r.manifestBytes,
      instances: [],
      single: r,
    };
  }
  const list = parsed.index;
  const listDigest = digestOf(top.bytes);
  // the list's own signatures (unless removed) forbid changing it, as containers/image
  const listSigs = opts.removeSignatures || !src.getSignatures ? [] : await src.getSignatures();
  if (listSigs.length > 0) checkSignaturesWritable(dest);
  if (opts.signers?.length) checkSignaturesWritable(dest, true);
  const signIdentity = opts.signers?.length ? signingIdentity(dest, opts.signIdentity) : undefined;
  const noChange = opts.preserveDigests
    ? 'Instructed to preserve digests'
    : listSigs.length > 0
      ? 'Would invalidate signatures'
      : undefined;

  // containers/image's words (skopeo copy --all, podman push --all)
  if (!dest.commitIndex)
    throw new BerthError(
      'UNSUPPORTED',
      `copying multiple images: destination transport ${JSON.stringify(dest.ref.transport)} does not support copying multiple images as a group`,
    );
  // list type: keep it when the destination takes it, else the other flavour (unless forced)
  const accepted = dest.supportedManifestTypes();
  let listType = parsed.mediaType;
  if (opts.format) listType = opts.format === 'oci' ? MT.OCIIndex : MT.DockerManifestList;
  else if (!accepted.includes(listType)) listType = otherListType(listType);
  if (!accepted.includes(listType)) throw new BerthError('UNSUPPORTED', `${dest.ref} cannot store a ${listType} list`);
  if (listType !== parsed.mediaType && noChange)
    throw new BerthError(
      'UNSUPPORTED',
      `Manifest list must be converted to type ${JSON.stringify(listType)} to be written to destination, but we cannot modify it: ${noChange}`,
    );

  const kept = selectInstances(list, opts.instances);
  if (noChange && kept.length !== list.manifests.length) {
    const dropped = list.manifests.find((m) => !kept.includes(m))!;
    throw new BerthError('UNSUPPORTED', `we should delete instance ${dropped.digest} from manifest list, but we cannot: ${noChange}`);
  }

  // policy: for the list before anything is written (and for each instance as it is copied)
  await (opts.policy ?? acceptAnything)(
    src.ref,
    { digest: listDigest, mediaType: parsed.mediaType, bytes: top.bytes },
    { signatures: async () => listSigs },
  );

  emit({ kind: 'message', text: `Copying ${kept.length} images generated from ${list.manifests.length} images in list` });
  const results: CopyResult[] = [];
  const updates: InstanceUpdate[] = [];
  for (const [i, d] of kept.entries()) {
    emit({ kind: 'message', text: `Copying image ${d.digest} (${i + 1}/${kept.length})` });
    const r = await copyImage(src, dest, {
      ...opts,
      // instance manifests follow the list's flavour when it was forced
      format: opts.format,
      instance: d.digest,
      asInstance: true,
      expectedDigest: undefined,
    }).catch((e: unknown) => {
      if (e instanceof BerthError)
        throw new BerthError(e.code, `copying image ${i + 1}/${kept.length} from manifest list: ${e.message}`, {
          cause: e,
          hint: e.hint,
          data: e.data as Record<string, unknown> | undefined,
        });
      throw e;
    });
    results.push(r);
    updates.push({ from: d.digest, digest: r.manifestDigest, size: r.manifestBytes.length, mediaType: r.manifestMediaType });
  }

  const unchanged =
    listType === parsed.mediaType && kept.length === list.manifests.length && updates.every((u, i) => u.digest === kept[i]!.digest);
  let bytes = top.bytes;
  if (!unchanged) {
    if (noChange) throw new BerthError('UNSUPPORTED', `Manifest list was edited, but we cannot modify it: ${JSON.stringify(noChange)}`);
    bytes = serializeIndex(rewriteIndex(list, kept, updates, listType), listType);
  }
  const digest = digestOf(bytes);
  emit({ kind: 'message', text: 'Writing manifest list to image destination' });
  await dest.putManifest({ bytes, mediaType: listType });
  await storeSignatures(dest, listSigs, bytes, digest, opts, signIdentity, emit);
  await dest.commitIndex({ digest, mediaType: listType, bytes });
  emit({ kind: 'manifest', state: 'done', digest });
  return { manifestDigest: digest, manifestMediaType: listType, manifestBytes: bytes, instances: results };
}
