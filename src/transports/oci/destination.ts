import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { type Digest, digestOf, parseDigest } from '../../digest/digest.js';
import { MT, type Descriptor } from '../../media/index.js';
import type { CommitInfo, ImageDestination, ImageRef, LayerHint, ManifestBytes, PutBlobMeta, StoredBlob } from '../types.js';
import { blobRelPath, errnoCode, io, pathExists, streamToTemp, tempName } from './fs-util.js';
import { REF_NAME_ANNOTATION } from './ref.js';

/** Where a committed manifest descriptor goes (index.json, kept by a writer or on disk). */
export interface IndexKeeper {
  addManifest(desc: Descriptor): Promise<void>;
}

/**
 * Which destinations use which blobs of one layout, so a destination closed without commit
 * removes only blobs it created that no other destination has reused meanwhile.
 */
export class BlobClaims {
  private users = new Map<string, Set<object>>();
  claim(d: string, who: object): void {
    let s = this.users.get(d);
    if (!s) this.users.set(d, (s = new Set()));
    s.add(who);
  }
  usedByOthers(d: string, who: object): boolean {
    const s = this.users.get(d);
    return !!s && [...s].some((o) => o !== who);
  }
  release(who: object): void {
    for (const s of this.users.values()) s.delete(who);
  }
}

export interface OciDestinationParts {
  ref: ImageRef;
  /** The layout directory written into. */
  root: string;
  /** Annotation org.opencontainers.image.ref.name of the committed entry. */
  refName?: string;
  keeper: IndexKeeper;
  claims: BlobClaims;
  /** Extra clean-up when closed without commit (e.g. remove a layout directory we created). */
  onDiscard?: () => Promise<void>;
}

/**
 * Writes one image into an OCI layout directory, as containers/image's oci destination:
 * OCI manifests only (the engine converts docker ones), layers kept as they are. Blobs go
 * to a temp file and are renamed into blobs/<alg>/<hex> only after their stream ended
 * cleanly; commit records the manifest in index.json; close without commit removes the
 * blobs this destination added.
 */
export class OciDestination implements ImageDestination {
  readonly ref: ImageRef;
  readonly noSignaturesReason = 'Pushing signatures for OCI images is not supported';
  private readonly created = new Set<Digest>();
  private manifest?: { digest: Digest; size: number; mediaType: string };
  private committed = false;
  private closed = false;

  constructor(private readonly parts: OciDestinationParts) {
    this.ref = parts.ref;
  }

  supportedManifestTypes(): string[] {
    return [MT.OCIManifest, MT.OCIIndex];
  }
  desiredLayerCompression(): 'preserve' {
    return 'preserve';
  }
  needsDiffIDs(): boolean {
    return false;
  }

  private check(): void {
    if (this.closed) throw new BerthError('INTERNAL', `${this.ref}: destination used after close`);
    if (this.committed) throw new BerthError('INTERNAL', `${this.ref}: destination used after commit`);
  }

  async tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    this.check();
    const rel = blobRelPath(desc.digest);
    // claim first: a concurrently discarding destination then keeps the file
    this.parts.claims.claim(desc.digest, this);
    let st;
    try {
      st = await fsp.lstat(join(this.parts.root, rel));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
    if (!st.isFile() || st.size !== desc.size) return undefined;
    return { blob: { digest: desc.digest, size: st.size, mediaType: desc.mediaType }, hint };
  }

  /** Rename a complete temp file to its blob path. */
  private async place(tmp: string, d: Digest): Promise<void> {
    const final = join(this.parts.root, blobRelPath(d));
    const what = `${this.ref}: cannot store blob ${d}`;
    await io(fsp.mkdir(dirname(final), { recursive: true }), what);
    this.parts.claims.claim(d, this);
    const existed = await io(pathExists(final), what);
    await io(fsp.rename(tmp, final), what);
    if (!existed) this.created.add(d);
  }

  async putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob> {
    this.check();
    const known = meta.digest !== undefined ? parseDigest(meta.digest, `digest of ${meta.what}`) : undefined;
    const hash = known ? undefined : createHash('sha256');
    const tmp = tempName(this.parts.root, '.berth-put-blob-');
    const size = await streamToTemp(stream, tmp, hash);
    try {
      if (meta.size !== undefined && size !== meta.size)
        throw new BerthError('SIZE_MISMATCH', `${meta.what}: got ${size} bytes, expected ${meta.size}`);
      const digest = known ?? (`sha256:${hash!.digest('hex')}` as Digest);
      await this.place(tmp, digest);
      return { digest, size, mediaType: meta.mediaType };
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  async putManifest(m: ManifestBytes, instance?: Digest): Promise<void> {
    this.check();
    const d = instance !== undefined ? parseDigest(instance, 'manifest instance digest') : digestOf(m.bytes);
    const tmp = tempName(this.parts.root, '.berth-put-blob-');
    try {
      await io(
        (async () => {
          const fh = await fsp.open(tmp, 'wx', 0o644);
          try {
            await fh.writeFile(m.bytes);
            await fh.sync();
          } finally {
            await fh.close();
          }
        })(),
        `${this.ref}: cannot write manifest ${d}`,
      );
      await this.place(tmp, d);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    if (instance === undefined) this.manifest = { digest: d, size: m.bytes.length, mediaType: m.mediaType };
  }

  async commit(info: CommitInfo): Promise<void> {
    await this.commitIndex(info.manifest);
  }

  /** Record the top-level manifest (an image's, or a list's) in index.json. */
  async commitIndex(m: { digest: Digest; mediaType: string; bytes: Buffer }): Promise<void> {
    this.check();
    if (this.manifest?.digest !== m.digest) await this.putManifest({ bytes: m.bytes, mediaType: m.mediaType });
    const desc: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    if (this.parts.refName) desc.annotations = { [REF_NAME_ANNOTATION]: this.parts.refName };
    await this.parts.keeper.addManifest(desc);
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.committed) return;
    const claims = this.parts.claims;
    for (const d of this.created) {
      if (!claims.usedByOthers(d, this)) await fsp.rm(join(this.parts.root, blobRelPath(d)), { force: true });
    }
    claims.release(this);
    await this.parts.onDiscard?.();
  }
}
