import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import type { Descriptor } from '../media/types.js';
import type { Reference } from '../reference/reference.js';

export type TransportName = 'docker' | 'docker-archive' | 'oci-archive' | 'oci' | 'dir' | 'containers-storage';

/**
 * A parsed image location in some transport. Refs are cheap values: creating one does no
 * I/O. Sources and destinations do the work and must be closed.
 */
export interface ImageRef {
  readonly transport: TransportName;
  /** The docker reference naming the image, if the location has one (archive RepoTag, oci ref name...). */
  readonly dockerReference?: Reference;
  /** "transport:location" for messages. Never contains credentials. */
  toString(): string;
}

/** Per-operation context transports may need (credentials, TLS, store...). Typed per transport. */
export interface TransportContext {
  /** Cancels in-flight I/O. */
  signal?: AbortSignal;
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
  /** Optional knowledge about layers (local store, uncompressed archives). */
  layerHint?(desc: Descriptor): LayerHint | undefined;
  /** The image's names, when the source holds them (archives: RepoTags; oci: ref name). */
  names?(): string[];
  close(): Promise<void>;
}

/** A blob as stored by a destination. */
export interface StoredBlob {
  digest: Digest;
  size: number;
  mediaType: string;
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

/**
 * Writes one image. Call order: tryReuseBlob/putBlob for every blob (any order, possibly
 * concurrently), then putManifest, then commit, then close. Until commit, nothing written
 * may become visible as an image; close without commit discards it.
 */
export interface ImageDestination {
  readonly ref: ImageRef;
  /** Manifest media types accepted, preferred first. */
  supportedManifestTypes(): string[];
  /** 'none' when layers must be stored uncompressed (docker-archive); 'preserve' otherwise. */
  desiredLayerCompression(): 'preserve' | 'none';
  /** Whether the engine must report diffIDs of every layer (local store: yes). */
  needsDiffIDs(): boolean;
  /** If the destination already has this blob, return how it has it (skip the transfer). */
  tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined>;
  /**
   * Store a blob from a stream that the engine verifies while it flows. The stream errors if
   * verification fails; the destination must then discard what it wrote. Returns the blob
   * as stored (digest computed by the destination when meta.digest is absent).
   */
  putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob>;
  putManifest(m: ManifestBytes, instance?: Digest): Promise<void>;
  commit(info: CommitInfo): Promise<void>;
  close(): Promise<void>;
}

/** Progress events the engine emits; the CLI renders them. */
export type ProgressEvent =
  | { kind: 'resolved'; ref: string; manifestDigest: Digest }
  | { kind: 'blob'; digest: Digest; state: 'exists' | 'copying' | 'done' | 'skipped' | 'retrying'; bytes?: number; total?: number; isConfig?: boolean }
  | { kind: 'manifest'; state: 'writing' | 'done'; digest?: Digest }
  | { kind: 'message'; text: string };
