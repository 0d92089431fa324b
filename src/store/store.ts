import {
  mkdirSync,
  existsSync,
  readdirSync,
  statSync,
  accessSync,
  constants,
  writeFileSync,
  renameSync,
  unlinkSync,
  rmSync,
  openSync,
  fsyncSync,
  closeSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { log } from '../log.js';
import { BerthError, isBerthError } from '../errors.js';
import type { Digest } from '../digest/digest.js';
import type { Readable } from 'node:stream';
import { BlobStore } from './blobs.js';
import type { Signature } from '../trust/signature.js';
import {
  IndexDB,
  type BlobPair,
  type ContainerRow,
  type ImageRow,
  type LayerRecord,
  type ListRow,
  type NewImageRecord,
} from './index-db.js';
import {
  CONTAINERS_DIR,
  readContainerConfig,
  rewriteContainerFile,
  writeContainerFile,
  type ContainerRunConfig,
  type ContainerFile,
} from './container-files.js';
import { Partials, type HeldPartial, type PartialInfo } from './partials.js';
import { checkStore, repairStore, type CheckReport, type RepairReport } from './check.js';
import { acquireOwner, cleanStaleLocks, releaseOwner } from './liveness.js';
import { detachUnused, layersDir, mountsDir, removeTrees } from './rootfs-dirs.js';
import {
  type StoreAccess,
  indexMissing,
  nearlyFull,
  ownerText,
  storeFsError,
  storePermission,
  storeReadOnly,
  writableDir,
} from './store-errors.js';

export interface StoreOptions {
  /** Store directory; default: $BERTH_ROOT, else /var/lib/berth for root, else $XDG_DATA_HOME/berth. */
  root?: string;
  /**
   * `read`: the caller only reads. A store that cannot be written (read-only file system,
   * no write permission, no space left) is then opened as a read-only view, and a store
   * that does not exist yet reads as empty without being created. Default `write`: such a
   * store fails with STORE_READONLY / STORE_FULL at once. `free`: a write that removes data
   * (rmi, prune, gc); on a full disk it gives back the reserve file to open the index, which a
   * plain write never takes (the reserve is there so that space can be freed).
   */
  access?: StoreAccess;
}

export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_ROOT) return env.BERTH_ROOT;
  if (process.getuid?.() === 0) return '/var/lib/berth';
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'berth');
}

/**
 * Blob protection for one writing operation. Every blob the operation will reference must
 * be `protect`ed before it is checked for or written, so a concurrent gc keeps it. `abort`
 * removes the blobs this operation added that nothing references.
 */
export class Lease {
  private created = new Set<Digest>();
  private closed = false;
  constructor(
    private readonly store: Store,
    readonly id: number,
  ) {}

  protect(d: Digest): void {
    storeInternals(this.store).index.protectBlob(this.id, d);
  }
  /** Remember that this lease wrote `d` (so abort can take it back). */
  wrote(d: Digest): void {
    this.created.add(d);
  }

  release(): void {
    if (this.closed) return;
    this.closed = true;
    storeInternals(this.store).index.closeLease(this.id);
  }

  /** Undo: drop the lease and remove blobs it created that no image or other lease uses. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    const { index: idx, blobs } = storeInternals(this.store);
    idx.transaction(
      () => {
        idx.closeLease(this.id);
        if (this.created.size === 0) return;
        const referenced = idx.referencedBlobs();
        const protectedSet = idx.protectedBlobs();
        for (const d of this.created) if (!referenced.has(d) && !protectedSet.has(d)) blobs.remove(d);
      },
      { frees: true },
    );
  }
}

export interface GcOptions {
  /** Remove partial downloads last touched longer ago than this (default 24 hours). */
  partialsTtlMs?: number;
  /** Remove every partial download no live writer holds. */
  allPartials?: boolean;
}

export interface GcResult {
  /** Unreferenced blobs removed, and their bytes. */
  removed: number;
  bytes: number;
  /** Partial downloads removed, and their bytes. */
  partials: { removed: number; bytes: number };
}

export type { HeldPartial, PartialInfo } from './partials.js';
export type { CheckProblem, CheckReport, RepairReport } from './check.js';

/**
 * The store's parts, for the store's own code and its tests (the package entry does not
 * export it): the blob directory and the SQLite index behind the Store methods.
 */
export function storeInternals(s: Store): { blobs: BlobStore; index: IndexDB } {
  // element access is TypeScript's sanctioned way past `private`: this is the one place using it
  return { blobs: s['blobs'], index: s['index'] };
}

/** Size of the reserve file a full disk gives back so that rmi, prune and gc can run. */
export const RESERVE_BYTES = 1 << 20;

/**
 * The local image store: content-addressed blobs plus the SQLite index, used only through
 * these methods (each state change is one transaction; see the contracts on each method).
 */
export class Store {
  readonly root: string;
  private readonly blobs: BlobStore;
  private readonly index: IndexDB;
  private readonly partials: Partials;
  /** True when this is a read-only view (opened with access `read` on a store that cannot be written). */
  readonly readOnly: boolean;
  /** Opened with access `read`: no housekeeping on open and close (see `open`). */
  private readonly reader: boolean;

  private constructor(root: string, index: IndexDB, reader = false) {
    this.root = root;
    this.index = index;
    this.readOnly = index.readOnly;
    this.reader = reader;
    this.blobs = new BlobStore(root, () => this.owner(), { create: !this.readOnly });
    this.partials = new Partials(root, index, () => this.owner());
    index.onFull = () => releaseReserveFile(root);
  }

  private ownerId?: string;
  /** This process's writer id on this store (taken on first write; see liveness.ts). */
  owner(): string {
    if (this.readOnly) throw storeReadOnly(this.index.file, 'the store was opened read-only');
    return (this.ownerId ??= acquireOwner(this.root));
  }

  static open(opts: StoreOptions = {}): Store {
    const root = opts.root ?? defaultStoreRoot();
    const access = opts.access ?? 'write';
    const file = join(root, 'index.db');
    const rootExists = probe(root, true) !== undefined;
    if (!rootExists && access === 'read') return new Store(root, new IndexDB(root, { mode: 'empty' }));
    if (!rootExists) {
      try {
        mkdirSync(root, { recursive: true, mode: 0o700 });
      } catch (e) {
        throw storeFsError(e, root, true, 'cannot create store directory');
      }
    }
    const st = probe(file, false);
    if (st === undefined || st.size === 0) {
      const blobs = countBlobs(root);
      if (blobs > 0) throw indexMissing(file, blobs, st !== undefined);
      if (access === 'read' && !writableDir(root)) return new Store(root, new IndexDB(root, { mode: 'empty' }));
    } else {
      try {
        accessSync(file, constants.R_OK);
      } catch (e) {
        throw storePermission(file, e);
      }
    }
    const denied = writeDenied(root, st !== undefined ? file : undefined);
    if (denied) {
      if (access !== 'read') throw storeReadOnly(denied.file, denied.reason);
      return Store.readView(root);
    }
    // Opening for writing creates SQLite's WAL files, which a full disk may not hold.
    if (access === 'read' && nearlyFull(root) && !walPending(root)) return new Store(root, new IndexDB(root, { mode: 'snapshot' }));
    // A reader leaves the store as it found it: it neither tidies other processes' leftovers
    // (stale temp files and lock files: the next writer does) nor creates the names journal or
    // the reserve file. It takes no owner id either (only writes do, see liveness.ts), so it
    // never appears as a writer to others. It may still write if the caller does.
    const deferJournal = access === 'read';
    let index: IndexDB;
    try {
      index = new IndexDB(root, { deferJournal });
    } catch (e) {
      // A reader falls back to a read-only view; a writer that frees space (rmi) gets the reserve.
      if (access === 'read' && isBerthError(e) && (e.code === 'STORE_FULL' || e.code === 'STORE_READONLY')) return Store.readView(root);
      if (!isBerthError(e, 'STORE_FULL') || access !== 'free' || !releaseReserveFile(root)) throw e;
      index = new IndexDB(root, { deferJournal });
    }
    const s = new Store(root, index, access === 'read');
    if (access !== 'read') s.tidy();
    return s;
  }

  /** A read-only view: beside other processes when possible, else a private copy of the index. */
  private static readView(root: string): Store {
    try {
      return new Store(root, new IndexDB(root, { mode: 'read' }));
    } catch (e) {
      // Without the WAL's shared-memory file SQLite cannot read a WAL database; when no
      // WAL holds unfinished writes, the main file alone is the whole index.
      if (!isBerthError(e) || !['STORE_READONLY', 'STORE_FULL', 'IO'].includes(e.code) || walPending(root)) throw e;
      return new Store(root, new IndexDB(root, { mode: 'snapshot' }));
    }
  }

  /** Remove the temp files and lock files of writers that are gone. */
  private tidy(): void {
    this.blobs.cleanStaleTemp();
    cleanStaleLocks(this.root);
  }

  /** Close the index; then (re)create the reserve file if it is missing and there is room. */
  close(): void {
    this.index.close();
    if (this.ownerId !== undefined) {
      this.ownerId = undefined;
      releaseOwner(this.root);
    }
    if (!this.readOnly && !this.reader) this.ensureReserve();
  }

  private ensureReserve(): void {
    const path = join(this.root, RESERVE_FILE);
    if (existsSync(path)) return;
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      // Written, not truncated: a sparse file would hold no space.
      writeFileSync(tmp, Buffer.alloc(RESERVE_BYTES), { flag: 'wx', mode: 0o600 });
      renameSync(tmp, path);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        /* never created */
      }
    }
  }

  lease(): Lease {
    return new Lease(this, this.index.openLease(this.owner()));
  }

  // ---- image records: the queries and state changes the image service uses ------------

  /** The record of the image with this full (64-hex) ID, or undefined. Never throws for a missing image. */
  getImage(id: string): ImageRow | undefined {
    return this.index.getImage(id);
  }

  /**
   * A value that changes whenever the index may have changed (a commit by this or any other
   * process): a long-running reader keeps what it derived from the index while it is the same.
   */
  generation(): string {
    return this.index.generation();
  }

  /** Every image record, names and digests included (one read of the index). */
  listImages(): ImageRow[] {
    return this.index.listImages();
  }

  /**
   * A number that changes whenever another process, or another Store of this process,
   * commits a change to the index (never for this Store's own changes): a long-lived reader
   * (berth serve) keeps what it read until it changes.
   */
  indexVersion(): number {
    return this.index.dataVersion();
  }

  /** Full IDs starting with the hex `prefix`, sorted, at most `limit`. */
  imageIdsWithPrefix(prefix: string, limit = 50): string[] {
    return this.index.idsWithPrefix(prefix, limit);
  }

  /** The ID of the image carrying exactly this normalized name (`domain/path:tag` or `domain/path@digest`). */
  imageIdForName(name: string): string | undefined {
    return this.index.imageIdForName(name);
  }

  /** Every image name with its image ID, in the order the names were given (the most recent last). */
  namesInOrder(): { name: string; imageId: string }[] {
    return this.index.namesInOrder();
  }

  /** IDs of images one of whose manifests (or the index they were pulled through) has digest `d`. */
  imageIdsForManifest(d: Digest): string[] {
    return this.index.imageIdsForManifest(d);
  }

  /** Stored names ending with `suffix` (e.g. "/alpine:latest"), with their image IDs. */
  namesEndingWith(suffix: string): { name: string; image_id: string }[] {
    return this.index.namesEndingWith(suffix);
  }

  /** IDs, in insertion order, of images whose top or parent layer (chain ID) is one of `chains`. */
  imageIdsByLayers(chains: string[]): string[] {
    return this.index.imageIdsByLayers(chains);
  }

  /** The layers of a stored manifest, base first; [] for an unknown manifest. */
  manifestLayers(manifestDigest: Digest): LayerRecord[] {
    return this.index.manifestLayers(manifestDigest);
  }

  /** Media type and size of a stored manifest (or index), or undefined. */
  manifestInfo(d: Digest): { digest: Digest; mediaType: string; size: number } | undefined {
    return this.index.manifestInfo(d);
  }

  /** The layer record of a stored layer blob, if some manifest uses it. */
  layerByDigest(d: Digest): LayerRecord | undefined {
    return this.index.layerByDigest(d);
  }

  /** Add normalized names to an image, moving them from images that had them (one transaction). IMAGE_NOT_FOUND if the image is gone. */
  addNames(id: string, names: string[]): void {
    this.index.addNames(id, names);
  }

  // ---- manifest lists being assembled (berth manifest) -------------------------------------

  /** Record a new list; a name already held by an image or a list is refused. */
  createList(list: ListRow): void {
    this.index.createList(list);
  }
  getList(id: string): ListRow | undefined {
    return this.index.getList(id);
  }
  listIdForName(name: string): string | undefined {
    return this.index.listIdForName(name);
  }
  /** Every list, with its names. */
  allLists(): ListRow[] {
    return this.index.allLists();
  }
  listIdsWithPrefix(prefix: string): string[] {
    return this.index.listIdsWithPrefix(prefix);
  }
  updateList(id: string, document: string, sources: string): void {
    this.index.updateList(id, document, sources);
  }
  /** Give a list more names (tag); each is taken from the image or list that had it. */
  addListNames(id: string, names: readonly string[]): void {
    this.index.addListNames(id, names);
  }
  /** Remove names from a list (untag); returns those it had. */
  removeListNames(id: string, names: readonly string[]): string[] {
    return this.index.removeListNames(id, names);
  }
  /** Remove a list; returns the names it had. */
  deleteList(id: string): string[] {
    return this.index.deleteList(id);
  }

  /** Remove names from an image (one transaction); returns the names that were removed. */
  removeNames(id: string, names: string[]): string[] {
    return this.index.removeNames(id, names);
  }

  /**
   * Delete image records in one transaction; `check` runs inside it for each ID and may throw
   * to abort (nothing is deleted then). Blobs stay until `gc`.
   */
  deleteImages(ids: string[], check?: (id: string) => void): void {
    this.index.deleteImages(ids, check);
  }

  /**
   * Record complete images, all or nothing, in one transaction: every blob each record
   * references must exist (else STORE_CORRUPT and nothing is recorded). Each record's lease
   * is closed by the same transaction.
   */
  recordImages(records: readonly { record: NewImageRecord; lease?: Lease }[]): void {
    const tx = () => {
      for (const r of records) this.index.recordImage(r.record, (d) => this.blobs.has(d), r.lease?.id);
    };
    if (records.length === 1) tx();
    else this.index.transaction(tx);
  }

  /** The signatures stored for one manifest of image `id` (the image's own manifest when omitted), in order. */
  signatures(id: string, manifestDigest?: Digest): Signature[] {
    const d = manifestDigest ?? this.getImage(id)?.manifestDigest;
    return d ? this.index.signatures(id, d) : [];
  }

  /** Replace the signatures of one manifest of image `id` in one transaction. */
  setSignatures(id: string, manifestDigest: Digest, signatures: readonly Signature[]): void {
    this.index.setSignatures(id, manifestDigest, signatures);
  }

  // ---- containers: records of writable root filesystems made from images ---------------

  /** Every container record, oldest first. */
  listContainers(): ContainerRow[] {
    return this.index.listContainers();
  }

  /** The record of the container with this full ID, or undefined. */
  getContainer(id: string): ContainerRow | undefined {
    return this.index.getContainer(id);
  }

  /** The ID of the container with exactly this name. */
  containerIdForName(name: string): string | undefined {
    return this.index.containerIdForName(name);
  }

  /** Full container IDs starting with the hex `prefix`, sorted, at most `limit`. */
  containerIdsWithPrefix(prefix: string, limit = 50): string[] {
    return this.index.containerIdsWithPrefix(prefix, limit);
  }

  /** IDs of the containers made from image `imageId`, oldest first. */
  containersUsingImage(imageId: string): string[] {
    return this.index.containersUsingImage(imageId);
  }

  /** Number of containers per image ID (images without containers are absent). */
  containerCounts(): Map<string, number> {
    return this.index.containerCounts();
  }

  /** The absolute path of a container's directory (its `rootfs` is relative to the store root). */
  containerPath(rel: string): string {
    return join(this.root, rel);
  }

  /**
   * Record a container whose directory was prepared at `preparedDir` (a temp path of this
   * store, holding `rootfs/`): its container.json is written there, then in one transaction the record is inserted and the directory renamed to
   * ROOT/containers/ID, so a crash leaves either both or neither (a directory without a
   * record is removed by `gc`). Returns the conflict when the name is taken, the ID exists
   * or the image is gone; then nothing changed.
   */
  recordContainer(
    c: ContainerFile,
    preparedDir: string,
  ): { conflict: 'name'; id: string } | { conflict: 'image' } | { conflict: 'id' } | undefined {
    const dir = join(this.root, CONTAINERS_DIR, c.id);
    writeContainerFile(preparedDir, c);
    const { config: _config, ...row } = c;
    return this.index.insertContainer({ ...row, rootfs: join(CONTAINERS_DIR, c.id, 'rootfs') }, () => {
      mkdirSync(join(this.root, CONTAINERS_DIR), { recursive: true, mode: 0o700 });
      renameSync(preparedDir, dir);
      fsyncDir(join(this.root, CONTAINERS_DIR));
    });
  }

  /**
   * Remove a container: its record and, in the same transaction, its directory moved to
   * the store's temp directory (removed afterwards, or after a crash by the next start).
   * Returns the removed record, or undefined when there was none.
   */
  removeContainer(id: string): ContainerRow | undefined {
    const trash = this.tempPath('-removed');
    const removed = this.index.deleteContainer(id, () => {
      try {
        renameSync(join(this.root, CONTAINERS_DIR, id), trash);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    });
    rmSync(trash, { recursive: true, force: true });
    return removed;
  }

  /** The config container `id` was created with (undefined for one created before berth recorded it). */
  containerConfig(id: string): ContainerRunConfig | undefined {
    return readContainerConfig(join(this.root, CONTAINERS_DIR, id));
  }

  /**
   * Rename container `id`: its record and, in the same transaction, its container.json (what
   * `recover` reads). Returns the conflict when another container has the name, `missing`
   * when the container is gone; then nothing changed.
   */
  renameContainer(id: string, name: string): { conflict: 'name'; id: string } | { conflict: 'missing' } | undefined {
    const dir = join(this.root, CONTAINERS_DIR, id);
    return this.index.renameContainer(id, name, () => {
      const c = this.index.getContainer(id)!;
      const config = this.containerConfig(id);
      rewriteContainerFile(dir, { ...c, name, ...(config ? { config } : {}) });
    });
  }

  /** Change a container's mount count (`null`: to 0); the new count, or undefined when the container is gone. */
  changeMountCount(id: string, delta: number | null): number | undefined {
    return this.index.changeMountCount(id, delta);
  }

  // ---- blobs ---------------------------------------------------------------------------

  /** Whether a verified blob with this digest is present. */
  hasBlob(d: Digest): boolean {
    return this.blobs.has(d);
  }

  /** Size of a stored blob, or undefined when it is absent. */
  blobSize(d: Digest): number | undefined {
    return this.blobs.size(d);
  }

  /** The file of a stored blob (read-only: never write to it). */
  blobPath(d: Digest): string {
    return this.blobs.path(d);
  }

  /** Whether a stored blob may have changed since it was verified (cheap: one stat). */
  blobInDoubt(d: Digest): boolean {
    return this.blobs.inDoubt(d);
  }

  /** Hash a stored blob again: true when present with this size and content. */
  verifyBlob(d: Digest, size?: number): Promise<boolean> {
    return this.blobs.verify(d, size);
  }

  /** Stream a stored blob from `start`. */
  openBlob(d: Digest, opts: { start?: number } = {}): Readable {
    return this.blobs.open(d, opts);
  }

  /** A stored blob's bytes: STORE_CORRUPT when missing, TOO_LARGE over `max` bytes. */
  readBlob(d: Digest, max: number): Buffer {
    return this.blobs.readBytes(d, max);
  }

  /**
   * Stream content into the store, verified against `expect` while writing; visible under
   * its digest only once verified. `beforeVisible` runs with the digest just before (for leases).
   */
  writeBlob(
    src: Readable,
    expect: { digest?: Digest; size?: number; maxSize?: number; what: string },
    beforeVisible?: (d: Digest) => void,
  ): Promise<{ digest: Digest; size: number; created: boolean }> {
    return this.blobs.write(src, expect, beforeVisible);
  }

  // ---- blob info cache (blob-info-cache.ts; derived data) ---------------------------------

  /** Known compressed forms of an uncompressed layer, most recently seen first. */
  blobPairs(uncompressed: Digest): BlobPair[] {
    return this.index.blobPairs(uncompressed);
  }
  /** Registry repositories ("registry/repository") a blob was seen in, most recently first. */
  blobLocations(digest: Digest): string[] {
    return this.index.blobLocations(digest);
  }
  /**
   * What a copy learned, in one transaction: compressed forms it made or verified, and (with
   * `location`, "registry/repository") that the location holds these blobs.
   */
  recordBlobInfo(pairs: readonly BlobPair[], present: readonly Digest[], location?: string): void {
    if (pairs.length === 0 && (!location || present.length === 0)) return;
    this.index.transaction(() => {
      this.index.recordBlobPairs(pairs);
      if (location) this.index.recordBlobLocations(present, location);
    });
  }

  // ---- partial downloads (partials.ts) ---------------------------------------------------

  /**
   * Take over the bytes an interrupted transfer kept of blob `d` (an empty partial when there
   * are none) for a transfer from `source`: `offset` bytes are present, checked against the
   * checkpoint recorded when that transfer stopped. Undefined when another live writer is
   * transferring the blob. The holder must end with `writePartial` or `releasePartial`.
   */
  holdPartial(d: Digest, size: number, source: string): Promise<HeldPartial | undefined> {
    return this.partials.hold(d, size, source);
  }

  /** The first `bytes` bytes of a held partial (to hash them again with the rest). */
  partialPrefix(h: HeldPartial, bytes: number): Readable {
    return this.partials.openPrefix(h, bytes);
  }

  /** Forget the bytes of a held partial (the source cannot resume): the transfer starts over. */
  emptyPartial(h: HeldPartial): void {
    this.partials.empty(h);
  }

  /**
   * Stream blob `h.digest` into its partial, as `writeBlob` does: `src` delivers the whole
   * blob, of which the first `start` bytes are the partial's and are not written again. The
   * verified blob is moved into the store and the partial forgotten; on failure the partial
   * keeps what was written (unless the bytes proved wrong) for the next transfer.
   */
  async writePartial(
    h: HeldPartial,
    src: Readable,
    start: number,
    what: string,
    beforeVisible?: (d: Digest) => void,
  ): Promise<{ digest: Digest; size: number; created: boolean }> {
    let r;
    try {
      r = await this.blobs.write(src, { digest: h.digest, size: h.size, what }, beforeVisible, { path: h.path, start });
    } catch (e) {
      this.partials.release(h, Partials.keepAfter(e));
      throw e;
    }
    this.partials.completed(h);
    return r;
  }

  /** Stop holding a partial without writing to it: kept for a later transfer (or removed when empty). */
  releasePartial(h: HeldPartial): void {
    this.partials.release(h, true);
  }

  /** The blobs each image references (config, manifests, layers, extra blobs), by image ID. */
  blobsByImage(): Map<string, Set<Digest>> {
    return this.index.blobsByImage();
  }

  /** Every blob digest present in blobs/ (referenced or not). */
  listBlobs(): Digest[] {
    return this.blobs.list();
  }

  /** Blobs running writers have announced (leases of live processes); only reads the index. */
  blobsInUse(): Set<string> {
    return this.index.protectedBlobs(false);
  }

  /** Every kept partial download, with the bytes on disk and whether a live writer holds it. */
  listPartials(): PartialInfo[] {
    return this.partials.list();
  }

  /** Store small in-memory content (manifests, configs); DIGEST_MISMATCH when `expected` differs. */
  putBlob(data: Uint8Array, expected?: Digest): Promise<{ digest: Digest; created: boolean }> {
    return this.blobs.putBytes(data, expected);
  }

  /** The store's directory for temporary files (same file system as the blobs). */
  get tempDir(): string {
    return this.blobs.tmpDir;
  }

  /**
   * A fresh temp file path in the store, named so that the store removes it once this
   * process is gone (crash, SIGKILL). `suffix` ends the name.
   */
  tempPath(suffix = ''): string {
    return this.blobs.tempPath(suffix);
  }

  /**
   * Remove blobs that no image references and no live writer protects, and partial
   * downloads no live writer holds that are older than the TTL (all with `allPartials`). Runs inside one
   * immediate transaction, so writers announcing blobs wait for it (and vice versa).
   */
  gc(opts: GcOptions = {}): GcResult {
    let removed = 0;
    let bytes = 0;
    let detached: string[] = [];
    let partials = { removed: 0, bytes: 0 };
    this.index.transaction(
      () => {
        partials = this.partials.collect({ ttlMs: opts.partialsTtlMs, all: opts.allPartials });
        const keep = this.index.referencedBlobs();
        for (const d of this.index.protectedBlobs()) keep.add(d);
        for (const d of this.blobs.list()) {
          if (keep.has(d)) continue;
          bytes += this.blobs.size(d) ?? 0;
          this.blobs.remove(d);
          removed++;
        }
        // unpacked layers no image uses and mounts of removed images go with them
        if (existsSync(layersDir(this.root)) || existsSync(mountsDir(this.root)))
          detached = detachUnused(this.root, this.owner(), this.index.referencedDiffIDs(), (id) => this.index.hasImage(id));
        // a container directory without a record: its create failed after the rename
        // (records and directories change in one transaction, which this one excludes)
        const records = new Set(this.index.listContainers().map((c) => c.id));
        for (const name of safeReaddir(join(this.root, CONTAINERS_DIR)))
          if (!records.has(name)) rmSync(join(this.root, CONTAINERS_DIR, name), { recursive: true, force: true });
      },
      { frees: true },
    );
    removeTrees(detached);
    if (removed > 0) this.forgetUnusableBlobInfo();
    return { removed, bytes, partials };
  }

  /**
   * The blob info cache forgets what only removed blobs made useful (IndexDB.pruneBlobInfo). In
   * a transaction of its own, after gc's: a cache whose pruning fails (a full disk) keeps its
   * rows a while longer and must not undo the removal of the blobs.
   */
  private forgetUnusableBlobInfo(): void {
    try {
      this.index.transaction(() => {
        const present = this.index.referencedBlobs();
        for (const d of this.index.protectedBlobs()) present.add(d);
        this.index.pruneBlobInfo(present, this.index.referencedDiffIDs());
      });
    } catch (e) {
      log.debug(() => `blob info cache not pruned: ${(e as Error).message}`);
    }
  }

  /**
   * Run `fn` holding the store's write lock (an immediate index transaction), for short state
   * changes kept in files beside the index (image mount counts). `fn` must be quick and synchronous.
   */
  withWriteLock<T>(fn: () => T): T {
    return this.index.transaction(fn);
  }

  /** Verify the index against the blobs. `quick` checks presence and sizes, not hashes. */
  check(opts: { quick?: boolean } = {}): Promise<CheckReport> {
    // what dead writers left behind is tidied first (as opening for writing does), not reported
    if (!this.readOnly) this.tidy();
    return checkStore({ root: this.root, ...storeInternals(this) }, opts);
  }

  /**
   * Repair what `check` reported: each image is verified again under the write lock and
   * removed only if still damaged; foreign files go to ROOT/quarantine/; then gc.
   */
  repair(report: CheckReport, opts: { quick?: boolean } = {}): RepairReport {
    return repairStore({ root: this.root, ...storeInternals(this), gc: () => this.gc() }, report, opts);
  }
}

const RESERVE_FILE = 'reserve';

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort: the rename itself is atomic */
  }
}

function releaseReserveFile(root: string): boolean {
  try {
    unlinkSync(join(root, RESERVE_FILE));
    return true;
  } catch {
    return false;
  }
}

/** stat(path), undefined when it does not exist; other failures are the store's errors. */
function probe(path: string, isDir: boolean): Stats | undefined {
  try {
    const st = statSync(path);
    if (isDir && !st.isDirectory())
      throw new BerthError('IO', `the store ${path} is not a directory`, { hint: 'choose another with --root or BERTH_ROOT' });
    return st;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storeFsError(e, path, false, 'cannot open');
  }
}

/** Whether the index's WAL holds writes not yet in the main file (then the file alone is not the index). */
function walPending(root: string): boolean {
  // (usually absent: stat without throwing, whose error object costs more than the stat)
  const wal = join(root, 'index.db-wal');
  try {
    return (statSync(wal, { throwIfNoEntry: false })?.size ?? 0) > 0;
  } catch (e) {
    throw storeFsError(e, wal, false, 'cannot open');
  }
}

/** How many blobs blobs/ holds: a store with blobs cannot have an empty index. */
function countBlobs(root: string): number {
  let n = 0;
  const dir = join(root, 'blobs');
  for (const alg of safeReaddir(dir)) n += safeReaddir(join(dir, alg)).length;
  return n;
}

/** Why this process cannot change the store (first file that refuses), or undefined. */
function writeDenied(root: string, file: string | undefined): { file: string; reason: string } | undefined {
  for (const [path, mode] of [[root, constants.W_OK | constants.X_OK], ...(file ? [[file, constants.W_OK]] : [])] as [string, number][]) {
    try {
      accessSync(path, mode);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { file: path, reason: code === 'EROFS' ? 'read-only file system' : `permission denied${ownerText(path)}` };
    }
  }
  return undefined;
}

function safeReaddir(d: string): string[] {
  try {
    return existsSync(d) ? readdirSync(d) : [];
  } catch {
    return [];
  }
}
