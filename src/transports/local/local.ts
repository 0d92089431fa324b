import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { openSync, readSync, closeSync } from 'node:fs';
import { sniffCompression } from '../../compression/compression.js';
import { BerthError } from '../../errors.js';
import { type Digest, digestOf } from '../../digest/digest.js';
import type { Descriptor } from '../../media/types.js';
import type { Store, Lease } from '../../store/store.js';
import type { LayerRecord, NewImageRecord } from '../../store/index-db.js';
import type {
  CommitInfo,
  ImageDestination,
  ImageRef,
  ImageSource,
  LayerHint,
  ManifestBytes,
  PutBlobMeta,
  ResumableBlob,
  StoredBlob,
} from '../types.js';
import { MT } from '../../media/types.js';
import { parseNormalizedReference, type Reference } from '../../reference/reference.js';
import type { Signature } from '../../trust/signature.js';
import { chainIDs } from '../../digest/chain.js';

/** Stored blobs up to this size are always hashed again before reuse (configs, small layers). */
const REVERIFY_ALWAYS_BYTES = 1 << 20;

/** Smaller layers are fetched whole again rather than kept part-way (not worth a record). */
const RESUME_MIN_BYTES = 1 << 20;

/** The local store as a transport: "containers-storage:" in podman's terms. */
export class LocalRef implements ImageRef {
  readonly transport = 'containers-storage' as const;
  constructor(
    readonly store: Store,
    readonly imageId?: string,
    readonly names: string[] = [],
  ) {}
  toString(): string {
    return `containers-storage:${this.names[0] ?? this.imageId ?? ''}`;
  }
  /** The first name, as containers/image's storage reference names the image (none for an ID alone). */
  get dockerReference(): Reference | undefined {
    return this.names[0] === undefined ? undefined : parseNormalizedReference(this.names[0]);
  }
  /**
   * containers/image's storage identity with a driverless store spec: "[ROOT]NAME@ID" ("[ROOT]@ID"
   * for an image opened by ID, as podman's push opens it), so policy.json scopes under
   * "containers-storage" apply: the identity, "[ROOT]NAME", its repository components, "[ROOT]".
   */
  policyScope(): string {
    const name = this.names[0] ?? '';
    return `[${resolve(this.store.root)}]${name}${this.imageId ? `@${this.imageId}` : ''}`;
  }
}

export { chainIDs } from '../../digest/chain.js';

function sniffBlob(store: Store, d: Digest): 'none' | 'gzip' | 'zstd' | undefined {
  try {
    const fd = openSync(store.blobPath(d), 'r');
    const head = Buffer.alloc(6);
    const n = readSync(fd, head, 0, 6, 0);
    closeSync(fd);
    const c = sniffCompression(head.subarray(0, n));
    return c === 'none' || c === 'gzip' || c === 'zstd' ? c : undefined;
  } catch {
    return undefined;
  }
}

export class LocalSource implements ImageSource {
  private layers: Map<string, LayerRecord>;
  readonly manifestDigest: Digest;
  constructor(
    readonly ref: LocalRef,
    readonly imageId: string,
  ) {
    const row = ref.store.getImage(imageId);
    if (!row) throw new BerthError('IMAGE_NOT_FOUND', `image ${imageId.slice(0, 12)} not known`);
    this.manifestDigest = row.manifestDigest;
    this.layers = new Map(ref.store.manifestLayers(row.manifestDigest).map((l) => [l.digest, l]));
    this.mediaType = row.manifestMediaType;
    this.nameList = row.names;
  }
  private mediaType: string;
  private nameList: string[];

  async getManifest(instance?: Digest): Promise<ManifestBytes> {
    const d = instance ?? this.manifestDigest;
    const info = this.ref.store.manifestInfo(d);
    if (!info) throw new BerthError('IMAGE_NOT_FOUND', `manifest ${d} is not in the store`);
    return { bytes: this.ref.store.readBlob(d, 4 << 20), mediaType: instance ? info.mediaType : this.mediaType };
  }

  async getBlob(desc: Descriptor, opts: { offset?: number } = {}): Promise<{ stream: Readable; size?: number; offset?: number }> {
    const size = this.ref.store.blobSize(desc.digest);
    if (size === undefined)
      throw new BerthError('STORE_CORRUPT', `blob ${desc.digest} of image ${this.imageId.slice(0, 12)} is missing from the store`, {
        hint: 'run "berth system check"',
      });
    return { stream: this.ref.store.openBlob(desc.digest, { start: opts.offset }), size, offset: opts.offset ?? 0 };
  }

  blobFile(desc: Descriptor): string | undefined {
    return this.ref.store.blobSize(desc.digest) === desc.size ? this.ref.store.blobPath(desc.digest) : undefined;
  }

  blobFileMatches(desc: Descriptor): Promise<boolean> {
    return this.ref.store.verifyBlob(desc.digest, desc.size);
  }

  layerHint(desc: Descriptor): LayerHint | undefined {
    const l = this.layers.get(desc.digest);
    if (!l || l.uncompressedSize < 0) return undefined;
    // what the bytes really are (media types of docker archives can say gzip for plain tar)
    const compression = l.diffID === l.digest ? 'none' : sniffBlob(this.ref.store, desc.digest);
    return { diffID: l.diffID, uncompressedSize: l.uncompressedSize, ...(compression ? { compression } : {}) };
  }

  names(): string[] {
    return this.nameList;
  }

  async getSignatures(instance?: Digest): Promise<Signature[]> {
    return this.ref.store.signatures(this.imageId, instance ?? this.manifestDigest);
  }
  async close(): Promise<void> {}
}

/**
 * Writes into the local store. Every blob is protected by a lease before it is checked or
 * written; commit records the image in one transaction after all blobs exist; close without
 * commit removes the blobs this destination added.
 */
export class LocalDestination implements ImageDestination {
  private lease: Lease;
  private committed = false;
  /** Image ID recorded by commit. */
  imageId?: string;
  /** With `deferred`, commit only prepares the record; `recordAll` writes several at once. */
  pending?: NewImageRecord;
  /** Signatures given by putSignatures, recorded by commit in the image's transaction. */
  private sigs: { manifestDigest: Digest; signatures: Signature[] }[] = [];

  constructor(
    readonly ref: LocalRef,
    private readonly opts: { deferred?: boolean } = {},
  ) {
    this.lease = ref.store.lease();
  }

  /** Record the deferred images of several destinations in one transaction (all or nothing). */
  static recordAll(store: Store, dests: LocalDestination[]): void {
    store.recordImages(
      dests.map((d) => {
        if (!d.pending) throw new BerthError('INTERNAL', 'recordAll: destination was not committed');
        return { record: d.pending, lease: d.lease };
      }),
    );
    for (const d of dests) {
      d.committed = true;
      d.lease.release();
    }
  }

  supportedManifestTypes(): string[] {
    return [MT.OCIManifest, MT.DockerManifest];
  }
  desiredLayerCompression(): 'preserve' {
    return 'preserve';
  }
  needsDiffIDs(): boolean {
    return true;
  }
  /** Blobs are files named by digest; only commit records anything. */
  readonly blobsInAnyOrder = true;

  async tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    const store = this.ref.store;
    this.lease.protect(desc.digest);
    const size = store.blobSize(desc.digest);
    if (size === undefined || size !== desc.size) return undefined;
    // a copy changed since it was verified (or a small one: cheap) is hashed again; a damaged
    // one is not reused, and the verified download replaces it
    if ((desc.size <= REVERIFY_ALWAYS_BYTES || store.blobInDoubt(desc.digest)) && !(await store.verifyBlob(desc.digest, desc.size)))
      return undefined;
    const rec = store.layerByDigest(desc.digest);
    const h = rec && rec.uncompressedSize >= 0 ? { diffID: rec.diffID, uncompressedSize: rec.uncompressedSize } : hint;
    return { blob: { digest: desc.digest, size, mediaType: desc.mediaType }, hint: h };
  }

  async putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob> {
    if (meta.digest) this.lease.protect(meta.digest);
    const r = await this.ref.store.writeBlob(stream, { digest: meta.digest, size: meta.size, what: meta.what }, (d) => {
      if (!meta.digest) this.lease.protect(d);
    });
    if (r.created) this.lease.wrote(r.digest);
    return { digest: r.digest, size: r.size, mediaType: meta.mediaType };
  }

  /** Layers are written through the store's partial downloads, so an interrupted pull resumes. */
  async resumeBlob(desc: Descriptor, source: string): Promise<ResumableBlob | undefined> {
    const store = this.ref.store;
    if (desc.size < RESUME_MIN_BYTES) return undefined;
    this.lease.protect(desc.digest);
    const held = await store.holdPartial(desc.digest, desc.size, source);
    if (!held) return undefined;
    return {
      offset: held.offset,
      prefix: () => store.partialPrefix(held, held.offset),
      restart: () => store.emptyPartial(held),
      write: async (stream, kept, meta) => {
        const r = await store.writePartial(held, stream, kept, meta.what);
        if (r.created) this.lease.wrote(r.digest);
        return { digest: r.digest, size: r.size, mediaType: meta.mediaType };
      },
      release: () => store.releasePartial(held),
    };
  }

  async putManifest(m: ManifestBytes): Promise<void> {
    const d = digestOf(m.bytes);
    this.lease.protect(d);
    const r = await this.ref.store.putBlob(m.bytes);
    if (r.created) this.lease.wrote(r.digest);
  }

  async putSignatures(signatures: Signature[], manifestDigest: Digest): Promise<void> {
    this.sigs = this.sigs.filter((s) => s.manifestDigest !== manifestDigest);
    this.sigs.push({ manifestDigest, signatures: [...signatures] });
  }

  async commit(info: CommitInfo): Promise<void> {
    const store = this.ref.store;
    if (info.index) {
      this.lease.protect(info.index.digest);
      const r = await store.putBlob(info.index.bytes, info.index.digest);
      if (r.created) this.lease.wrote(r.digest);
    }
    const cfg = JSON.parse(info.config.bytes.toString('utf8')) as {
      created?: string;
      architecture?: string;
      os?: string;
      config?: { Labels?: Record<string, string> | null };
    };
    const chains = chainIDs(info.layers.map((l) => l.diffID));
    const id = info.config.desc.digest.slice(info.config.desc.digest.indexOf(':') + 1);
    const record: NewImageRecord = {
      id,
      configDigest: info.config.desc.digest,
      configSize: info.config.desc.size,
      created: cfg.created,
      architecture: cfg.architecture,
      os: cfg.os,
      labels: cfg.config?.Labels ?? {},
      manifest: {
        digest: info.manifest.digest,
        mediaType: info.manifest.mediaType,
        size: info.manifest.bytes.length,
        layers: info.layers.map((l) => ({
          digest: l.desc.digest,
          diffID: l.diffID,
          size: l.desc.size,
          uncompressedSize: l.uncompressedSize,
          mediaType: l.desc.mediaType,
        })),
      },
      index: info.index && { digest: info.index.digest, mediaType: info.index.mediaType, size: info.index.bytes.length },
      topLayer: chains[chains.length - 1],
      parentLayer: chains[chains.length - 2],
      names: this.ref.names,
      ...(this.sigs.length ? { signatures: this.sigs } : {}),
    };
    this.imageId = id;
    if (this.opts.deferred) {
      this.pending = record;
      return;
    }
    store.recordImages([{ record, lease: this.lease }]);
    this.committed = true;
    this.imageId = id;
    this.lease.release();
  }

  async close(): Promise<void> {
    if (!this.committed) this.lease.abort();
  }
}
