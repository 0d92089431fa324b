import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { defaultParallelism } from './parallelism.js';
import { BerthError, isBerthError } from '../errors.js';
import { type Digest, digestOf, matchesDigest } from '../digest/digest.js';
import { DigestVerifier, HashSink } from '../digest/verifier.js';
import {
  compressFileWithProgram,
  createCompressor,
  createDecompressor,
  peekStream,
  sniffCompression,
  type Algorithm,
} from '../compression/compression.js';
import { decompressedDigest, type ContentDigest } from '../compression/content-digest.js';
import { gzipCodec } from '../compression/gzip-codec.js';
import { log } from '../log.js';
import {
  MT,
  MAX_CONFIG_SIZE,
  type Compression,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  layerCompression,
  layerMediaType,
  manifestFlavour,
  parseImageConfig,
  parseManifestDocument,
  serializeManifest,
} from '../media/index.js';
import { choosePlatform, wantedPlatform, type PlatformChoice } from '../platform/platform.js';
import type {
  CommittedLayer,
  ImageDestination,
  ImageSource,
  LayerHint,
  ProgressEvent,
  ResumableBlob,
  ReuseOptions,
} from '../transports/types.js';
import { SideTap, Tee, GROUP_BYTES, concatStreams, forEachLimit, readAll } from '../util/streams.js';
import { acceptAnything, type PolicyCheck } from './policy.js';
import { planLayer, type CompressionRequest } from './compression-plan.js';
import type { Signature, Signer } from '../trust/signature.js';
import type { BlobInfoCache, KnownCompressed, LearnedPair } from './blob-info-cache.js';
import { checkSignaturesWritable, signingIdentity, storeSignatures } from './signatures.js';
import { mountPlanner } from './mount-candidates.js';

export interface CopyOptions {
  /** Platform to pick from an index (default: this machine). */
  platform?: PlatformChoice;
  /** Force the destination manifest format. */
  format?: 'oci' | 'v2s2';
  /** Compression for layers the destination compresses (registry): gzip (default) or zstd. */
  compression?: CompressionRequest;
  /** Expected digest of the top-level manifest (by-digest references). */
  expectedDigest?: Digest;
  /** Verify every layer's diffID against the config (default: when the destination needs diffIDs). */
  verifyDiffIDs?: boolean;
  /** Maximum layers transferred at once. */
  parallel?: number;
  /** Write every layer uncompressed (save --uncompressed); the destination must accept that. */
  decompress?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  policy?: PolicyCheck;
  /** Copy this instance of the source's index instead of choosing one by platform. */
  instance?: Digest;
  /**
   * Write the manifest as an instance of an index that the caller writes afterwards
   * (copy-multi.ts): reachable by digest only, no tag, no commit.
   */
  asInstance?: boolean;
  /** Refuse any change to the manifest (skopeo's --preserve-digests). */
  preserveDigests?: boolean;
  /** Do not copy the source's signatures (they are read only when the policy needs them). */
  removeSignatures?: boolean;
  /** Sign the written manifest, once per signer, after it is written (push, copy, image sign). */
  signers?: Signer[];
  /** The identity the new signatures name (a reference with a tag or digest); default: the destination's docker reference. */
  signIdentity?: string;
  /**
   * Let the destination keep the bytes of an interrupted layer download and resume from them
   * (default: when the source is remote, see `ImageSource.remote`).
   */
  resume?: boolean;
  /**
   * Compressed forms of uncompressed layers that earlier copies made: tried at the destination
   * before compressing a layer again, and told what this copy verified once it succeeded.
   */
  blobInfoCache?: BlobInfoCache;
}

/** Why the manifest may not change, in containers/image's words (or undefined). */
function cannotModifyReason(opts: CopyOptions, carriesSignatures: boolean): string | undefined {
  if (opts.preserveDigests) return 'Instructed to preserve digests';
  return carriesSignatures ? 'Would invalidate signatures' : undefined;
}

export interface CopyResult {
  manifestDigest: Digest;
  manifestMediaType: string;
  /** Digest of the index the manifest was chosen from, if any. */
  indexDigest?: Digest;
  configDigest: Digest;
  /** Image ID: the config digest's hex. */
  imageId: string;
  manifestBytes: Buffer;
  config: ImageConfig;
}

const LAYER_OF = (i: number, n: number) => `layer ${i + 1}/${n}`;

/** The entry of `list` for the platform asked for; none: containers/image's words ("choosing an image from manifest list SRC: ..."). */
function chooseSystemImage(
  list: { index: { manifests: Descriptor[] }; mediaType: string },
  opts: CopyOptions,
  srcName: string,
): Descriptor {
  try {
    return choosePlatform(list.index.manifests, wantedPlatform(opts.platform), srcName, list.mediaType);
  } catch (e) {
    if (!isBerthError(e, 'NO_MATCHING_PLATFORM')) throw e;
    throw new BerthError(e.code, `choosing an image from manifest list ${srcName}: ${e.reason}`, {
      cause: e,
      hint: e.hint,
      subject: srcName,
    });
  }
}

/**
 * The copy engine: resolve -> choose platform -> policy -> plan each blob (reuse | pass |
 * convert) -> stream with verification -> write the manifest last -> commit.
 * The caller owns `src` and `dest` and closes them.
 */
export async function copyImage(src: ImageSource, dest: ImageDestination, opts: CopyOptions = {}): Promise<CopyResult> {
  const emit = opts.onProgress ?? (() => {});
  const started = Date.now();
  const srcName = src.ref.toString();

  // 1. resolve the manifest (verify the digest whenever we know what to expect)
  const top = await src.getManifest();
  if (opts.expectedDigest && !matchesDigest(top.bytes, opts.expectedDigest)) {
    throw new BerthError('DIGEST_MISMATCH', `manifest from ${srcName} does not match the requested digest ${opts.expectedDigest}`);
  }
  let parsed = parseManifestDocument(top.bytes, top.mediaType, `manifest of ${srcName}`);
  let manifestBytes = top.bytes;
  let manifestMediaType = parsed.mediaType;
  let index: { digest: Digest; mediaType: string; bytes: Buffer } | undefined;
  if (parsed.kind === 'index') {
    const chosen = opts.instance ? findInstance(parsed.index.manifests, opts.instance, srcName) : chooseSystemImage(parsed, opts, srcName);
    index = { digest: digestOf(top.bytes), mediaType: parsed.mediaType, bytes: top.bytes };
    const inst = await src.getManifest(chosen.digest);
    if (!matchesDigest(inst.bytes, chosen.digest)) {
      throw new BerthError('DIGEST_MISMATCH', `manifest ${chosen.digest} from ${srcName} does not match its digest in the index`);
    }
    parsed = parseManifestDocument(inst.bytes, inst.mediaType ?? chosen.mediaType, `manifest ${chosen.digest} of ${srcName}`);
    // containers/image copies no list inside a list (with --all, copy-multi names the instance)
    if (parsed.kind === 'index')
      throw new BerthError(
        'UNSUPPORTED',
        `${opts.instance ? '' : 'copying system image from manifest list: '}Unexpectedly received a manifest list instead of a manifest for a single image`,
        { subject: srcName, data: { instance: chosen.digest } },
      );
    if (parsed.kind !== 'manifest')
      throw new BerthError('INVALID_MANIFEST', `${srcName}: index entry ${chosen.digest} is not an image manifest`);
    manifestBytes = inst.bytes;
    manifestMediaType = parsed.mediaType;
  }
  if (opts.instance && !index && digestOf(top.bytes) !== opts.instance)
    throw new BerthError('INVALID_ARGUMENT', `${srcName} is a single image, not a list holding ${opts.instance}`);
  if (parsed.kind === 'schema1') {
    throw new BerthError('UNSUPPORTED', `${srcName} uses the deprecated docker schema1 manifest format`, {
      hint: 'ask the publisher for a schema2 or OCI image',
    });
  }
  if (parsed.kind !== 'manifest') throw new BerthError('INVALID_MANIFEST', `${srcName}: expected an image manifest`);
  const srcManifest = parsed.manifest;
  const srcManifestDigest = digestOf(manifestBytes);
  emit({
    kind: 'resolved',
    ref: srcName,
    manifestDigest: srcManifestDigest,
    ...(index ? { indexDigest: index.digest } : {}),
    layers: srcManifest.layers.map((l) => l.digest),
  });

  // 2. policy: before anything is written. Signatures belong to the manifest that is copied
  // (an index's chosen instance), as in containers/image; they are read at most once.
  const instanceDigest = index ? srcManifestDigest : undefined;
  let sigsRead: Promise<Signature[]> | undefined;
  const sourceSignatures = () => (sigsRead ??= src.getSignatures ? src.getSignatures(instanceDigest) : Promise.resolve([]));
  await (opts.policy ?? acceptAnything)(
    src.ref,
    { digest: srcManifestDigest, mediaType: manifestMediaType, bytes: manifestBytes },
    { signatures: sourceSignatures, index },
  );
  const carried = opts.removeSignatures ? [] : await sourceSignatures();
  if (carried.length > 0) checkSignaturesWritable(dest);
  if (opts.signers?.length) checkSignaturesWritable(dest, true);
  const signIdentity = opts.signers?.length ? signingIdentity(dest, opts.signIdentity) : undefined;

  // 3. config
  const configDesc = srcManifest.config;
  if (configDesc.size > MAX_CONFIG_SIZE)
    throw new BerthError(
      'TOO_LARGE',
      `config ${configDesc.digest} of ${srcName} is ${configDesc.size} bytes, over the ${MAX_CONFIG_SIZE}-byte limit`,
    );
  const { stream: cfgStream } = await src.getBlob(configDesc);
  const cfgVerifier = new DigestVerifier({
    digest: configDesc.digest,
    size: configDesc.size,
    what: `config ${configDesc.digest} of ${srcName}`,
  });
  cfgStream.on('error', (e) => cfgVerifier.destroy(e));
  const configBytes = await readAll(cfgStream.pipe(cfgVerifier), MAX_CONFIG_SIZE, `config of ${srcName}`);
  const config = parseImageConfig(configBytes, `config ${configDesc.digest} of ${srcName}`);
  const diffIDs = config.rootfs.diff_ids;
  if (diffIDs.length !== srcManifest.layers.length) {
    throw new BerthError(
      'INVALID_MANIFEST',
      `${srcName}: manifest has ${srcManifest.layers.length} layers but the config lists ${diffIDs.length} diff_ids`,
    );
  }

  // 4. plan: output manifest type and per-layer compression
  const destTypes = dest.supportedManifestTypes();
  let outType: string;
  // signatures sign these exact manifest bytes: a copy that carries them changes nothing
  const noChange = cannotModifyReason(opts, carried.length > 0);
  if (opts.format) {
    outType = opts.format === 'oci' ? MT.OCIManifest : MT.DockerManifest;
    if (!destTypes.includes(outType)) throw new BerthError('UNSUPPORTED', `${dest.ref} cannot store ${opts.format} manifests`);
  } else {
    outType = destTypes.includes(manifestMediaType) ? manifestMediaType : destTypes[0]!;
  }
  const desire = dest.desiredLayerCompression();
  const hints = srcManifest.layers.map((l) => src.layerHint?.(l));
  const actualCompression: Compression[] = srcManifest.layers.map((l, i) => hints[i]?.compression ?? layerCompression(l.mediaType));
  // as containers/image, layers are not recompressed when the manifest may not change; a
  // destination that must have them uncompressed is refused below
  const targets: Compression[] = actualCompression.map((c) =>
    noChange && !opts.decompress && desire !== 'decompress'
      ? c
      : planLayer(c, opts.decompress ? 'decompress' : desire, opts.compression).target,
  );
  if (manifestFlavour(outType) === 'docker' && targets.includes('zstd')) {
    if (opts.format === 'v2s2')
      throw new BerthError('INVALID_ARGUMENT', 'zstd-compressed layers cannot be stored in a docker v2s2 manifest', {
        hint: 'use --format oci',
      });
    outType = MT.OCIManifest;
    if (!destTypes.includes(outType)) throw new BerthError('UNSUPPORTED', `${dest.ref} cannot store zstd layers`);
  }
  const flavour = manifestFlavour(outType);
  const flavourChanges = manifestFlavour(manifestMediaType) !== flavour;
  if (noChange && outType !== manifestMediaType)
    throw new BerthError(
      'UNSUPPORTED',
      `Manifest must be converted to type ${JSON.stringify(outType)} to be written to destination, but we cannot modify it: ${JSON.stringify(noChange)}`,
    );
  if (noChange && targets.some((t, i) => t !== actualCompression[i]))
    throw new BerthError(
      'UNSUPPORTED',
      `Copying this image would require changing layer representation, which we cannot do: ${JSON.stringify(noChange)}`,
    );
  const verifyDiffIDs = opts.verifyDiffIDs ?? dest.needsDiffIDs();
  const needDiff = verifyDiffIDs || dest.needsDiffIDs();

  // 5. the config blob (same bytes; media type follows the manifest flavour): where the order
  // of blobs does not matter it is stored while the layers transfer, so that its write is not
  // left for after their last byte
  const outConfigType =
    flavour === 'oci'
      ? configDesc.mediaType === MT.DockerConfig
        ? MT.OCIConfig
        : configDesc.mediaType
      : configDesc.mediaType === MT.OCIConfig
        ? MT.DockerConfig
        : configDesc.mediaType;
  const outConfig: Descriptor = { ...configDesc, mediaType: outConfigType };
  // registries may mount blobs from repositories of their own that hold them
  const mounts = mountPlanner(src.ref, dest.ref, opts.blobInfoCache);
  const storeConfig = async (): Promise<boolean> => {
    if (await dest.tryReuseBlob(configDesc, undefined, mounts?.(configDesc.digest))) return true;
    const s = new PassThrough();
    s.end(configBytes);
    await dest.putBlob(s, {
      digest: configDesc.digest,
      size: configDesc.size,
      mediaType: outConfigType,
      isConfig: true,
      what: `config ${configDesc.digest}`,
    });
    return false;
  };
  const configStored = dest.blobsInAnyOrder ? storeConfig() : undefined;
  configStored?.catch(() => {
    /* awaited below */
  });

  // 6. layers
  const n = srcManifest.layers.length;
  let fetchedBytes = configDesc.size;
  let existingBytes = 0;
  let resumedBytes = 0;
  const resumedDigests = new Set<Digest>();
  const committed: CommittedLayer[] = new Array(n);
  const learnedPairs: LearnedPair[] = [];
  const layersDone = forEachLimit(srcManifest.layers, opts.parallel ?? defaultParallelism(), async (layer, i) => {
    const what = `${LAYER_OF(i, n)} (blob ${layer.digest}) of ${srcName}`;
    let srcComp = actualCompression[i]!;
    let target = targets[i]!;
    const hintFor = (c: Compression) => hints[i] ?? (c === 'none' ? { diffID: layer.digest, uncompressedSize: layer.size } : undefined);
    let srcHint = hintFor(srcComp);
    // a rewritten manifest labels each layer by what its bytes are: docker archives label
    // plain tar layers as gzip, which an OCI manifest must not repeat
    const relabel = (c: Compression) => flavourChanges && isKnownLayerType(layer.mediaType) && layerCompression(layer.mediaType) !== c;
    const outTypeFor = (c: Compression, t: Compression) =>
      t === c && !relabel(c) ? convertLayerType(layer.mediaType, flavour) : layerMediaType(flavour, t);
    let outMediaType = outTypeFor(srcComp, target);

    // An uncompressed layer the source holds as a file, to be gzip-compressed by a program
    // (compressFile below): the program reads the file itself. It is started before the
    // destination is asked whether it holds the blob (a registry's round trips), and stopped
    // when it does.
    const startFileCompression = (): Readable | undefined => {
      if (srcComp !== 'none' || target !== 'gzip' || hints[i]?.compression !== 'none') return undefined;
      const file = src.blobFile?.(layer);
      if (!file) return undefined;
      try {
        const comp = compressFileWithProgram(file, { level: opts.compression?.level });
        // it may fail before anyone reads it: the error is kept (comp.errored) for compressFile
        comp?.on('error', () => {});
        return comp;
      } catch (e) {
        if (e instanceof BerthError) throw e;
        return undefined; // cannot open it: the stream path reports why
      }
    };
    // reuse before transfer: a compressed form of this layer that an earlier copy made and
    // checked may be at the destination already; the destination must confirm it (the pair
    // alone is never trusted). Asked first, so that no compressor starts for a layer it has.
    if (opts.blobInfoCache && srcComp === 'none' && (target === 'gzip' || target === 'zstd') && !noChange) {
      const diffID = srcHint?.diffID ?? layer.digest;
      const known = await reuseKnownForm(dest, opts.blobInfoCache, diffID, target, flavour, opts.compression?.force === true, mounts);
      if (known) {
        if (verifyDiffIDs && diffID !== diffIDs[i]) throw diffIdMismatch(i, layer.digest, srcName);
        existingBytes += layer.size;
        emit({ kind: 'blob', digest: layer.digest, state: 'exists', total: layer.size });
        committed[i] = {
          desc: {
            mediaType: layerMediaType(flavour, known.algorithm),
            digest: known.digest,
            size: known.size,
            ...(layer.annotations ? { annotations: layer.annotations } : {}),
          },
          diffID,
          uncompressedSize: srcHint?.uncompressedSize ?? layer.size,
        };
        return;
      }
    }
    let started: Readable | undefined = startFileCompression();
    const stopStarted = () => {
      started?.destroy(); // the program must not outlive the copy
      started = undefined;
    };

    // as containers/image: the destination may hold the source's blob already, even where the
    // plan would compress it (not when a compression was asked for explicitly)
    if (target === srcComp || !opts.compression) {
      const reused = await dest.tryReuseBlob(layer, srcHint, mounts?.(layer.digest)).catch((e: unknown) => {
        stopStarted();
        throw e instanceof BerthError
          ? new BerthError(e.code, `trying to reuse blob ${layer.digest} at destination: ${e.message}`, {
              cause: e,
              hint: e.hint,
              data: e.data as Record<string, unknown> | undefined,
            })
          : e;
      });
      const hint = reused?.hint ?? srcHint;
      if (reused && (!needDiff || hint)) {
        stopStarted();
        if (verifyDiffIDs && hint && hint.diffID !== diffIDs[i]) throw diffIdMismatch(i, layer.digest, srcName);
        existingBytes += layer.size;
        emit({ kind: 'blob', digest: layer.digest, state: 'exists', total: layer.size });
        committed[i] = {
          desc: { ...layer, mediaType: outTypeFor(srcComp, srcComp), digest: reused.blob.digest, size: reused.blob.size },
          diffID: hint?.diffID ?? diffIDs[i]!,
          uncompressedSize: hint?.uncompressedSize ?? -1,
        };
        return;
      }
    }
    if (target === 'none' && srcComp !== 'none' && srcHint && srcHint.uncompressedSize >= 0) {
      // decompressing a layer whose tar digest is known: the destination may hold it already
      // (e.g. a base layer shared by several images of one archive)
      const tarDesc: Descriptor = { mediaType: outMediaType, digest: srcHint.diffID, size: srcHint.uncompressedSize };
      const reused = await dest.tryReuseBlob(tarDesc, srcHint);
      if (reused) {
        if (verifyDiffIDs && srcHint.diffID !== diffIDs[i]) throw diffIdMismatch(i, layer.digest, srcName);
        existingBytes += layer.size;
        emit({ kind: 'blob', digest: layer.digest, state: 'exists', total: layer.size });
        committed[i] = {
          desc: {
            ...tarDesc,
            digest: reused.blob.digest,
            size: reused.blob.size,
            ...(layer.annotations ? { annotations: layer.annotations } : {}),
          },
          diffID: srcHint.diffID,
          uncompressedSize: srcHint.uncompressedSize,
        };
        return;
      }
    }
    // a layer written in another form than the source's: check its diffID and record it
    const commitConverted = (stored: { digest: Digest; size: number }, diffID: Digest, uncompressedSize: number) => {
      if (verifyDiffIDs && diffID !== diffIDs[i]) throw diffIdMismatch(i, layer.digest, srcName);
      committed[i] = {
        desc: {
          mediaType: outMediaType,
          digest: stored.digest,
          size: stored.size,
          ...(layer.annotations ? { annotations: layer.annotations } : {}),
        },
        diffID,
        uncompressedSize,
      };
    };
    // An uncompressed layer the source holds as a file, gzip-compressed by a program that reads
    // the file itself, so the tar never passes through this process. Checking that what the
    // program wrote decompresses to the layer's digest verifies the file and the program in one
    // pass. False when this does not apply (the stream path does the work).
    const compressFile = async (): Promise<boolean> => {
      const comp = started ?? startFileCompression();
      started = undefined;
      if (!comp) return false;
      log.debug(() => `${what}: ${gzipCodec('compress').name} compresses the stored file`);
      const check = decompressedDigest('gzip', { count: false });
      const tap = new SideTap(check.input, check.done);
      comp.on('error', (e) => tap.destroy(e));
      if (comp.errored) tap.destroy(comp.errored);
      const out = comp.pipe(tap);
      const stored = await dest.putBlob(out, { mediaType: outMediaType, isConfig: false, hint: srcHint, what }).catch((e) => {
        check.destroy();
        out.destroy();
        comp.destroy(); // the programs must not outlive the copy
        throw corruptData(e, what);
      });
      if (!out.readableEnded) {
        check.destroy();
        comp.destroy();
        throw new BerthError('INTERNAL', `${dest.ref} stored ${what} without reading all of it`);
      }
      const got = await check.done.catch((e: unknown) => {
        throw compressorLied(what, e);
      });
      if (got.digest !== layer.digest) {
        // the program, or the file: hash the file to say which (only on this failure path)
        if (!(await src.blobFileMatches?.(layer))) throw damagedSource(what, layer.digest);
        throw compressorLied(what);
      }
      commitConverted(stored, layer.digest, layer.size);
      learnedPairs.push({ uncompressed: layer.digest, compressed: stored.digest, algorithm: 'gzip', size: stored.size });
      return true;
    };
    // one attempt at the transfer; returns how many bytes kept from an interrupted one it used
    const transfer = async (): Promise<{ kept: number }> => {
      if (await compressFile()) return { kept: 0 };
      // the destination may keep what an interrupted transfer of this blob wrote: fetch the rest
      const resumable = target === srcComp && (opts.resume ?? src.remote) ? await dest.resumeBlob?.(layer, srcName) : undefined;
      try {
        const opened = await openBlob(src, layer, resumable);
        let raw = opened.stream;
        const kept = opened.kept;
        if (kept > 0) {
          resumedDigests.add(layer.digest);
          emit({ kind: 'blob', digest: layer.digest, state: 'resumed', bytes: kept, total: layer.size });
        }
        if (!hints[i]?.compression) {
          // the media type may not say how the bytes are compressed (skopeo labels the uncompressed
          // layers of a docker archive ".tar.gzip" in dir: and registries): the magic bytes decide
          const peeked = await peekStream(raw, 6);
          raw = peeked.stream;
          const real = sniffCompression(peeked.head);
          if ((real === 'none' || real === 'gzip' || real === 'zstd') && real !== srcComp) {
            target = carried.length > 0 ? real : planLayer(real, desire, opts.compression).target;
            srcComp = real;
            srcHint = hintFor(real);
            outMediaType = outTypeFor(real, target);
          }
        }
        let lastEmit = 0;
        const verifier = new DigestVerifier({
          digest: layer.digest,
          size: layer.size,
          what,
          // progress from inside the verifier: a 'data' listener would switch the stream to flowing mode
          onBytes: (n) => {
            if (n - lastEmit >= 4 << 20) {
              lastEmit = n;
              emit({ kind: 'blob', digest: layer.digest, state: 'copying', bytes: n, total: layer.size });
            }
          },
        });
        // network chunks (~64 KiB) go on as they are: hashing, pipes and file writes (writev) take
        // them as cheaply as larger ones, and regrouping would copy every byte once more (an
        // in-process decompressor regroups its own input: decompressedDigest)
        let side: ContentDigest | undefined;
        let unverified: Readable = raw;
        if (target === srcComp && needDiff && srcComp !== 'none' && !srcHint) {
          // hash the decompressed side-stream to learn (and check) the diffID, in the same pass as
          // the digest. The side taps the bytes just before the verifier, so the verifier is what
          // the destination reads (and the store need not hash the blob again); a side failure is
          // reported after the digest check.
          side = decompressedDigest(srcComp as Algorithm, { chunkSize: GROUP_BYTES });
          const tap = new SideTap(side.input, side.done);
          raw.on('error', (e) => tap.destroy(e));
          unverified = raw.pipe(tap);
        }
        unverified.on('error', (e) => verifier.destroy(e));
        const out: Readable = unverified.pipe(verifier);

        if (target === srcComp) {
          const meta = { digest: layer.digest, size: layer.size, mediaType: outMediaType, isConfig: false, hint: srcHint, what };
          const stored = await (resumable ? resumable.write(out, kept, meta) : dest.putBlob(out, meta)).catch((e) => {
            side?.destroy(); // an external decompressor must not outlive the copy
            throw corruptData(e, what);
          });
          const learned = side
            ? await side.done.catch((e) => {
                throw corruptData(e, what);
              })
            : undefined;
          const diffID = learned ? learned.digest : (srcHint?.diffID ?? diffIDs[i]!);
          const usize = learned ? learned.bytes : (srcHint?.uncompressedSize ?? -1);
          if (verifyDiffIDs && diffID !== diffIDs[i]) throw diffIdMismatch(i, layer.digest, srcName);
          // the diffID was computed from the verified blob here: a pair a later push can use
          if (learned && (srcComp === 'gzip' || srcComp === 'zstd'))
            learnedPairs.push({ uncompressed: diffID, compressed: stored.digest, algorithm: srcComp, size: stored.size });
          committed[i] = {
            desc: { ...layer, mediaType: outMediaType, digest: stored.digest, size: stored.size },
            diffID,
            uncompressedSize: usize,
          };
        } else {
          // convert: decompress (verified input) -> hash the tar -> recompress. An uncompressed
          // source is the tar itself: the verifier checks its digest, which is its diffID.
          resumable?.release();
          let tarStream: Readable = out;
          let tarHash: DigestVerifier | HashSink = verifier;
          let tarComplete = () => out.readableEnded;
          let dec: Duplex | undefined;
          if (srcComp !== 'none') {
            const d = (dec = createDecompressor(srcComp as Algorithm));
            out.on('error', (e) => d.destroy(e));
            const hashSide = new HashSink();
            const hashSideDone = new Promise<void>((res, rej) => {
              hashSide.on('finish', res);
              hashSide.on('error', rej);
            });
            const tee = new Tee(hashSide, hashSideDone);
            dec.on('error', (e) => tee.destroy(e));
            tarStream = out.pipe(dec).pipe(tee);
            tarHash = hashSide;
            tarComplete = () => hashSide.writableFinished;
          }
          let final: Readable = tarStream;
          let check: ContentDigest | undefined;
          if (target !== 'none') {
            const comp = createCompressor(target, { level: opts.compression?.level });
            tarStream.on('error', (e) => comp.destroy(e));
            final = tarStream.pipe(comp);
            if (target === 'gzip' && gzipCodec('compress').path) {
              // what a compressing program wrote must decompress to the tar, checked on the way out
              // (before the manifest names it)
              check = decompressedDigest('gzip');
              const tap = new SideTap(check.input, check.done);
              final.on('error', (e) => tap.destroy(e));
              final = final.pipe(tap);
            }
          }
          const knownTar = target === 'none' && srcHint ? { digest: srcHint.diffID, size: srcHint.uncompressedSize } : {};
          const stored = await dest
            .putBlob(final, { ...knownTar, mediaType: outMediaType, isConfig: false, hint: srcHint, what })
            .catch((e) => {
              dec?.destroy();
              check?.destroy();
              final.destroy(); // external codecs must not outlive the copy
              throw corruptData(e, what);
            });
          if (check) {
            const got = await check.done.catch((e: unknown) => {
              throw compressorLied(what, e);
            });
            if (tarComplete() && got.digest !== tarHash.digest) throw compressorLied(what);
          }
          // a destination must read the whole stream before putBlob resolves (the tar hash is
          // complete only then); waiting here instead could hang on a destination that did not
          if (!tarComplete()) {
            final.destroy();
            throw new BerthError('INTERNAL', `${dest.ref} stored ${what} without reading all of it`);
          }
          commitConverted(stored, tarHash.digest, tarHash.bytes);
          // gzip output is checked (a program's, above) or made in process; zstd's is not checked
          if (target === 'gzip')
            learnedPairs.push({ uncompressed: tarHash.digest, compressed: stored.digest, algorithm: 'gzip', size: stored.size });
        }
        return { kept };
      } finally {
        resumable?.release(); // a no-op once written
      }
    };
    const t0 = Date.now();
    emit({ kind: 'blob', digest: layer.digest, state: 'start', bytes: 0, total: layer.size });
    let kept: number;
    try {
      kept = (await transfer()).kept;
    } catch (e) {
      // kept bytes the whole blob's digest rejected were discarded: fetch all of it once more
      if (!(isBerthError(e, 'DIGEST_MISMATCH') || isBerthError(e, 'SIZE_MISMATCH')) || !resumedDigests.has(layer.digest)) throw e;
      emit({ kind: 'message', text: `Kept bytes of blob ${layer.digest} did not verify; fetching all of it again` });
      kept = (await transfer()).kept;
    }
    const elapsedMs = Date.now() - t0;
    fetchedBytes += layer.size - kept;
    resumedBytes += kept;
    emit({
      kind: 'blob',
      digest: layer.digest,
      state: 'done',
      bytes: layer.size,
      total: layer.size,
      fetched: layer.size - kept,
      elapsedMs,
      bytesPerSecond: rate(layer.size - kept, elapsedMs),
    });
  });
  await layersDone.catch(async (e: unknown) => {
    // the config's write settles first: a destination discards what it wrote only once done
    await configStored?.catch(() => {});
    throw e;
  });

  // 7. the config, unless stored already
  const cfgReuse = await (configStored ?? storeConfig());
  emit({ kind: 'blob', digest: configDesc.digest, state: cfgReuse ? 'exists' : 'done', isConfig: true, total: configDesc.size });

  // 8. manifest, written last
  const unchanged =
    outType === manifestMediaType &&
    committed.every((c, i) => c.desc.digest === srcManifest.layers[i]!.digest && c.desc.mediaType === srcManifest.layers[i]!.mediaType);
  let outBytes: Buffer;
  if (unchanged) outBytes = manifestBytes;
  else {
    const m: ImageManifest = { schemaVersion: 2, config: outConfig, layers: committed.map((c) => c.desc) };
    if (flavour === 'oci' && srcManifest.annotations) m.annotations = srcManifest.annotations;
    outBytes = serializeManifest(m, outType);
  }
  const outDigest = digestOf(outBytes);
  if (noChange && !unchanged)
    throw new BerthError(
      'UNSUPPORTED',
      `Copying this image would require changing layer representation, which we cannot do: ${JSON.stringify(noChange)}`,
    );
  emit({ kind: 'manifest', state: 'writing', digest: outDigest });
  const emitDone = () => {
    const elapsedMs = Date.now() - started;
    emit({
      kind: 'done',
      manifestDigest: outDigest,
      blobs: n + 1,
      bytes: srcManifest.layers.reduce((a, l) => a + l.size, configDesc.size),
      fetched: fetchedBytes,
      existing: existingBytes,
      resumed: resumedBytes,
      elapsedMs,
      bytesPerSecond: rate(fetchedBytes, elapsedMs),
    });
  };
  if (opts.asInstance) {
    await dest.putManifest({ bytes: outBytes, mediaType: outType }, outDigest);
    await storeSignatures(dest, carried, outBytes, outDigest, opts, signIdentity, emit);
    emit({ kind: 'manifest', state: 'done', digest: outDigest });
    emitDone();
    return {
      manifestDigest: outDigest,
      manifestMediaType: outType,
      configDigest: configDesc.digest,
      imageId: configDesc.digest.slice(configDesc.digest.indexOf(':') + 1),
      manifestBytes: outBytes,
      config,
    };
  }
  await dest.putManifest({ bytes: outBytes, mediaType: outType });

  // 9. signatures: the source's (unless removed), then one new one per signer
  await storeSignatures(dest, carried, outBytes, outDigest, opts, signIdentity, emit);
  await dest.commit({
    manifest: { digest: outDigest, mediaType: outType, bytes: outBytes },
    index: unchanged ? index : undefined,
    config: { desc: outConfig, bytes: configBytes },
    layers: committed,
  });
  // the config too: a later push of an image with the same config may mount it
  opts.blobInfoCache?.remember(learnedPairs, [configDesc.digest, ...committed.map((c) => c.desc.digest)]);
  emit({ kind: 'manifest', state: 'done', digest: outDigest });
  emitDone();
  return {
    manifestDigest: outDigest,
    manifestMediaType: outType,
    indexDigest: unchanged ? index?.digest : undefined,
    configDigest: configDesc.digest,
    imageId: configDesc.digest.slice(configDesc.digest.indexOf(':') + 1),
    manifestBytes: outBytes,
    config,
  };
}

/**
 * The first known compressed form of uncompressed layer `diffID` that the destination holds
 * (it answers for digest and size), or undefined. Forms of the target algorithm come first;
 * with --force-compression only those are used (as containers/image requires the asked
 * compression then); a docker manifest cannot name zstd layers.
 */
async function reuseKnownForm(
  dest: ImageDestination,
  cache: BlobInfoCache,
  diffID: Digest,
  target: KnownCompressed['algorithm'],
  flavour: 'oci' | 'docker',
  force: boolean,
  mounts: ((d: Digest) => ReuseOptions) | undefined,
): Promise<KnownCompressed | undefined> {
  const allowed: KnownCompressed['algorithm'][] = force
    ? [target]
    : [target, ...(['gzip', 'zstd'] as const).filter((a) => a !== target && (a === 'gzip' || flavour === 'oci'))];
  const forms = cache
    .compressedForms(diffID)
    .filter((f) => allowed.includes(f.algorithm))
    .sort((a, b) => allowed.indexOf(a.algorithm) - allowed.indexOf(b.algorithm))
    .slice(0, MAX_KNOWN_FORMS);
  for (const f of forms) {
    const desc = { mediaType: layerMediaType(flavour, f.algorithm), digest: f.digest, size: f.size };
    const r = await dest.tryReuseBlob(desc, undefined, mounts?.(f.digest));
    if (r && r.blob.digest === f.digest) return { ...f, size: r.blob.size };
  }
  return undefined;
}
/** Known compressed forms tried per layer (each costs the destination a round trip or two). */
const MAX_KNOWN_FORMS = 3;

/** Bytes per second, whole; 0 for an instant. */
function rate(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes * 1000) / ms) : 0;
}

/**
 * Open a layer at the source, after the bytes the destination kept (`resumable`) when the
 * source can start there; otherwise the kept bytes are forgotten and the whole blob is read.
 * The stream delivers the whole blob either way: the kept bytes first, hashed again.
 */
async function openBlob(src: ImageSource, layer: Descriptor, resumable?: ResumableBlob): Promise<{ stream: Readable; kept: number }> {
  const offset = resumable?.offset ?? 0;
  if (offset > 0 && offset === layer.size) return { stream: resumable!.prefix(), kept: offset };
  const got = await src.getBlob(layer, offset > 0 ? { offset } : undefined);
  const from = got.offset ?? 0;
  if (offset > 0 && from === offset) return { stream: concatStreams(resumable!.prefix(), got.stream), kept: offset };
  if (from !== 0) {
    got.stream.destroy();
    throw new BerthError('INTERNAL', `${src.ref} delivered blob ${layer.digest} from byte ${from}, not from ${offset}`);
  }
  if (offset > 0) resumable!.restart();
  return { stream: got.stream, kept: 0 };
}

/** The index entry of digest `d` (an instance asked for by digest). */
function findInstance(manifests: Descriptor[], d: Digest, what: string): Descriptor {
  const hit = manifests.find((m) => m.digest === d);
  if (!hit) throw new BerthError('INVALID_MANIFEST', `${what}: the manifest list has no instance ${d}`);
  return hit;
}

/** zlib/zstd failures surface as generic errors; name them as corrupt layer data. */
function corruptData(e: unknown, what: string): unknown {
  const inner = (e instanceof BerthError && e.cause ? e.cause : e) as { code?: string; message?: string };
  if (typeof inner?.code === 'string' && inner.code.startsWith('Z_')) {
    return new BerthError('INVALID_ARCHIVE', `${what}: corrupt compressed data (${inner.message})`, { cause: e });
  }
  return e;
}

function compressorLied(what: string, cause?: unknown): BerthError {
  const program = gzipCodec('compress').name;
  // the check itself may have failed (a decompressing or hashing program): say how
  const how = cause instanceof Error ? ` (${cause.message})` : '';
  return new BerthError('DIGEST_MISMATCH', `${what}: what ${program} compressed does not decompress to the layer${how}`, {
    hint: 'the compressing program is faulty (BERTH_GZIP=zlib compresses in process); no manifest was written',
    cause,
  });
}

function damagedSource(what: string, d: Digest): BerthError {
  return new BerthError('DIGEST_MISMATCH', `${what}: the stored blob does not match its digest ${d}`, {
    hint: 'the blob was damaged; run "berth system check --repair" and pull the image again',
  });
}

function diffIdMismatch(i: number, blob: Digest, src: string): BerthError {
  return new BerthError('DIGEST_MISMATCH', `layer ${i + 1} (blob ${blob}) of ${src} does not match the config's DiffID`, {
    hint: 'the image is corrupt or was tampered with; nothing was stored',
  });
}

const KNOWN_LAYER_TYPES = [
  MT.DockerLayer,
  MT.DockerLayerGzip,
  MT.DockerLayerZstd,
  MT.OCILayer,
  MT.OCILayerGzip,
  MT.OCILayerZstd,
] as string[];
function isKnownLayerType(mt: string): boolean {
  return KNOWN_LAYER_TYPES.includes(mt);
}

/** Same compression, other manifest flavour: map docker <-> OCI layer types. */
function convertLayerType(mt: string, flavour: 'oci' | 'docker'): string {
  if (!isKnownLayerType(mt)) return mt;
  return layerMediaType(flavour, layerCompression(mt));
}

export type { LayerHint };
