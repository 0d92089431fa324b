/**
 * Partial blobs: the bytes of a blob download that stopped (Ctrl-C, SIGTERM, kill -9, lost
 * connection, timeout), kept in ROOT/partials/<alg>/<hex> so that the next transfer of the
 * same blob — for any image, from any source — fetches only the rest.
 *
 * The index records each partial (expected size, source, age, the writer holding it). The
 * file itself says how many bytes are present, so a writer killed without warning leaves a
 * usable partial. When a transfer stops in an orderly way (an error, SIGINT/SIGTERM/SIGHUP)
 * the digest of exactly the bytes present is recorded as a checkpoint; a later writer hashes
 * that prefix again and discards the partial when it differs (damaged or tampered with).
 * Bytes beyond a checkpoint, and partials without one, are trusted to nothing: the digest of
 * the whole blob decides, and a mismatch discards the partial.
 *
 * A partial is held by one live writer at a time (its owner id, liveness.ts); gc removes only
 * partials no live writer holds, older than a TTL unless asked to remove them all.
 */
import { closeSync, createReadStream, mkdirSync, openSync, readSync, readdirSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { isBerthError } from '../errors.js';
import { type Digest, digestAlgorithm, digestHex, parseDigest } from '../digest/digest.js';
import { onInterrupt } from '../util/interrupt.js';
import type { IndexDB, PartialRecord } from './index-db.js';
import { isWriterAlive } from './liveness.js';

export const PARTIALS_DIR = 'partials';
/** Partials untouched for longer than this are removed by gc (`system gc --partials-ttl`). */
export const DEFAULT_PARTIAL_TTL_MS = 24 * 3600_000;

/** A partial this process holds: write into it (`Partials.write`), then finish, keep or discard it. */
export interface HeldPartial {
  readonly digest: Digest;
  readonly size: number;
  readonly path: string;
  /** Bytes present when it was taken over (after checking its checkpoint). */
  readonly offset: number;
}

/** A partial as `system df` and gc see it. */
export interface PartialInfo extends PartialRecord {
  /** Bytes present on disk now. */
  bytes: number;
  /** Whether a live writer holds it. */
  active: boolean;
}

interface Active {
  held: HeldPartial;
  forget: () => void;
}

/** Partials of one store. `owner()` is this process's writer id there. */
export class Partials {
  readonly dir: string;
  /** Blobs this process is transferring into a partial (a digest listed twice in one manifest, parallel pulls). */
  private readonly active = new Map<Digest, Active>();

  constructor(
    private readonly root: string,
    private readonly index: IndexDB,
    private readonly owner: () => string,
  ) {
    this.dir = join(root, PARTIALS_DIR);
  }

  path(d: Digest): string {
    return join(this.dir, digestAlgorithm(d), digestHex(d));
  }

  /**
   * Take over the partial of `digest` (creating an empty one) for a transfer from `source`.
   * Undefined when another live writer (or this process) is transferring it: the caller
   * downloads without resuming. A partial whose checkpoint no longer verifies, or that is
   * longer than the blob, is emptied first.
   */
  async hold(digest: Digest, size: number, source: string): Promise<HeldPartial | undefined> {
    if (this.active.has(digest)) return undefined;
    const owner = this.owner();
    const rec = this.index.claimPartial({ digest, size, source }, owner);
    if (!rec) return undefined;
    const path = this.path(digest);
    const held: HeldPartial = { digest, size, path, offset: 0 };
    this.active.set(digest, { held, forget: onInterrupt(() => this.checkpointSync(held)) });
    try {
      mkdirSync(join(this.dir, digestAlgorithm(digest)), { recursive: true });
      let present = fileSize(path) ?? 0;
      if (present > size) present = 0;
      else if (rec.checkpointDigest) {
        const ok = present >= rec.checkpointBytes && (await hashPrefix(path, rec.checkpointBytes, digest)) === rec.checkpointDigest;
        if (!ok) present = 0;
      }
      truncateOrCreate(path, present);
      return { ...held, offset: present };
    } catch (e) {
      this.release(held, false);
      throw e;
    }
  }

  /** The first `bytes` bytes of a held partial. */
  openPrefix(h: HeldPartial, bytes: number): Readable {
    return createReadStream(h.path, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 });
  }

  /** Empty a held partial (the source ignored the range, or its bytes were wrong). */
  empty(h: HeldPartial): void {
    truncateOrCreate(h.path, 0);
  }

  /**
   * The transfer stopped. `keep`: record a checkpoint and let the next transfer resume
   * (nothing worth keeping: removed); otherwise remove the partial. Never throws.
   */
  release(h: HeldPartial, keep: boolean): void {
    const a = this.active.get(h.digest);
    if (!a || a.held.path !== h.path) return;
    this.active.delete(h.digest);
    a.forget();
    try {
      if (keep && (fileSize(h.path) ?? 0) > 0) this.checkpointSync(h);
      else this.remove(h.digest, this.owner());
    } catch {
      /* the record stays held by a writer that is gone: the next one takes it over */
    }
  }

  /** The blob was completed and moved into the store: forget the record. */
  completed(h: HeldPartial): void {
    const a = this.active.get(h.digest);
    if (a?.held.path === h.path) {
      this.active.delete(h.digest);
      a.forget();
    }
    this.index.dropPartial(h.digest);
  }

  /** Whether a failed transfer's bytes are worth keeping (not when they proved wrong). */
  static keepAfter(e: unknown): boolean {
    return !(isBerthError(e, 'DIGEST_MISMATCH') || isBerthError(e, 'SIZE_MISMATCH') || isBerthError(e, 'INVALID_ARCHIVE'));
  }

  /** Hash what is present and record it (synchronous: it also runs from a signal handler). */
  private checkpointSync(h: HeldPartial): void {
    const { bytes, digest } = hashFileSync(h.path, digestAlgorithm(h.digest));
    this.index.checkpointPartial(h.digest, bytes, bytes > 0 ? digest : null, this.owner());
  }

  private remove(d: Digest, owner?: string): void {
    removeFile(this.path(d));
    this.index.dropPartial(d, owner);
  }

  /** Every partial, with the bytes on disk and whether a live writer holds it. */
  list(): PartialInfo[] {
    const alive = new Map<string, boolean>();
    const live = (o: string | null) => {
      if (!o) return false;
      let v = alive.get(o);
      if (v === undefined) alive.set(o, (v = isWriterAlive(this.root, o)));
      return v;
    };
    return this.index.listPartials().map((r) => ({ ...r, bytes: fileSize(this.path(r.digest)) ?? 0, active: live(r.owner) }));
  }

  /**
   * Remove partials no live writer holds that were last touched more than `ttlMs` ago (all
   * of them with `all`), and files in partials/ that no record names. Call inside the gc
   * transaction, so no writer takes one over meanwhile. Returns what was removed.
   */
  collect(opts: { ttlMs?: number; all?: boolean } = {}): { removed: number; bytes: number } {
    const ttl = opts.ttlMs ?? DEFAULT_PARTIAL_TTL_MS;
    const now = Date.now();
    let removed = 0;
    let bytes = 0;
    const known = new Set<string>();
    for (const p of this.list()) {
      known.add(this.path(p.digest));
      if (p.active) continue;
      const touched = Math.max(Date.parse(p.updated) || 0, fileMtime(this.path(p.digest)));
      if (!opts.all && now - touched <= ttl) continue;
      bytes += p.bytes;
      this.remove(p.digest);
      removed++;
    }
    for (const alg of safeReaddir(this.dir)) {
      for (const hex of safeReaddir(join(this.dir, alg))) {
        const file = join(this.dir, alg, hex);
        let d: Digest | undefined;
        try {
          d = parseDigest(`${alg}:${hex}`);
        } catch {
          /* not ours: left alone */
        }
        if (!d || known.has(file) || this.active.has(d)) continue;
        bytes += fileSize(file) ?? 0;
        removeFile(file);
        removed++;
      }
    }
    return { removed, bytes };
  }
}

function fileSize(p: string): number | undefined {
  try {
    return statSync(p).size;
  } catch {
    return undefined;
  }
}

function fileMtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function truncateOrCreate(p: string, size: number): void {
  try {
    truncateSync(p, size);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    closeSync(openSync(p, 'w'));
  }
}

function removeFile(p: string): void {
  try {
    unlinkSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

async function hashPrefix(path: string, bytes: number, d: Digest): Promise<Digest> {
  const h = createHash(digestAlgorithm(d));
  if (bytes > 0)
    await pipeline(
      createReadStream(path, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }),
      new Writable({
        write(c: Buffer, _e, cb) {
          h.update(c);
          cb();
        },
      }),
    );
  return `${digestAlgorithm(d)}:${h.digest('hex')}` as Digest;
}

function hashFileSync(path: string, alg: string): { bytes: number; digest: Digest } {
  const h = createHash(alg);
  let bytes = 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { bytes: 0, digest: `${alg}:${h.digest('hex')}` as Digest };
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; bytes += n) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { bytes, digest: `${alg}:${h.digest('hex')}` as Digest };
}
