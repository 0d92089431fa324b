import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import type { Descriptor } from '../media/types.js';
import type { Reference } from '../reference/reference.js';
import type { Store } from '../store/store.js';
import type { DockerTransportOptions } from './docker/options.js';
import type { Signature } from '../trust/signature.js';

export type TransportName = 'docker' | 'docker-archive' | 'oci-archive' | 'oci' | 'dir' | 'containers-storage';

/**
 * A parsed image location in some transport. Refs are cheap values: creating one does no
 * I/O. Sources and destinations do the work and must be closed.
 */
export interface ImageRef {
  readonly transport: TransportName;
  /** The docker reference naming the image, if the location has one (archive RepoTag, oci ref name...). */
  readonly dockerReference?: Reference;
  /**
   * "registry/repository" when the location is a repository of a registry: where its blobs
   * may be mounted from into another repository of that registry, and the scope under which
   * the blob info cache remembers them. Undefined for every other kind of location.
   */
  readonly registryRepository?: string;
  /** "transport:location" for messages. Never contains credentials. */
  toString(): string;
  /**
   * The policy.json scope of this location (containers-policy.json(5)): the docker reference
   * for docker, the absolute path for oci/oci-archive/dir; "" when the transport has none.
   */
  policyScope(): string;
}

/**
 * Everything a transport needs from outside for one operation, built once by the caller
 * (config/context.ts builds it from registries.conf, auth files, certs.d and the flags).
 * Transports never read configuration themselves.
 */
export interface TransportContext {
  /** How to reach one registry (TLS, insecure, credentials, retries) for one side of a copy. */
  registry(host: string, side: 'source' | 'destination'): DockerTransportOptions;
  /** The local store (containers-storage:), opened on first use. */
  store(): Store;
  /** Which local image a name, short name or (partial) ID means: the image service's rule. */
  lookupImage(store: Store, name: string): { id: string; matchedName?: string };
  /** "registry/repo" names that may already hold the blobs (cross-repository mount hints). */
  mountFrom?: string[];
  /** Cancels in-flight I/O. */
  signal?: AbortSignal;
  /**
   * Whether registries.d enables sigstore attachments for a docker repository, given its
   * policy identity ("host/repo:tag"); absent means never.
   */
  useSigstoreAttachments?(dockerIdentity: string): boolean;
  /** Where a docker reference's simple signatures live (registries.d lookaside); absent: none are read or written. */
  signatureStorage?(ref: Reference): Promise<SignatureStorage>;
}

/** Signature locations of one docker reference, from registries.d. */
export interface SignatureStorage {
  /** Lookaside base URLs of the repository (simple signatures): `read`, and `write` (lookaside-staging). */
  lookaside: { read: URL; write: URL };
}

/** A destination plus what must happen after the image was copied into it. */
export interface OpenedDestination {
  dest: ImageDestination;
  /** Finish multi-image containers (archives); called after a successful copy and dest.close(). */
  finish(): Promise<void>;
  /** Discard a partially written target (after dest.close()). */
  abort(): Promise<void>;
}

/**
 * A location parsed from "transport:rest" by the transport registry (transports/registry.ts).
 * Parsing does no I/O; newSource/newDestination open it with the operation's context.
 */
export interface ImageReference extends ImageRef {
  /** Open for reading. The caller closes the source. */
  newSource(ctx: TransportContext): Promise<ImageSource>;
  /** Open for writing. The caller closes `dest`, then calls finish (success) or abort. */
  newDestination(ctx: TransportContext): Promise<OpenedDestination>;
}

export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
}

/** What a source may know about a layer beyond its descriptor (saves re-hashing). */
export interface LayerHint {
  diffID: Digest;
  uncompressedSize: number;
  /**
   * Actual compression of the bytes the source delivers, when known. It can differ from the
   * media type: docker archives label uncompressed layers ".tar.gzip", as containers/image does.
   */
  compression?: 'none' | 'gzip' | 'zstd';
}

/**
 * Reads one image (or an index of images). Transports only move bytes: a source returns
 * what it has and never converts; the copy engine verifies every byte it is given.
 */
export interface ImageSource {
  readonly ref: ImageRef;
  /**
   * The manifest (or index) as stored. With `instance`, the manifest of that digest from the
   * index. The engine checks digests itself when it knows which one to expect.
   */
  getManifest(instance?: Digest): Promise<ManifestBytes>;
  /**
   * A blob's raw bytes. `size` is the byte count the source will deliver when known.
   * The stream may deliver wrong bytes (tampering, truncation): the engine verifies.
   * `offset` asks to resume part-way (sources that cannot must ignore it and return offset 0).
   */
  getBlob(desc: Descriptor, opts?: { offset?: number }): Promise<{ stream: Readable; size?: number; offset?: number }>;
  /**
   * True when blobs come over the network (a registry): the engine then lets the destination
   * keep the bytes of an interrupted download, so that a later copy fetches only the rest.
   */
  readonly remote?: boolean;
  /**
   * A local file holding the blob (the local store): lets a program read it directly
   * (compressing a layer for a push). Its content is unverified: the engine checks what it
   * makes of it. Undefined when the source has no such file.
   */
  blobFile?(desc: Descriptor): string | undefined;
  /** Whether the file `blobFile` names hashes to the blob's digest (to say what failed when a check did not pass). */
  blobFileMatches?(desc: Descriptor): Promise<boolean>;
  /** Optional knowledge about layers (local store, uncompressed archives). */
  layerHint?(desc: Descriptor): LayerHint | undefined;
  /** The image's names, when the source holds them (archives: RepoTags; oci: ref name). */
  names?(): string[];
  /**
   * The signatures of the image (of `instanceDigest`, a manifest of the source's index, when
   * given; else of the top-level manifest), in their stored order. A source that cannot hold
   * signatures leaves this out; one that can but has none returns [].
   */
  getSignatures?(instanceDigest?: Digest): Promise<Signature[]>;
  close(): Promise<void>;
}

export type LayerCompressionDesire = 'preserve' | 'compress' | 'decompress';

/** A blob as stored by a destination. */
export interface StoredBlob {
  digest: Digest;
  size: number;
  mediaType: string;
}

/** A blob a destination can write part-way and complete later (see `ImageDestination.resumeBlob`). */
export interface ResumableBlob {
  /** Bytes present (0: none yet; an interrupted `write` keeps what it wrote for next time). */
  readonly offset: number;
  /** The first `offset` bytes: the engine hashes them again together with the rest. */
  prefix(): Readable;
  /** The source cannot start at `offset`: forget the kept bytes, `write` starts from 0. */
  restart(): void;
  /**
   * Store the blob as `putBlob` does: `stream` delivers all of it, of which the first `kept`
   * bytes are the ones already present (not written again). Failing, it keeps what it wrote
   * unless the bytes proved wrong.
   */
  write(stream: Readable, kept: number, meta: PutBlobMeta): Promise<StoredBlob>;
  /** Not written after all: keep the bytes for a later transfer. Idempotent. */
  release(): void;
}

export interface PutBlobMeta {
  /** Known digest/size ahead of time (pass-through). Absent when the engine converts. */
  digest?: Digest;
  size?: number;
  mediaType: string;
  isConfig: boolean;
  /** When the engine knows the uncompressed form of a layer. */
  hint?: LayerHint;
  what: string;
}

export interface CommittedLayer {
  desc: Descriptor;
  diffID: Digest;
  uncompressedSize: number;
}

export interface CommitInfo {
  manifest: { digest: Digest; mediaType: string; bytes: Buffer };
  /** The index the manifest was chosen from, when there was one. */
  index?: { digest: Digest; mediaType: string; bytes: Buffer };
  config: { desc: Descriptor; bytes: Buffer };
  layers: CommittedLayer[];
}

/** What the engine knows about where a blob may be found without transferring it. */
export interface ReuseOptions {
  /**
   * Repositories ("registry/repository") the engine chose as likely holders of the blob (the
   * source's, and those the blob info cache knows), all of the destination's registry: a
   * registry destination may mount the blob from them; other destinations ignore them.
   */
  mountFrom?: readonly string[];
}

/**
 * Writes one image. Call order: tryReuseBlob/putBlob for every blob (any order, possibly
 * concurrently), then putManifest, then commit, then close. Until commit, nothing written
 * may become visible as an image; close without commit discards it.
 */
export interface ImageDestination {
  readonly ref: ImageRef;
  /** Manifest media types accepted, preferred first. */
  supportedManifestTypes(): string[];
  /**
   * What the destination wants done with layer compression: 'decompress' when it stores layers
   * uncompressed (docker-archive), 'compress' when it wants compressed layers (registries),
   * 'preserve' to keep each layer as the source has it. The copy engine plans from this alone.
   */
  desiredLayerCompression(): LayerCompressionDesire;
  /** Whether the engine must report diffIDs of every layer (local store: yes). */
  needsDiffIDs(): boolean;
  /**
   * True when the order of putBlob calls changes nothing the destination makes (the engine may
   * then store the config while the layers transfer): the local store, registries. Left out by
   * destinations whose output follows the calls (archives).
   */
  readonly blobsInAnyOrder?: boolean;
  /**
   * If the destination already has this blob, or can get it without a transfer (a registry
   * mounting it from one of `reuse.mountFrom`), return how it has it (skip the transfer).
   */
  tryReuseBlob(desc: Descriptor, hint?: LayerHint, reuse?: ReuseOptions): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined>;
  /**
   * Store a blob from a stream that the engine verifies while it flows. The stream errors if
   * verification fails; the destination must then discard what it wrote. Returns the blob
   * as stored (digest computed by the destination when meta.digest is absent).
   */
  putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob>;
  /**
   * Optional: the bytes of `desc` an earlier, interrupted transfer kept here, held for this
   * transfer (from `source`, for the record). Undefined when the destination cannot resume
   * or another transfer of the blob is running. The engine ends with `write` or `release`.
   */
  resumeBlob?(desc: Descriptor, source: string): Promise<ResumableBlob | undefined>;
  putManifest(m: ManifestBytes, instance?: Digest): Promise<void>;
  /**
   * Store the complete list of signatures of the manifest `manifestDigest` (replacing any it
   * had), after putManifest and before commit. A destination that cannot hold signatures
   * leaves this out; the engine then refuses to copy signatures to it (unless told to remove them).
   */
  putSignatures?(signatures: Signature[], manifestDigest: Digest): Promise<void>;
  /** Why the destination cannot store signatures (when it has no putSignatures), for the refusal. */
  readonly noSignaturesReason?: string;
  commit(info: CommitInfo): Promise<void>;
  /**
   * Destinations that hold multi-image lists: make `index` (already written with putManifest,
   * its instances with putManifest(m, digest)) the image at this location, instead of commit.
   * Absent: the destination holds single images only.
   */
  commitIndex?(index: { digest: Digest; mediaType: string; bytes: Buffer }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Progress events the engine emits; the CLI renders them (terminal, log lines, or NDJSON with
 * --progress=json: docs/progress.schema.json describes that form). Per blob: `start` (or
 * `exists` when the destination has it), maybe `resumed` (bytes kept by an interrupted
 * transfer, not fetched again), `copying` with the bytes so far, then `done`.
 */
export type ProgressEvent =
  | {
      kind: 'resolved';
      ref: string;
      /** The image's manifest (the chosen instance when the source holds a list). */
      manifestDigest: Digest;
      /** The list the manifest was chosen from, when there was one. */
      indexDigest?: Digest;
      /** The image's layer blobs as the source lists them, bottom first. */
      layers?: Digest[];
    }
  | {
      kind: 'blob';
      digest: Digest;
      state: 'start' | 'exists' | 'resumed' | 'copying' | 'done' | 'skipped' | 'retrying';
      /** Bytes of the blob present so far (`resumed`: kept from before; `done`: the whole blob). */
      bytes?: number;
      total?: number;
      isConfig?: boolean;
      /** A layer read from the local store: its uncompressed digest, which podman's progress lines name it by. */
      diffID?: Digest;
      /** `done`: bytes read from the source for this blob (the kept bytes of a resumed one are not). */
      fetched?: number;
      /** `done`: time since `start`, and the rate at which `fetched` came. */
      elapsedMs?: number;
      bytesPerSecond?: number;
    }
  | { kind: 'retry'; what: string; attempt: number; delayMs: number; reason: string }
  | { kind: 'manifest'; state: 'writing' | 'done'; digest?: Digest }
  | {
      kind: 'done';
      manifestDigest: Digest;
      /** Blobs of the image (layers and config) and their total size. */
      blobs: number;
      bytes: number;
      /** Bytes read from the source, found at the destination already, and kept from interrupted transfers. */
      fetched: number;
      existing: number;
      resumed: number;
      elapsedMs: number;
      /** `fetched` per second over the whole copy. */
      bytesPerSecond: number;
    }
  | { kind: 'message'; text: string };
