import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Signature } from '../trust/signature.js';
import { BerthError } from '../errors.js';
import { indexCorrupt, indexLocked, sqliteError } from './store-errors.js';
import type { Digest } from '../digest/digest.js';
import { isWriterAlive } from './liveness.js';
import { Journal, journalSignatures, type JournalEntry } from './journal.js';

/** One layer of one manifest, as stored. `digest` is the blob as kept (maybe compressed). */
export interface LayerRecord {
  digest: Digest;
  diffID: Digest;
  size: number; // stored blob size
  uncompressedSize: number; // size of the uncompressed tar
  mediaType: string;
}

export interface ManifestRecord {
  digest: Digest;
  mediaType: string;
  size: number;
  layers: LayerRecord[];
}

/** What the copy engine hands the index when an image is complete. */
export interface NewImageRecord {
  id: string; // config digest hex
  configDigest: Digest;
  configSize: number;
  created?: string; // config.created (RFC 3339)
  architecture?: string;
  os?: string;
  labels?: Record<string, string>;
  manifest: ManifestRecord; // becomes the image's primary manifest
  topLayer?: string; // chain ID of the last layer (for parent/child relations)
  parentLayer?: string; // chain ID of the layer below the top
  names: string[]; // fully normalized names to add (moved from other images)
  /** The index the manifest was chosen from; it becomes the image's displayed Digest. */
  index?: { digest: Digest; mediaType: string; size: number };
  /** Extra blobs the image keeps alive (e.g. signatures). */
  extraBlobs?: { digest: Digest; mediaType: string; size: number }[];
  /**
   * Signatures of the recorded manifest(s), by manifest digest: each list replaces the one
   * stored for that manifest of this image (an image pulled again keeps its old signatures
   * when the copy brought none).
   */
  signatures?: { manifestDigest: Digest; signatures: Signature[] }[];
}

/** A manifest list being assembled (berth manifest): JSON document and instance sources. */
export interface ListRow {
  id: string;
  created: string;
  /** The list as an image index (JSON), mediaType included. */
  document: string;
  /** JSON object: instance digest -> the "transport:location" it is copied from on push. */
  sources: string;
  names: string[];
}

/** A blob part-downloaded by an interrupted transfer (its bytes are in ROOT/partials/). */
export interface PartialRecord {
  digest: Digest;
  /** Size of the whole blob. */
  size: number;
  /** Where it was being fetched from ("docker://registry/repo:tag"). */
  source: string;
  started: string;
  /** Last time a writer took it over or recorded its progress. */
  updated: string;
  /** Bytes recorded when the transfer stopped, and the digest of exactly those bytes (null: none recorded). */
  checkpointBytes: number;
  checkpointDigest: Digest | null;
  /** The writer (liveness.ts) holding it, null when none. */
  owner: string | null;
}

interface RawPartial {
  digest: string;
  size: number;
  source: string;
  started: string;
  updated: string;
  checkpoint_bytes: number;
  checkpoint_digest: string | null;
  owner: string | null;
}

function partialRecord(r: RawPartial): PartialRecord {
  return {
    digest: r.digest as Digest,
    size: r.size,
    source: r.source,
    started: r.started,
    updated: r.updated,
    checkpointBytes: r.checkpoint_bytes,
    checkpointDigest: r.checkpoint_digest as Digest | null,
    owner: r.owner,
  };
}

export interface ImageRow {
  id: string;
  configDigest: Digest;
  configSize: number;
  manifestDigest: Digest;
  manifestMediaType: string;
  /** Displayed digest: the index digest when pulled through an index, else the manifest's. */
  digest: Digest;
  created: string | null;
  added: string;
  size: number;
  architecture: string | null;
  os: string | null;
  labels: Record<string, string>;
  readOnly: boolean;
  topLayer: string | null;
  parentLayer: string | null;
  names: string[];
  digests: Digest[]; // every manifest digest known for this image
  namesHistory: string[]; // most recent first
  /** How many containers were made from this image. */
  containers: number;
  /** A manifest list (berth manifest) shown as an image by `images`; never set on stored images. */
  manifestList?: boolean;
}

/** One container: a writable root filesystem prepared from an image (berth runs nothing). */
export interface ContainerRow {
  id: string; // 64 hex
  name: string;
  imageId: string;
  /** The image as the user named it, normalized (podman's IMAGE column); the ID when named by ID. */
  imageName: string;
  command: string[];
  created: string; // RFC 3339, nanoseconds
  /** The root filesystem directory, relative to the store root. */
  rootfs: string;
  mountCount: number;
  /** The container's labels (the image's, then --label's). */
  labels: Record<string, string>;
}

export const SCHEMA_VERSION = 9;

/** One compressed form of an uncompressed layer (a candidate only: the destination must confirm it). */
export interface BlobPair {
  uncompressed: Digest;
  compressed: Digest;
  algorithm: 'gzip' | 'zstd';
  size: number;
}

/** Repositories remembered per blob: a few are enough to find one. */
const MAX_BLOB_LOCATIONS = 4;
/** Rows the blob info cache keeps at most (the least recently seen are forgotten first). */
export const MAX_BLOB_PAIRS = 10_000;
export const MAX_BLOB_LOCATION_ROWS = 20_000;

const PROCESS_TAG = `${process.pid.toString(16)}-${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
let txCount = 0;

/**
 * A new transaction id for the names journal, never used before in any store (an aborted id
 * hides its entries): this process's id, start time and a random number, then a counter.
 * Without node:crypto, which a tag would otherwise load for this alone.
 */
function newTxId(): string {
  return `${PROCESS_TAG}-${(++txCount).toString(36)}`;
}

/** How long a write waits for another process's write lock: BERTH_LOCK_TIMEOUT seconds, default 60. */
export function lockTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.BERTH_LOCK_TIMEOUT;
  if (v === undefined || v === '') return 60_000;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n > 86_400) {
    throw new BerthError('INVALID_ARGUMENT', `BERTH_LOCK_TIMEOUT=${JSON.stringify(v)} is not a number of seconds (0 to 86400)`);
  }
  return Math.round(n * 1000);
}

/** Run `fn`, retrying while SQLite reports SQLITE_BUSY without having waited itself. */
function retryBusy<T>(fn: () => T, file: string, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    try {
      return fn();
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
      if (Date.now() > deadline) throw indexLocked(file, timeoutMs, e);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
    }
  }
}

/**
 * Catch a truncated index before SQLite reads it: its header records how many pages the
 * file holds (valid when the change counter matches the version-valid-for number), and a
 * shorter file lost its end. SQLite itself may only notice when it reads a missing page.
 * Skipped while a WAL holds frames: a checkpoint cut short may have written the header
 * before the pages that extend the file, and SQLite completes it from the WAL.
 */
function checkHeader(file: string): void {
  try {
    // (no WAL is the usual case: stat without throwing)
    if ((statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0) return;
  } catch {
    /* an unreadable WAL: SQLite reports it */
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return;
  } // created, or reported, by SQLite
  try {
    const h = Buffer.alloc(100);
    const n = readSync(fd, h, 0, 100, 0);
    const size = fstatSync(fd).size;
    if (n === 0) return;
    if (n < 100 || h.toString('latin1', 0, 16) !== 'SQLite format 3\0') throw indexCorrupt(file, 'file is not a database');
    const pageSize = h.readUInt16BE(16) === 1 ? 65536 : h.readUInt16BE(16);
    const pages = h.readUInt32BE(28);
    if (h.readUInt32BE(24) === h.readUInt32BE(92) && pages > 0 && pages * pageSize > size) {
      throw indexCorrupt(file, `it is truncated (${size} of ${pages * pageSize} bytes)`);
    }
  } finally {
    closeSync(fd);
  }
}

/** How the index is opened: read-write, read-only beside other processes, or a private read-only copy. */
export type IndexMode = 'write' | 'read' | 'snapshot' | 'empty';

/**
 * The image index (SQLite, WAL). Every state change is one transaction. An image row is
 * inserted only after all of its blobs exist (checked inside the transaction). Blob
 * writers announce blobs in a lease first, so gc never removes a blob a writer relies on.
 * Every method reports SQLite failures as BerthErrors naming the file (store-errors.ts).
 */
export class IndexDB {
  readonly db: Database.Database;
  readonly file: string;
  readonly mode: IndexMode;
  readonly lockTimeoutMs: number;

  /** The names journal (absent for an index being rebuilt by recover). */
  private readonly journal?: Journal;
  /** Journal entries of the open transaction, appended just before it commits. */
  private pending: JournalEntry[] = [];
  /** Whether the open transaction is ours (else a caller began it by hand). */
  private outer = false;

  /**
   * `write`: read-write (creating the file and schema when needed). `read`: a read-only
   * connection sharing the WAL with other processes. `snapshot`: a private in-memory copy
   * of the file, for stores whose WAL index cannot be created (read-only file system,
   * full disk); only valid when no WAL holds unfinished writes. `empty`: an empty
   * in-memory index, for reading a store that has none yet. `file`: another database file
   * than ROOT/index.db (recover builds one aside, unjournaled).
   */
  constructor(
    private readonly root: string,
    opts: { readonly?: boolean; mode?: IndexMode; file?: string; deferJournal?: boolean } = {},
  ) {
    this.file = opts.file ?? join(root, 'index.db');
    this.mode = opts.mode ?? (opts.readonly ? 'read' : 'write');
    this.lockTimeoutMs = lockTimeoutMs();
    if (!opts.file && this.mode === 'write') this.journal = new Journal(root);
    try {
      this.db = this.connect();
      // (files opened with the timeout have it already; each pragma is a statement to compile)
      if (this.mode !== 'read' && this.mode !== 'write') this.db.pragma(`busy_timeout = ${this.lockTimeoutMs}`);
      if (this.mode === 'write') {
        // Switching a fresh database to WAL needs an exclusive lock, and SQLite answers
        // SQLITE_BUSY there without calling the busy handler when two processes race to
        // create the store: retry until the other one is done.
        retryBusy(() => this.db.pragma('journal_mode = WAL'), this.file, this.lockTimeoutMs);
        this.db.pragma('synchronous = NORMAL');
      }
      // foreign keys act only on writes: a read-only connection need not turn them on
      if (this.mode !== 'read') this.db.pragma('foreign_keys = ON');
      if (this.mode === 'write' || this.mode === 'empty') this.migrate();
      else this.checkVersion();
      if (!opts.deferJournal) this.ensureJournal();
    } catch (e) {
      try {
        (this as { db?: Database.Database }).db?.close();
      } catch {
        /* already failed */
      }
      throw sqliteError(e, this.file, this.lockTimeoutMs);
    }
  }

  private connect(): Database.Database {
    if (this.mode !== 'empty') checkHeader(this.file);
    switch (this.mode) {
      case 'write':
        return openDatabase(this.file, { timeout: this.lockTimeoutMs });
      case 'read':
        return openDatabase(this.file, { timeout: this.lockTimeoutMs, readonly: true, fileMustExist: true });
      case 'empty':
        return openDatabase(':memory:');
      case 'snapshot': {
        const bytes = readFileSync(this.file);
        // A WAL-mode file (format bytes 2) cannot be deserialized; its content without a
        // WAL is exactly that of a rollback-journal file (bytes 1).
        if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
          bytes[18] = 1;
          bytes[19] = 1;
        }
        return openDatabase(bytes, { readonly: true });
      }
    }
  }

  /** The schema version, from a read-only connection: an older or newer one cannot be read. */
  private checkVersion(): void {
    const v = this.db.pragma('user_version', { simple: true }) as number;
    if (v > SCHEMA_VERSION)
      throw new BerthError('STORE_CORRUPT', `the store was written by a newer berth (schema ${v})`, { hint: 'upgrade berth' });
    // (schema 2 changed only the leases table, which readers do not use; schema 5 added
    // containers, which readers of an older store see as none)
    if (v < 1) throw indexCorrupt(this.file, `it has no berth schema (version ${v})`);
  }

  get readOnly(): boolean {
    return this.mode !== 'write';
  }

  /**
   * Called when a change that frees space fails for lack of it; returns true when it made
   * room (the store releases its reserve file), and the change is retried once.
   */
  onFull?: () => boolean;

  /**
   * Run `fn` as one immediate transaction (a savepoint when nested). The journal entries it
   * logs are appended, fsync'd, just before the outermost transaction commits; if the commit
   * fails after that, an abort entry follows. `frees`: the change removes data (rmi, untag,
   * gc, undoing a failed write), so it must work on a full disk too: when it fails for lack
   * of space, `onFull` makes room and it is tried once more.
   */
  transaction<T>(fn: () => T, opts: { frees?: boolean } = {}): T {
    try {
      return this.transactionOnce(fn);
    } catch (e) {
      const err = sqliteError(e, this.file, this.lockTimeoutMs);
      if (opts.frees && err.code === 'STORE_FULL' && this.onFull?.()) return this.transactionOnce(fn);
      throw err;
    }
  }

  private transactionOnce<T>(fn: () => T): T {
    this.ensureJournal();
    if (this.db.inTransaction) {
      const mark = this.pending.length;
      let r: T;
      try {
        r = this.db.transaction(fn)();
      } catch (e) {
        this.pending.length = mark;
        throw e;
      }
      if (!this.outer) this.flushPending(newTxId()); // a transaction begun by hand: append now
      return r;
    }
    const tx = newTxId();
    let appended = false;
    this.outer = true;
    try {
      return this.db
        .transaction(() => {
          const r = fn();
          appended = this.flushPending(tx);
          return r;
        })
        .immediate();
    } catch (e) {
      this.pending = [];
      if (appended) this.journal!.abort(tx);
      throw e;
    } finally {
      this.outer = false;
    }
  }

  private log(e: JournalEntry): void {
    this.pending.push(e);
  }

  private flushPending(tx: string): boolean {
    const entries = this.pending;
    this.pending = [];
    if (!this.journal || entries.length === 0) return false;
    this.journal.append(tx, entries);
    return true;
  }

  private journalChecked = false;

  /**
   * A store without a journal (older berth, or the file was deleted) records today's names
   * before its first change; a reader that never writes leaves it for the next writer.
   */
  private ensureJournal(): void {
    if (this.journalChecked || !this.journal) return;
    this.journalChecked = true;
    if (this.journal.exists()) return;
    try {
      this.snapshotToJournal();
    } catch {
      /* the store cannot be written now: the next writer journals the names */
    }
  }

  private snapshotToJournal(): void {
    this.transaction(() => {
      if (this.journal!.exists()) return;
      const images = this.db.prepare(`SELECT id, manifest_digest, digest FROM images ORDER BY rowid`).all() as {
        id: string;
        manifest_digest: string;
        digest: string;
      }[];
      for (const i of images) this.log({ op: 'image', id: i.id, manifest: i.manifest_digest, digest: i.digest });
      for (const r of this.db.prepare(`SELECT name, image_id FROM names ORDER BY seq`).all() as { name: string; image_id: string }[])
        this.log({ op: 'name', name: r.name, id: r.image_id });
      this.logListsAndSignatures();
      if (this.pending.length === 0) this.journal!.create();
    });
  }

  /** Journal the state of every list and every image's signatures again (system check --repair). */
  journalListsAndSignatures(): void {
    this.transaction(() => this.logListsAndSignatures());
  }

  /** Every (image, manifest) that has stored signatures. */
  signatureKeys(): { id: string; manifestDigest: Digest }[] {
    try {
      return (
        this.db.prepare(`SELECT DISTINCT image_id, manifest_digest FROM signatures ORDER BY image_id, manifest_digest`).all() as {
          image_id: string;
          manifest_digest: Digest;
        }[]
      ).map((r) => ({ id: r.image_id, manifestDigest: r.manifest_digest }));
    } catch (e) {
      if (/no such table: signatures/.test((e as Error).message)) return [];
      throw sqliteError(e, this.file, this.lockTimeoutMs);
    }
  }

  /**
   * Journal the state of every manifest list and every image's signatures as they are now
   * (a journal begun before they were journaled: schema 8 writes them on migration).
   */
  private logListsAndSignatures(): void {
    const has = (t: string) => !!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t);
    if (has('lists')) {
      for (const l of this.db.prepare(`SELECT id, created, document, sources FROM lists ORDER BY rowid`).all() as Omit<ListRow, 'names'>[])
        this.log({ op: 'list', id: l.id, created: l.created, document: l.document, sources: l.sources });
      for (const r of this.db.prepare(`SELECT name, list_id FROM list_names ORDER BY rowid`).all() as { name: string; list_id: string }[])
        this.log({ op: 'list-name', name: r.name, id: r.list_id });
    }
    if (has('signatures')) {
      const keys = this.db.prepare(`SELECT DISTINCT image_id, manifest_digest FROM signatures ORDER BY rowid`).all() as {
        image_id: string;
        manifest_digest: Digest;
      }[];
      for (const k of keys)
        this.log({
          op: 'sigs',
          id: k.image_id,
          manifest: k.manifest_digest,
          sigs: journalSignatures(this.signatures(k.image_id, k.manifest_digest)),
        });
    }
  }

  private migrate(): void {
    const v = this.db.pragma('user_version', { simple: true }) as number;
    if (v === SCHEMA_VERSION) return;
    if (v > SCHEMA_VERSION)
      throw new BerthError('STORE_CORRUPT', `the store was written by a newer berth (schema ${v})`, { hint: 'upgrade berth' });
    this.db
      .transaction(() => {
        const again = this.db.pragma('user_version', { simple: true }) as number;
        if (again === SCHEMA_VERSION) return;
        // schema 2: leases name their writer by owner id (liveness.ts), not by PID
        if (again === 1) this.db.exec(`ALTER TABLE leases ADD COLUMN owner TEXT`);
        // schema 3 adds the signatures table (created below)
        // schema 4: manifest lists being assembled (berth manifest): the list document, where
        // each instance is copied from on push, and the list's names (apart from image names)
        this.db.exec(`
        CREATE TABLE IF NOT EXISTS lists (
          id TEXT PRIMARY KEY,
          created TEXT NOT NULL,
          document TEXT NOT NULL,
          sources TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE IF NOT EXISTS list_names (
          name TEXT PRIMARY KEY,
          list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS list_names_list ON list_names(list_id);`);
        // schema 5 adds the containers table (created below, as every table, when missing)
        this.db.exec(`
        CREATE TABLE IF NOT EXISTS images (
          id TEXT PRIMARY KEY,
          config_digest TEXT NOT NULL,
          config_size INTEGER NOT NULL,
          manifest_digest TEXT NOT NULL,
          digest TEXT NOT NULL,
          created TEXT,
          added TEXT NOT NULL,
          size INTEGER NOT NULL,
          architecture TEXT,
          os TEXT,
          labels TEXT NOT NULL DEFAULT '{}',
          read_only INTEGER NOT NULL DEFAULT 0,
          top_layer TEXT,
          parent_layer TEXT
        );
        CREATE TABLE IF NOT EXISTS manifests (
          digest TEXT PRIMARY KEY,
          media_type TEXT NOT NULL,
          size INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS manifest_layers (
          manifest_digest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
          idx INTEGER NOT NULL,
          digest TEXT NOT NULL,
          diff_id TEXT NOT NULL,
          size INTEGER NOT NULL,
          uncompressed_size INTEGER NOT NULL,
          media_type TEXT NOT NULL,
          PRIMARY KEY (manifest_digest, idx)
        );
        CREATE INDEX IF NOT EXISTS manifest_layers_digest ON manifest_layers(digest);
        CREATE INDEX IF NOT EXISTS manifest_layers_diff ON manifest_layers(diff_id);
        CREATE TABLE IF NOT EXISTS image_manifests (
          image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          manifest_digest TEXT NOT NULL REFERENCES manifests(digest),
          seq INTEGER NOT NULL,
          PRIMARY KEY (image_id, manifest_digest)
        );
        CREATE INDEX IF NOT EXISTS image_manifests_digest ON image_manifests(manifest_digest);
        CREATE TABLE IF NOT EXISTS image_blobs (
          image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          digest TEXT NOT NULL,
          media_type TEXT NOT NULL,
          size INTEGER NOT NULL,
          PRIMARY KEY (image_id, digest)
        );
        CREATE TABLE IF NOT EXISTS names (
          name TEXT PRIMARY KEY,
          image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          seq INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS names_image ON names(image_id);
        CREATE TABLE IF NOT EXISTS names_history (
          image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          seq INTEGER NOT NULL,
          PRIMARY KEY (image_id, name)
        );
        CREATE TABLE IF NOT EXISTS leases (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          pid INTEGER NOT NULL,
          started TEXT NOT NULL,
          owner TEXT
        );
        CREATE TABLE IF NOT EXISTS lease_blobs (
          lease_id INTEGER NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
          digest TEXT NOT NULL,
          PRIMARY KEY (lease_id, digest)
        );
        CREATE TABLE IF NOT EXISTS signatures (
          image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          manifest_digest TEXT NOT NULL,
          idx INTEGER NOT NULL,
          kind TEXT NOT NULL,
          media_type TEXT,
          data BLOB NOT NULL,
          annotations TEXT,
          PRIMARY KEY (image_id, manifest_digest, idx)
        );
        CREATE TABLE IF NOT EXISTS containers (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          image_id TEXT NOT NULL REFERENCES images(id),
          image_name TEXT NOT NULL,
          command TEXT NOT NULL DEFAULT '[]',
          created TEXT NOT NULL,
          rootfs TEXT NOT NULL,
          mount_count INTEGER NOT NULL DEFAULT 0,
          seq INTEGER NOT NULL,
          labels TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX IF NOT EXISTS containers_image ON containers(image_id);
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        -- schema 6: blobs part-downloaded by interrupted transfers, kept to resume (partials.ts)
        CREATE TABLE IF NOT EXISTS partials (
          digest TEXT PRIMARY KEY,
          size INTEGER NOT NULL,
          source TEXT NOT NULL,
          started TEXT NOT NULL,
          updated TEXT NOT NULL,
          checkpoint_bytes INTEGER NOT NULL DEFAULT 0,
          checkpoint_digest TEXT,
          owner TEXT
        );
        INSERT OR IGNORE INTO counters VALUES ('seq', 0);
      `);
        // schema 7: container labels (a containers table made by schema 5 or 6 lacks the column)
        const cols = this.db.prepare(`SELECT name FROM pragma_table_info('containers')`).pluck().all() as string[];
        if (!cols.includes('labels')) this.db.exec(`ALTER TABLE containers ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'`);
        // schema 8: manifest lists and signatures are journaled too; a journal begun earlier
        // gets their state now (a store without a journal gets it with its first snapshot)
        if (again >= 1 && again < 8 && this.journal?.exists()) {
          this.logListsAndSignatures();
          this.flushPending(newTxId());
        }
        // schema 9: the blob info cache (blob-info-cache.ts): compressed forms of uncompressed
        // layers, and the registry repositories known to hold a blob. Derived data: recover keeps
        // the rows of a readable index and starts a new one without them.
        if (again < 9)
          this.db.exec(`
          CREATE TABLE IF NOT EXISTS blob_pairs (
            uncompressed TEXT NOT NULL,
            compressed TEXT NOT NULL,
            algorithm TEXT NOT NULL,
            size INTEGER NOT NULL,
            seen INTEGER NOT NULL,
            PRIMARY KEY (uncompressed, compressed)
          );
          CREATE TABLE IF NOT EXISTS blob_locations (
            digest TEXT NOT NULL,
            location TEXT NOT NULL,
            seen INTEGER NOT NULL,
            PRIMARY KEY (digest, location)
          );`);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }

  private nextSeq(): number {
    const r = this.db.prepare(`UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value`).get() as { value: number };
    return r.value;
  }

  // ---- leases ---------------------------------------------------------------------------

  /** A lease of the writer `owner` (its id from liveness.ts; the lease dies with that process). */
  openLease(owner: string): number {
    const r = this.db
      .prepare(`INSERT INTO leases (pid, started, owner) VALUES (?, ?, ?) RETURNING id`)
      .get(process.pid, new Date().toISOString(), owner) as { id: number };
    return r.id;
  }

  /** Announce that lease `id` is about to rely on blob `d` (call before checking/writing it). */
  protectBlob(id: number, d: Digest): void {
    this.db.prepare(`INSERT OR IGNORE INTO lease_blobs (lease_id, digest) VALUES (?, ?)`).run(id, d);
  }

  closeLease(id: number): void {
    this.transaction(() => this.db.prepare(`DELETE FROM leases WHERE id = ?`).run(id), { frees: true });
  }

  // ---- partial blobs ---------------------------------------------------------------------

  /**
   * Take over the partial record of `digest` for writer `owner` (creating it), unless a live
   * other writer holds it: then undefined. One transaction, so two processes never both win.
   */
  claimPartial(p: { digest: Digest; size: number; source: string }, owner: string): PartialRecord | undefined {
    return this.transaction(() => {
      const row = this.partialRow(p.digest);
      if (row?.owner && row.owner !== owner && isWriterAlive(this.root, row.owner)) return undefined;
      const now = new Date().toISOString();
      if (row && row.size !== p.size) this.db.prepare(`DELETE FROM partials WHERE digest = ?`).run(p.digest);
      this.db
        .prepare(
          `INSERT INTO partials (digest, size, source, started, updated, owner) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(digest) DO UPDATE SET source = excluded.source, updated = excluded.updated, owner = excluded.owner`,
        )
        .run(p.digest, p.size, p.source, now, now, owner);
      return this.partialRow(p.digest)!;
    });
  }

  /** Record how far a partial got (`bytes` hashing to `prefix`) and release it. */
  checkpointPartial(digest: Digest, bytes: number, prefix: Digest | null, owner: string): void {
    this.transaction(() =>
      this.db
        .prepare(
          `UPDATE partials SET checkpoint_bytes = ?, checkpoint_digest = ?, updated = ?, owner = NULL WHERE digest = ? AND owner IS ?`,
        )
        .run(bytes, prefix, new Date().toISOString(), digest, owner),
    );
  }

  /** Forget a partial record (its file is gone or complete); with `owner`, only while it still holds it. */
  dropPartial(digest: Digest, owner?: string): void {
    this.transaction(
      () =>
        owner === undefined
          ? this.db.prepare(`DELETE FROM partials WHERE digest = ?`).run(digest)
          : this.db.prepare(`DELETE FROM partials WHERE digest = ? AND owner IS ?`).run(digest, owner),
      { frees: true },
    );
  }

  listPartials(): PartialRecord[] {
    try {
      return (this.db.prepare(`SELECT * FROM partials ORDER BY started`).all() as RawPartial[]).map(partialRecord);
    } catch (e) {
      // a read-only view of an older store has no such table: nothing is partial there
      if (/no such table/.test((e as Error).message)) return [];
      throw e;
    }
  }

  // ---- blob info cache (blob-info-cache.ts) ------------------------------------------------

  /** Remember compressed forms of uncompressed layers (newest first when looked up). */
  recordBlobPairs(pairs: readonly BlobPair[]): void {
    if (pairs.length === 0) return;
    const now = Date.now();
    this.transaction(() => {
      const put = this.db.prepare(
        `INSERT INTO blob_pairs (uncompressed, compressed, algorithm, size, seen) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (uncompressed, compressed) DO UPDATE SET algorithm = excluded.algorithm, size = excluded.size, seen = excluded.seen`,
      );
      for (const p of pairs) put.run(p.uncompressed, p.compressed, p.algorithm, p.size, now);
      this.capCacheRows('blob_pairs', MAX_BLOB_PAIRS);
    });
  }

  /** Known compressed forms of an uncompressed layer, most recently seen first. */
  blobPairs(uncompressed: Digest): BlobPair[] {
    return this.cacheRows(
      () =>
        this.db
          .prepare(`SELECT uncompressed, compressed, algorithm, size FROM blob_pairs WHERE uncompressed = ? ORDER BY seen DESC, rowid DESC`)
          .all(uncompressed) as BlobPair[],
    );
  }

  /** Remember that `location` ("registry/repository") held these blobs. */
  recordBlobLocations(digests: readonly Digest[], location: string): void {
    if (digests.length === 0) return;
    const now = Date.now();
    this.transaction(() => {
      const put = this.db.prepare(
        `INSERT INTO blob_locations (digest, location, seen) VALUES (?, ?, ?) ON CONFLICT (digest, location) DO UPDATE SET seen = excluded.seen`,
      );
      // a few locations per blob are enough to find one: the oldest are forgotten
      const trim = this.db.prepare(
        `DELETE FROM blob_locations WHERE digest = ? AND rowid NOT IN (SELECT rowid FROM blob_locations WHERE digest = ? ORDER BY seen DESC, rowid DESC LIMIT ${MAX_BLOB_LOCATIONS})`,
      );
      for (const d of digests) {
        put.run(d, location, now);
        trim.run(d, d);
      }
      this.capCacheRows('blob_locations', MAX_BLOB_LOCATION_ROWS);
    });
  }

  /** Keep at most `max` rows of a blob info cache table: the least recently seen go. */
  private capCacheRows(table: 'blob_pairs' | 'blob_locations', max: number): void {
    const n = this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    if (n > max)
      this.db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ORDER BY seen, rowid LIMIT ?)`).run(n - max);
  }

  /**
   * Forget the blob info cache rows that nothing in the store can use any more (gc, after it
   * removed blobs): `present` are the blobs the store keeps, `diffIDs` the layers its images
   * have. Why these rules: a pair is looked up by its uncompressed side when a layer of the
   * store is pushed, and its compressed side is then confirmed in a registry. So a pair stays
   * while the store has a layer with its diffID (the compressed form may live only in a
   * registry) or holds its compressed blob; with neither, no push from this store needs it.
   * A location serves mounts of blobs a push sends: it stays while the store holds the blob or
   * a remaining pair names it as the compressed side.
   */
  pruneBlobInfo(present: ReadonlySet<string>, diffIDs: ReadonlySet<string>): { pairs: number; locations: number } {
    const pairs = this.db.prepare(`SELECT rowid AS id, uncompressed, compressed FROM blob_pairs`).all() as {
      id: number;
      uncompressed: string;
      compressed: string;
    }[];
    const named = new Set<string>();
    const dropPair = this.db.prepare(`DELETE FROM blob_pairs WHERE rowid = ?`);
    let droppedPairs = 0;
    for (const p of pairs) {
      if (diffIDs.has(p.uncompressed) || present.has(p.uncompressed) || present.has(p.compressed)) named.add(p.compressed);
      else droppedPairs += dropPair.run(p.id).changes;
    }
    const locations = this.db.prepare(`SELECT rowid AS id, digest FROM blob_locations`).all() as { id: number; digest: string }[];
    const dropLocation = this.db.prepare(`DELETE FROM blob_locations WHERE rowid = ?`);
    let droppedLocations = 0;
    for (const l of locations) if (!present.has(l.digest) && !named.has(l.digest)) droppedLocations += dropLocation.run(l.id).changes;
    return { pairs: droppedPairs, locations: droppedLocations };
  }

  /** Where a blob was seen, most recently first. */
  blobLocations(digest: Digest): string[] {
    return this.cacheRows(
      () =>
        this.db
          .prepare(`SELECT location FROM blob_locations WHERE digest = ? ORDER BY seen DESC, rowid DESC`)
          .pluck()
          .all(digest) as string[],
    );
  }

  private cacheRows<T>(read: () => T[]): T[] {
    try {
      return read();
    } catch (e) {
      // a read-only view of an older store has no such table: nothing is known there
      if (/no such table/.test((e as Error).message)) return [];
      throw e;
    }
  }

  private partialRow(d: Digest): PartialRecord | undefined {
    const r = this.db.prepare(`SELECT * FROM partials WHERE digest = ?`).get(d) as RawPartial | undefined;
    return r && partialRecord(r);
  }

  // ---- images ---------------------------------------------------------------------------

  /**
   * Record a complete image in one transaction. `blobExists` is consulted inside the
   * transaction for every blob the image references; a missing blob aborts the write.
   * Names are moved from whatever image had them. Returns the names that were taken from
   * other images.
   */
  recordImage(img: NewImageRecord, blobExists: (d: Digest) => boolean, leaseId?: number): void {
    const needed: Digest[] = [
      img.configDigest,
      img.manifest.digest,
      ...img.manifest.layers.map((l) => l.digest),
      ...(img.extraBlobs ?? []).map((b) => b.digest),
    ];
    if (img.index) needed.push(img.index.digest);
    const displayDigest = img.index?.digest ?? img.manifest.digest;
    this.transaction(() => {
      for (const d of needed) {
        if (!blobExists(d)) throw new BerthError('STORE_CORRUPT', `blob ${d} is missing; refusing to record image ${img.id.slice(0, 12)}`);
      }
      const now = new Date().toISOString();
      const size = img.manifest.layers.reduce((a, l) => a + l.uncompressedSize, 0) + img.configSize + img.manifest.size;
      const existing = this.db.prepare(`SELECT id FROM images WHERE id = ?`).get(img.id);
      this.db
        .prepare(`INSERT INTO manifests (digest, media_type, size) VALUES (?, ?, ?) ON CONFLICT(digest) DO NOTHING`)
        .run(img.manifest.digest, img.manifest.mediaType, img.manifest.size);
      const layerIns = this.db.prepare(
        `INSERT OR IGNORE INTO manifest_layers (manifest_digest, idx, digest, diff_id, size, uncompressed_size, media_type) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      img.manifest.layers.forEach((l, i) =>
        layerIns.run(img.manifest.digest, i, l.digest, l.diffID, l.size, l.uncompressedSize, l.mediaType),
      );
      if (existing) {
        this.db
          .prepare(`UPDATE images SET manifest_digest = ?, digest = ?, size = ? WHERE id = ?`)
          .run(img.manifest.digest, displayDigest, size, img.id);
      } else {
        this.db
          .prepare(
            `INSERT INTO images (id, config_digest, config_size, manifest_digest, digest, created, added, size, architecture, os, labels, top_layer, parent_layer)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            img.id,
            img.configDigest,
            img.configSize,
            img.manifest.digest,
            displayDigest,
            img.created ?? null,
            now,
            size,
            img.architecture ?? null,
            img.os ?? null,
            JSON.stringify(img.labels ?? {}),
            img.topLayer ?? null,
            img.parentLayer ?? null,
          );
      }
      const linkManifest = this.db.prepare(
        `INSERT INTO image_manifests (image_id, manifest_digest, seq) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET seq = excluded.seq`,
      );
      linkManifest.run(img.id, img.manifest.digest, this.nextSeq());
      if (img.index) {
        this.db
          .prepare(`INSERT INTO manifests (digest, media_type, size) VALUES (?, ?, ?) ON CONFLICT(digest) DO NOTHING`)
          .run(img.index.digest, img.index.mediaType, img.index.size);
        linkManifest.run(img.id, img.index.digest, this.nextSeq());
      }
      const blobIns = this.db.prepare(`INSERT OR IGNORE INTO image_blobs (image_id, digest, media_type, size) VALUES (?, ?, ?, ?)`);
      for (const b of img.extraBlobs ?? []) blobIns.run(img.id, b.digest, b.mediaType, b.size);
      for (const s of img.signatures ?? []) this.putSignaturesTx(img.id, s.manifestDigest, s.signatures);
      this.log({ op: 'image', id: img.id, manifest: img.manifest.digest, digest: displayDigest });
      this.addNamesTx(img.id, img.names);
      if (leaseId !== undefined) this.db.prepare(`DELETE FROM leases WHERE id = ?`).run(leaseId);
    });
  }

  private addNamesTx(id: string, names: string[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO names (name, image_id, seq) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, seq = excluded.seq`,
    );
    const current = this.db.prepare(`SELECT image_id FROM names WHERE name = ?`);
    const listHolder = this.hasLists() ? this.db.prepare(`SELECT list_id FROM list_names WHERE name = ?`).pluck() : undefined;
    for (const n of names) {
      const cur = current.get(n) as { image_id: string } | undefined;
      if (cur?.image_id === id) continue;
      // a name moves from a manifest list too (names are unique among images and lists)
      const list = listHolder?.get(n) as string | undefined;
      if (list !== undefined) {
        this.db.prepare(`DELETE FROM list_names WHERE name = ?`).run(n);
        this.log({ op: 'list-untag', name: n, id: list });
      }
      upsert.run(n, id, this.nextSeq());
      this.log({ op: 'name', name: n, id });
    }
    if (names.length) this.renewNamesHistoryTx(id);
  }

  /**
   * After a change of an image's names, each remaining name moves to the front of its names
   * history, in name order (so the last name ends up first), as containers/storage does:
   * a removed name stays in the history behind the current ones.
   */
  private renewNamesHistoryTx(id: string): void {
    const hist = this.db.prepare(
      `INSERT INTO names_history (image_id, name, seq) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET seq = excluded.seq`,
    );
    const names = this.db.prepare(`SELECT name FROM names WHERE image_id = ? ORDER BY seq`).pluck().all(id) as string[];
    for (const n of names) hist.run(id, n, this.nextSeq());
  }

  // ---- manifest lists (berth manifest) ------------------------------------------------------

  /** A store of schema 2 opened read-only has no lists table (and so no lists). */
  private hasLists(): boolean {
    return !!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lists'`).get();
  }

  /** Record a new list under `names`; a name held by an image or another list is refused. */
  createList(list: ListRow): void {
    this.transaction(() => {
      for (const n of list.names) {
        const img = this.db.prepare(`SELECT image_id FROM names WHERE name = ?`).get(n) as { image_id: string } | undefined;
        const other = this.db.prepare(`SELECT list_id FROM list_names WHERE name = ?`).get(n) as { list_id: string } | undefined;
        const holder = img?.image_id ?? other?.list_id;
        if (holder)
          throw new BerthError(
            'INVALID_ARGUMENT',
            `creating image to hold manifest list: image name ${JSON.stringify(n)} is already associated with image ${JSON.stringify(holder)}: that name is already in use`,
            { data: { holder } },
          );
      }
      this.db
        .prepare(`INSERT INTO lists (id, created, document, sources) VALUES (?, ?, ?, ?)`)
        .run(list.id, list.created, list.document, list.sources);
      const add = this.db.prepare(`INSERT INTO list_names (name, list_id) VALUES (?, ?)`);
      this.log({ op: 'list', id: list.id, created: list.created, document: list.document, sources: list.sources });
      for (const n of list.names) {
        add.run(n, list.id);
        this.log({ op: 'list-name', name: n, id: list.id });
      }
    });
  }

  getList(id: string): ListRow | undefined {
    if (!this.hasLists()) return undefined;
    const r = this.db.prepare(`SELECT id, created, document, sources FROM lists WHERE id = ?`).get(id) as
      Omit<ListRow, 'names'> | undefined;
    if (!r) return undefined;
    const names = (this.db.prepare(`SELECT name FROM list_names WHERE list_id = ? ORDER BY rowid`).all(id) as { name: string }[]).map(
      (x) => x.name,
    );
    return { ...r, names };
  }

  /** Every list, with its names (in the order they were given). */
  allLists(): ListRow[] {
    if (!this.hasLists()) return [];
    return this.db.transaction(() => {
      const names = new Map<string, string[]>();
      for (const [name, id] of this.db.prepare(`SELECT name, list_id FROM list_names ORDER BY rowid`).raw().all() as [string, string][])
        (names.get(id) ?? names.set(id, []).get(id)!).push(name);
      return (this.db.prepare(`SELECT id, created, document, sources FROM lists ORDER BY rowid`).all() as Omit<ListRow, 'names'>[]).map(
        (r) => ({ ...r, names: names.get(r.id) ?? [] }),
      );
    })();
  }

  listIdForName(name: string): string | undefined {
    if (!this.hasLists()) return undefined;
    return (this.db.prepare(`SELECT list_id FROM list_names WHERE name = ?`).get(name) as { list_id: string } | undefined)?.list_id;
  }

  listIdsWithPrefix(prefix: string): string[] {
    if (!this.hasLists()) return [];
    return (
      this.db.prepare(`SELECT id FROM lists WHERE id >= ? AND id < ? ORDER BY id LIMIT 50`).all(prefix, prefix + '\uffff') as {
        id: string;
      }[]
    ).map((r) => r.id);
  }

  /** Replace a list's document and instance sources (one transaction). */
  updateList(id: string, document: string, sources: string): void {
    this.transaction(() => {
      const r = this.db.prepare(`UPDATE lists SET document = ?, sources = ? WHERE id = ? RETURNING created`).get(document, sources, id) as
        { created: string } | undefined;
      if (!r) throw new BerthError('IMAGE_NOT_FOUND', `manifest list ${id.slice(0, 12)} no longer exists`);
      this.log({ op: 'list', id, created: r.created, document, sources });
    });
  }

  /** Give list `id` more names (tag), moving each from the image or list that had it. */
  addListNames(id: string, names: readonly string[]): void {
    this.transaction(() => {
      if (!this.db.prepare(`SELECT 1 FROM lists WHERE id = ?`).get(id))
        throw new BerthError('IMAGE_NOT_FOUND', `manifest list ${id.slice(0, 12)} no longer exists`);
      for (const n of names) {
        const img = this.db.prepare(`SELECT image_id FROM names WHERE name = ?`).pluck().get(n) as string | undefined;
        if (img !== undefined) this.removeNamesTx(img, [n]);
        const list = this.db.prepare(`SELECT list_id FROM list_names WHERE name = ?`).pluck().get(n) as string | undefined;
        if (list === id) continue;
        if (list !== undefined) {
          this.db.prepare(`DELETE FROM list_names WHERE name = ?`).run(n);
          this.log({ op: 'list-untag', name: n, id: list });
        }
        this.db.prepare(`INSERT INTO list_names (name, list_id) VALUES (?, ?)`).run(n, id);
        this.log({ op: 'list-name', name: n, id });
      }
    });
  }

  /** Remove names from list `id` (untag); returns the names actually removed. */
  removeListNames(id: string, names: readonly string[]): string[] {
    return this.transaction(() => this.deleteNamesTx('list', id, names), { frees: true });
  }

  /** Remove a list and its names; returns the names it had (empty when it was gone). */
  deleteList(id: string): string[] {
    return this.transaction(() => {
      const names = (this.db.prepare(`SELECT name FROM list_names WHERE list_id = ? ORDER BY rowid`).all(id) as { name: string }[]).map(
        (x) => x.name,
      );
      this.db.prepare(`DELETE FROM list_names WHERE list_id = ?`).run(id);
      if (this.db.prepare(`DELETE FROM lists WHERE id = ?`).run(id).changes > 0) this.log({ op: 'list-rm', id });
      return names;
    });
  }

  /** Add names to an existing image (tag). */
  addNames(id: string, names: string[]): void {
    this.transaction(() => {
      if (!this.db.prepare(`SELECT 1 FROM images WHERE id = ?`).get(id))
        throw new BerthError('IMAGE_NOT_FOUND', `image ${id.slice(0, 12)} no longer exists`);
      this.addNamesTx(id, names);
    });
  }

  /** Remove names from an image (untag). Returns the names actually removed. */
  removeNames(id: string, names: string[]): string[] {
    return this.transaction(() => this.removeNamesTx(id, names), { frees: true });
  }

  private removeNamesTx(id: string, names: readonly string[]): string[] {
    const removed = this.deleteNamesTx('image', id, names);
    if (removed.length) this.renewNamesHistoryTx(id);
    return removed;
  }

  /** Delete those of `names` the image or list `id` has, journaling each; returns them. */
  private deleteNamesTx(of: 'image' | 'list', id: string, names: readonly string[]): string[] {
    const removed: string[] = [];
    const del = this.db.prepare(
      of === 'image' ? `DELETE FROM names WHERE name = ? AND image_id = ?` : `DELETE FROM list_names WHERE name = ? AND list_id = ?`,
    );
    for (const n of names)
      if (del.run(n, id).changes > 0) {
        removed.push(n);
        this.log({ op: of === 'image' ? 'untag' : 'list-untag', name: n, id });
      }
    return removed;
  }

  /**
   * Delete image rows (and manifests no other image uses). Blobs are left for gc, which the
   * caller runs afterwards. `check` runs inside the transaction and may throw to abort.
   */
  deleteImages(ids: string[], check?: (id: string) => void): void {
    this.transaction(
      () => {
        for (const id of ids) {
          check?.(id);
          if (this.db.prepare(`DELETE FROM images WHERE id = ?`).run(id).changes > 0) this.log({ op: 'rmi', id });
        }
        this.db.prepare(`DELETE FROM manifests WHERE digest NOT IN (SELECT manifest_digest FROM image_manifests)`).run();
      },
      { frees: true },
    );
  }

  private putSignaturesTx(id: string, manifestDigest: Digest, sigs: readonly Signature[]): void {
    this.db.prepare(`DELETE FROM signatures WHERE image_id = ? AND manifest_digest = ?`).run(id, manifestDigest);
    const ins = this.db.prepare(
      `INSERT INTO signatures (image_id, manifest_digest, idx, kind, media_type, data, annotations) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    sigs.forEach((sig, i) => {
      if (sig.kind === 'simple') ins.run(id, manifestDigest, i, 'simple', null, sig.data, null);
      else ins.run(id, manifestDigest, i, 'sigstore', sig.mediaType, sig.payload, JSON.stringify(sig.annotations));
    });
    this.log({ op: 'sigs', id, manifest: manifestDigest, sigs: journalSignatures(sigs) });
  }

  /** Replace the signatures of one manifest of image `id` (image sign). */
  setSignatures(id: string, manifestDigest: Digest, sigs: readonly Signature[]): void {
    this.transaction(() => {
      if (!this.db.prepare(`SELECT 1 FROM images WHERE id = ?`).get(id))
        throw new BerthError('IMAGE_NOT_FOUND', `image ${id.slice(0, 12)} no longer exists`);
      this.putSignaturesTx(id, manifestDigest, sigs);
    });
  }

  /**
   * The stored signatures of one manifest of image `id`, in order. A store written before
   * signatures were kept (read without migrating) has none.
   */
  signatures(id: string, manifestDigest: Digest): Signature[] {
    let rows: { kind: string; media_type: string | null; data: Buffer; annotations: string | null }[];
    try {
      rows = this.db
        .prepare(`SELECT kind, media_type, data, annotations FROM signatures WHERE image_id = ? AND manifest_digest = ? ORDER BY idx`)
        .all(id, manifestDigest) as typeof rows;
    } catch (e) {
      if (/no such table: signatures/.test((e as Error).message)) return [];
      throw sqliteError(e, this.file, this.lockTimeoutMs);
    }
    return rows.map((r) =>
      r.kind === 'simple'
        ? { kind: 'simple', data: Buffer.from(r.data) }
        : {
            kind: 'sigstore',
            mediaType: r.media_type ?? '',
            payload: Buffer.from(r.data),
            annotations: JSON.parse(r.annotations ?? '{}') as Record<string, string>,
          },
    );
  }

  /** Remove every name of image `id` (names history stays). */
  dropNames(id: string): void {
    this.transaction(() => {
      this.db.prepare(`DELETE FROM names WHERE image_id = ?`).run(id);
    });
  }

  // ---- containers -----------------------------------------------------------------------

  /** Whether the containers table exists (a reader of a store older than schema 5 sees none). */
  private hasContainerTable(): boolean {
    return !!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'containers'`).get();
  }

  /**
   * Record a container in one transaction, unless its name is taken or its image is gone
   * (then nothing is recorded and the conflict is returned). `beforeCommit` runs inside the
   * transaction after the insert (e.g. to move the prepared root filesystem into place); if
   * it throws, nothing is recorded.
   */
  insertContainer(
    c: Omit<ContainerRow, 'mountCount'>,
    beforeCommit?: () => void,
  ): { conflict: 'name'; id: string } | { conflict: 'image' } | { conflict: 'id' } | undefined {
    return this.transaction(() => {
      if (!this.db.prepare(`SELECT 1 FROM images WHERE id = ?`).get(c.imageId)) return { conflict: 'image' as const };
      const byName = this.db.prepare(`SELECT id FROM containers WHERE name = ?`).pluck().get(c.name) as string | undefined;
      if (byName !== undefined) return { conflict: 'name' as const, id: byName };
      if (this.db.prepare(`SELECT 1 FROM containers WHERE id = ?`).get(c.id)) return { conflict: 'id' as const };
      this.db
        .prepare(
          `INSERT INTO containers (id, name, image_id, image_name, command, created, rootfs, mount_count, seq, labels) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
        )
        .run(
          c.id,
          c.name,
          c.imageId,
          c.imageName,
          JSON.stringify(c.command),
          c.created,
          c.rootfs,
          this.nextSeq(),
          JSON.stringify(c.labels),
        );
      beforeCommit?.();
      return undefined;
    });
  }

  /**
   * Delete a container record in one transaction; `beforeCommit` runs inside it after the
   * delete (e.g. to move the root filesystem aside) and may throw to keep the record.
   * Returns the record deleted, or undefined when there was none.
   */
  deleteContainer(id: string, beforeCommit?: (c: ContainerRow) => void): ContainerRow | undefined {
    return this.transaction(
      () => {
        const c = this.getContainer(id);
        if (!c) return undefined;
        this.db.prepare(`DELETE FROM containers WHERE id = ?`).run(id);
        beforeCommit?.(c);
        return c;
      },
      { frees: true },
    );
  }

  /**
   * Give container `id` the name `name` in one transaction, unless another container has it
   * (then nothing changes and that container's ID is returned). `beforeCommit` runs inside
   * the transaction after the update (e.g. to rewrite the container's file) and may throw to
   * keep the old name. Returns `missing` when the container is gone.
   */
  renameContainer(
    id: string,
    name: string,
    beforeCommit?: () => void,
  ): { conflict: 'name'; id: string } | { conflict: 'missing' } | undefined {
    return this.transaction(() => {
      if (!this.db.prepare(`SELECT 1 FROM containers WHERE id = ?`).get(id)) return { conflict: 'missing' as const };
      const byName = this.db.prepare(`SELECT id FROM containers WHERE name = ?`).pluck().get(name) as string | undefined;
      if (byName !== undefined && byName !== id) return { conflict: 'name' as const, id: byName };
      this.db.prepare(`UPDATE containers SET name = ? WHERE id = ?`).run(name, id);
      beforeCommit?.();
      return undefined;
    });
  }

  /** Change a container's mount count by `delta` (never below 0; `null`: to 0). Returns the new count, or undefined when the container is gone. */
  changeMountCount(id: string, delta: number | null): number | undefined {
    return this.transaction(() => {
      const cur = this.db.prepare(`SELECT mount_count FROM containers WHERE id = ?`).pluck().get(id) as number | undefined;
      if (cur === undefined) return undefined;
      const next = delta === null ? 0 : Math.max(0, cur + delta);
      if (next !== cur) this.db.prepare(`UPDATE containers SET mount_count = ? WHERE id = ?`).run(next, id);
      return next;
    });
  }

  /** Every container, oldest first. */
  listContainers(): ContainerRow[] {
    if (!this.hasContainerTable()) return [];
    return (this.db.prepare(`SELECT * FROM containers ORDER BY seq`).all() as RawContainer[]).map(containerRow);
  }

  getContainer(id: string): ContainerRow | undefined {
    if (!this.hasContainerTable()) return undefined;
    const r = this.db.prepare(`SELECT * FROM containers WHERE id = ?`).get(id) as RawContainer | undefined;
    return r && containerRow(r);
  }

  containerIdForName(name: string): string | undefined {
    if (!this.hasContainerTable()) return undefined;
    return this.db.prepare(`SELECT id FROM containers WHERE name = ?`).pluck().get(name) as string | undefined;
  }

  /** Container IDs starting with `prefix` (at most `limit`). */
  containerIdsWithPrefix(prefix: string, limit = 50): string[] {
    if (!this.hasContainerTable()) return [];
    return this.db
      .prepare(`SELECT id FROM containers WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`)
      .pluck()
      .all(prefix, prefix + '\uffff', limit) as string[];
  }

  /** IDs of the containers made from image `imageId`, oldest first. */
  containersUsingImage(imageId: string): string[] {
    if (!this.hasContainerTable()) return [];
    return this.db.prepare(`SELECT id FROM containers WHERE image_id = ? ORDER BY seq`).pluck().all(imageId) as string[];
  }

  /** How many containers each image has (images without any are absent). */
  containerCounts(): Map<string, number> {
    const m = new Map<string, number>();
    if (!this.hasContainerTable()) return m;
    for (const [id, n] of this.db.prepare(`SELECT image_id, count(*) FROM containers GROUP BY image_id`).raw().all() as [string, number][])
      m.set(id, n);
    return m;
  }

  // ---- queries --------------------------------------------------------------------------

  /**
   * SQLite's data_version: it changes whenever another connection (this process's or
   * another's) commits a change, so a long-lived reader can cache what it read until then.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  nameCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM names`).get() as { n: number }).n;
  }

  private totalChanges?: Database.Statement;

  /**
   * A value that differs whenever the index may have changed since it was last read: commits of
   * other connections (SQLite's data_version) and changes made through this one (total_changes).
   */
  generation(): string {
    this.totalChanges ??= this.db.prepare('SELECT total_changes()').pluck();
    return `${this.db.pragma('data_version', { simple: true }) as number}.${this.totalChanges.get() as number}`;
  }

  /**
   * All images with names and digests; one query each table, assembled in memory, in one read
   * transaction (so a concurrent change is seen entirely or not at all).
   */
  listImages(): ImageRow[] {
    return this.db.transaction(() => this.assemble(this.db.prepare(IMAGE_SELECT).all() as RawImage[]))();
  }

  getImage(id: string): ImageRow | undefined {
    return this.db.transaction(() => this.assemble(this.db.prepare(`${IMAGE_SELECT} WHERE i.id = ?`).all(id) as RawImage[], id)[0])();
  }

  /** IDs starting with `prefix` (at most `limit`). */
  idsWithPrefix(prefix: string, limit = 50): string[] {
    return (
      this.db.prepare(`SELECT id FROM images WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`).all(prefix, prefix + '\uffff', limit) as {
        id: string;
      }[]
    ).map((r) => r.id);
  }

  /** IDs of images whose top or parent layer (chain ID) is one of `layers` (image relations). */
  imageIdsByLayers(layers: string[]): string[] {
    if (layers.length === 0) return [];
    const q = layers.map(() => '?').join(', ');
    return (
      this.db
        .prepare(`SELECT id FROM images WHERE top_layer IN (${q}) OR parent_layer IN (${q}) ORDER BY rowid`)
        .raw()
        .all(...layers, ...layers) as [string][]
    ).map((r) => r[0]);
  }

  /** Every image name with its image, in the order the names were given (oldest first). */
  namesInOrder(): { name: string; imageId: string }[] {
    return (this.db.prepare(`SELECT name, image_id FROM names ORDER BY seq`).raw().all() as [string, string][]).map(([name, imageId]) => ({
      name,
      imageId,
    }));
  }

  imageIdForName(name: string): string | undefined {
    return (this.db.prepare(`SELECT image_id FROM names WHERE name = ?`).get(name) as { image_id: string } | undefined)?.image_id;
  }

  imageIdsForManifest(d: Digest): string[] {
    return (this.db.prepare(`SELECT image_id FROM image_manifests WHERE manifest_digest = ?`).all(d) as { image_id: string }[]).map(
      (r) => r.image_id,
    );
  }

  /** Names matching a SQL LIKE-free suffix test, e.g. "/alpine:latest" for short names. */
  namesEndingWith(suffix: string): { name: string; image_id: string }[] {
    return this.db.prepare(`SELECT name, image_id FROM names WHERE substr(name, -?) = ?`).all(suffix.length, suffix) as {
      name: string;
      image_id: string;
    }[];
  }

  manifestLayers(manifestDigest: Digest): LayerRecord[] {
    return (
      this.db
        .prepare(`SELECT digest, diff_id, size, uncompressed_size, media_type FROM manifest_layers WHERE manifest_digest = ? ORDER BY idx`)
        .all(manifestDigest) as {
        digest: Digest;
        diff_id: Digest;
        size: number;
        uncompressed_size: number;
        media_type: string;
      }[]
    ).map((r) => ({ digest: r.digest, diffID: r.diff_id, size: r.size, uncompressedSize: r.uncompressed_size, mediaType: r.media_type }));
  }

  manifestInfo(d: Digest): { digest: Digest; mediaType: string; size: number } | undefined {
    const r = this.db.prepare(`SELECT digest, media_type, size FROM manifests WHERE digest = ?`).get(d) as
      { digest: Digest; media_type: string; size: number } | undefined;
    return r && { digest: r.digest, mediaType: r.media_type, size: r.size };
  }

  /** A stored layer blob with the given diffID, if any (to avoid re-storing the same content). */
  layerByDiffID(diffID: Digest): LayerRecord | undefined {
    return this.layerWhere('diff_id', diffID);
  }

  /** Layer record for a stored blob digest. */
  layerByDigest(d: Digest): LayerRecord | undefined {
    return this.layerWhere('digest', d);
  }

  /** The first layer row whose `column` equals `value`. */
  private layerWhere(column: 'digest' | 'diff_id', value: Digest): LayerRecord | undefined {
    const r = this.db
      .prepare(`SELECT digest, diff_id, size, uncompressed_size, media_type FROM manifest_layers WHERE ${column} = ? LIMIT 1`)
      .get(value) as { digest: Digest; diff_id: Digest; size: number; uncompressed_size: number; media_type: string } | undefined;
    return r && { digest: r.digest, diffID: r.diff_id, size: r.size, uncompressedSize: r.uncompressed_size, mediaType: r.media_type };
  }

  /** Every blob digest some image references. */
  referencedBlobs(): Set<string> {
    const s = new Set<string>();
    for (const r of this.db
      .prepare(
        `SELECT config_digest AS d FROM images UNION SELECT manifest_digest FROM image_manifests
      UNION SELECT ml.digest FROM manifest_layers ml JOIN image_manifests im ON im.manifest_digest = ml.manifest_digest
      UNION SELECT digest FROM image_blobs`,
      )
      .raw()
      .all() as [string][])
      s.add(r[0]);
    return s;
  }

  /** The diffIDs of every layer some image uses (the unpacked-layer cache keeps these). */
  referencedDiffIDs(): Set<string> {
    const s = new Set<string>();
    for (const r of this.db
      .prepare(`SELECT DISTINCT ml.diff_id FROM manifest_layers ml JOIN image_manifests im ON im.manifest_digest = ml.manifest_digest`)
      .raw()
      .all() as [string][])
      s.add(r[0]);
    return s;
  }

  /** Whether an image with this full ID is recorded. */
  hasImage(id: string): boolean {
    return this.db.prepare(`SELECT 1 FROM images WHERE id = ?`).get(id) !== undefined;
  }

  /** The blobs each image references (config, manifests, their layers, extra blobs), by image ID. */
  blobsByImage(): Map<string, Set<Digest>> {
    const out = new Map<string, Set<Digest>>();
    for (const [id, d] of this.db
      .prepare(
        `SELECT id, config_digest FROM images UNION ALL SELECT image_id, manifest_digest FROM image_manifests
      UNION ALL SELECT im.image_id, ml.digest FROM manifest_layers ml JOIN image_manifests im ON im.manifest_digest = ml.manifest_digest
      UNION ALL SELECT image_id, digest FROM image_blobs`,
      )
      .raw()
      .all() as [string, Digest][])
      (out.get(id) ?? out.set(id, new Set()).get(id)!).add(d);
    return out;
  }

  /**
   * Blobs protected by leases of live processes. `prune` (default): leases of dead processes
   * are dropped on the way (a write); without it the index is only read.
   */
  protectedBlobs(prune = true): Set<string> {
    const leases = this.db.prepare(`SELECT id, pid, owner FROM leases`).all() as { id: number; pid: number; owner: string | null }[];
    const s = new Set<string>();
    const alive = new Map<string, boolean>();
    for (const l of leases) {
      const owner = l.owner ?? String(l.pid); // leases of older berth versions carry only a PID
      let live = alive.get(owner);
      if (live === undefined) alive.set(owner, (live = isWriterAlive(this.root, owner)));
      if (!live) {
        if (prune) this.db.prepare(`DELETE FROM leases WHERE id = ?`).run(l.id);
        continue;
      }
      for (const r of this.db.prepare(`SELECT digest FROM lease_blobs WHERE lease_id = ?`).raw().all(l.id) as [string][]) s.add(r[0]);
    }
    return s;
  }

  private assemble(rows: RawImage[], onlyId?: string): ImageRow[] {
    if (rows.length === 0) return [];
    const counts = onlyId ? new Map([[onlyId, this.containersUsingImage(onlyId).length]]) : this.containerCounts();
    return rows.map((r) => ({
      containers: counts.get(r.id) ?? 0,
      id: r.id,
      configDigest: r.config_digest as Digest,
      configSize: r.config_size,
      manifestDigest: r.manifest_digest as Digest,
      manifestMediaType: r.manifest_media_type,
      digest: r.digest as Digest,
      created: r.created,
      added: r.added,
      size: r.size,
      architecture: r.architecture,
      os: r.os,
      labels: JSON.parse(r.labels) as Record<string, string>,
      readOnly: r.read_only !== 0,
      topLayer: r.top_layer,
      parentLayer: r.parent_layer,
      names: lines(r.names_list),
      digests: lines(r.digests_list) as Digest[],
      namesHistory: lines(r.history_list),
    }));
  }
}

// Every method of IndexDB reports SQLite failures as BerthErrors naming the index file.
for (const name of Object.getOwnPropertyNames(IndexDB.prototype)) {
  const desc = Object.getOwnPropertyDescriptor(IndexDB.prototype, name)!;
  if (name === 'constructor' || typeof desc.value !== 'function') continue;
  const method = desc.value as (...a: unknown[]) => unknown;
  Object.defineProperty(IndexDB.prototype, name, {
    ...desc,
    value: function (this: IndexDB, ...args: unknown[]) {
      try {
        return method.apply(this, args);
      } catch (e) {
        throw sqliteError(e, this.file, this.lockTimeoutMs);
      }
    },
  });
}

/**
 * An image with everything its ImageRow holds, in one statement: its names (oldest first), its
 * manifest digests and its names history (newest first), each a newline-separated list (no
 * reference or digest holds a newline; `seq` is unique, so the order is exact). One row per
 * image instead of one per name: listing 10,000 names reads 500 rows, not 20,000.
 */
const IMAGE_SELECT = `SELECT i.*, m.media_type AS manifest_media_type,
  (SELECT group_concat(name, char(10) ORDER BY seq) FROM names WHERE image_id = i.id) AS names_list,
  (SELECT group_concat(manifest_digest, char(10) ORDER BY seq DESC) FROM image_manifests WHERE image_id = i.id) AS digests_list,
  (SELECT group_concat(name, char(10) ORDER BY seq DESC) FROM names_history WHERE image_id = i.id) AS history_list
FROM images i JOIN manifests m ON m.digest = i.manifest_digest`;

/** The items of a newline-separated list from IMAGE_SELECT (none for NULL). */
function lines(list: string | null): string[] {
  return list === null ? [] : list.split('\n');
}

interface RawImage {
  names_list: string | null;
  digests_list: string | null;
  history_list: string | null;
  id: string;
  config_digest: string;
  config_size: number;
  manifest_digest: string;
  manifest_media_type: string;
  digest: string;
  created: string | null;
  added: string;
  size: number;
  architecture: string | null;
  os: string | null;
  labels: string;
  read_only: number;
  top_layer: string | null;
  parent_layer: string | null;
}

interface RawContainer {
  id: string;
  name: string;
  image_id: string;
  image_name: string;
  command: string;
  created: string;
  rootfs: string;
  mount_count: number;
  labels?: string;
}

function containerRow(r: RawContainer): ContainerRow {
  return {
    id: r.id,
    name: r.name,
    imageId: r.image_id,
    imageName: r.image_name,
    command: JSON.parse(r.command) as string[],
    created: r.created,
    rootfs: r.rootfs,
    mountCount: r.mount_count,
    labels: r.labels ? (JSON.parse(r.labels) as Record<string, string>) : {},
  };
}
