import {
  createReadStream,
  promises as fsp,
  existsSync,
  readdirSync,
  statSync,
  unlinkSync,
  mkdirSync,
  readFileSync,
  utimesSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, wrapError } from '../errors.js';
import { type Digest, digestAlgorithm, digestHex, digestOf, parseDigest } from '../digest/digest.js';
import { isWriterAlive } from './liveness.js';
import { storeFsError } from './store-errors.js';
import { flushingWriteStream } from './flushing-write.js';

/**
 * The digest verifier's module, loaded by the first write rather than when a store opens: its
 * classes extend node:stream's, which a command that only reads the index need not load.
 * Meanwhile `src` keeps any error it emits (a destroyed stream records it), and the pipeline
 * it then joins reports it.
 */
async function verifierModule(src: Readable): Promise<typeof import('../digest/verifier.js')> {
  const hold = () => {};
  src.on('error', hold);
  try {
    return await import('../digest/verifier.js');
  } finally {
    src.off('error', hold);
  }
}

/**
 * Content-addressed blob files under ROOT/blobs/<alg>/<hex>. A blob becomes visible under
 * its digest only after it was fully written to ROOT/tmp, fsync'd and verified; then it is
 * renamed into place (atomic on one filesystem). Blobs are immutable once visible.
 */
export class BlobStore {
  readonly dir: string;
  readonly tmpDir: string;

  /**
   * `owner` gives this process's writer id (see liveness.ts); temp names start with it so
   * other processes can tell whether the writer still runs.
   * `create: false` for a read-only view: nothing is created.
   */
  constructor(
    readonly root: string,
    private readonly owner: () => string = () => String(process.pid),
    opts: { create?: boolean } = {},
  ) {
    this.dir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
    if (opts.create === false) return;
    try {
      mkdirSync(join(this.dir, 'sha256'), { recursive: true });
      mkdirSync(this.tmpDir, { recursive: true });
    } catch (e) {
      throw storeFsError(e, this.dir, true, 'cannot create');
    }
  }

  path(d: Digest): string {
    return join(this.dir, digestAlgorithm(d), digestHex(d));
  }

  has(d: Digest): boolean {
    return existsSync(this.path(d));
  }

  size(d: Digest): number | undefined {
    try {
      return statSync(this.path(d)).size;
    } catch {
      return undefined;
    }
  }

  /** A fresh temp path whose name starts with our writer id, so stale ones can be recognized. */
  tempPath(suffix = ''): string {
    return join(this.tmpDir, `${this.owner()}-${randomBytes(8).toString('hex')}${suffix}`);
  }

  /**
   * Stream `src` into the store, verifying digest/size while writing. Returns the computed
   * digest and size. On any failure the temp file is removed and nothing becomes visible.
   */
  async write(
    src: Readable,
    expect: { digest?: Digest; size?: number; maxSize?: number; what: string },
    /** Called with the verified digest just before it becomes visible (lease protection). */
    beforeVisible?: (d: Digest) => void,
    /**
     * Write into this file instead of a fresh temp file (a partial download): the first
     * `start` bytes of `src` are already there and are not written again. On failure the
     * file is left for the caller.
     */
    into?: { path: string; start: number },
  ): Promise<{ digest: Digest; size: number; created: boolean }> {
    const { DigestVerifier } = await verifierModule(src);
    const tmp = into?.path ?? this.tempPath();
    // The copy engine hands us its own verifier: when it enforces exactly what we would,
    // hash once (it fails the stream on any mismatch before we see the end).
    const upstream =
      src instanceof DigestVerifier &&
      expect.digest !== undefined &&
      src.expectedDigest === expect.digest &&
      (expect.size === undefined || src.expectedSize === expect.size) &&
      expect.maxSize === undefined
        ? src
        : undefined;
    const verifier = upstream ?? new DigestVerifier(expect);
    const start = into?.start ?? 0;
    const out = flushingWriteStream(tmp, { flags: into ? 'r+' : 'wx', start, highWaterMark: 1 << 20 });
    try {
      if (start > 0 && upstream) await pipeline(src, skipBytes(start), out);
      else if (start > 0) await pipeline(src, verifier, skipBytes(start), out);
      else if (upstream) await pipeline(src, out);
      else await pipeline(src, verifier, out);
      await fsyncFile(tmp);
      const digest = verifier.digest;
      beforeVisible?.(digest);
      const final = this.path(digest);
      mkdirSync(join(this.dir, digestAlgorithm(digest)), { recursive: true });
      const created = !existsSync(final);
      // verified bytes always win: replacing an existing copy repairs it if it was damaged
      seal(tmp);
      await fsp.rename(tmp, final);
      return { digest, size: verifier.bytes, created };
    } catch (e) {
      // wait until the file is closed: a write still in flight must land before the caller looks at a
      // kept partial download, and a stream failed before its file was even opened still creates
      // the file (the open completes later), so unlinking earlier could leave a temp file behind
      if (!out.closed) await new Promise<void>((r) => out.destroy().once('close', () => r()));
      if (!into) await fsp.unlink(tmp).catch(() => {});
      throw isStoreFsError(e, [tmp]) ? storeFsError(e, tmp, true, 'writing') : wrapError(e, 'IO', `writing ${expect.what} to the store`);
    }
  }

  /** Store small in-memory content (manifests, configs). */
  async putBytes(data: Uint8Array, expected?: Digest): Promise<{ digest: Digest; created: boolean }> {
    const digest = digestOf(data, expected ? digestAlgorithm(expected) : 'sha256');
    if (expected && digest !== expected)
      throw new BerthError('DIGEST_MISMATCH', `content digest ${digest} does not match expected ${expected}`);
    const final = this.path(digest);
    const existed = existsSync(final);
    // small content: compare the stored copy and replace it when damaged
    if (existed && this.size(digest) === data.length && this.hashSync(digest) === digest) return { digest, created: false };
    const tmp = this.tempPath();
    try {
      const fh = await fsp.open(tmp, 'wx');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      mkdirSync(join(this.dir, digestAlgorithm(digest)), { recursive: true });
      seal(tmp);
      await fsp.rename(tmp, final);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw storeFsError(e, tmp, true, 'writing');
    }
    return { digest, created: !existed };
  }

  /**
   * Whether a stored blob may have changed since it was verified: every verified blob gets
   * a fixed mtime (`seal`), which any later write, truncation or copy without -p changes.
   * (Silent media damage keeps the mtime: `berth system check` hashes everything.)
   */
  inDoubt(d: Digest): boolean {
    try {
      return statSync(this.path(d)).mtimeMs !== SEALED_MTIME.getTime();
    } catch {
      return true;
    }
  }

  /** Hash a stored blob again; when it matches its digest, seal it (see `inDoubt`). */
  async verify(d: Digest, size?: number): Promise<boolean> {
    const actual = this.size(d);
    if (actual === undefined || (size !== undefined && actual !== size)) return false;
    const h = createHash(digestAlgorithm(d));
    try {
      await pipeline(
        this.open(d),
        new Writable({
          write(c: Buffer, _e, cb) {
            h.update(c);
            cb();
          },
        }),
      );
    } catch {
      return false;
    }
    const ok = `${digestAlgorithm(d)}:${h.digest('hex')}` === d;
    if (ok) seal(this.path(d));
    return ok;
  }

  /** The digest of a stored blob's current content, synchronously (for checks under the write lock); undefined when absent. */
  hashSync(d: Digest): string | undefined {
    let fd: number;
    try {
      fd = openSync(this.path(d), 'r');
    } catch {
      return undefined;
    }
    try {
      const h = createHash(digestAlgorithm(d));
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
      return `${digestAlgorithm(d)}:${h.digest('hex')}`;
    } finally {
      closeSync(fd);
    }
  }

  open(d: Digest, opts: { start?: number } = {}): Readable {
    return createReadStream(this.path(d), { highWaterMark: 1 << 20, start: opts.start });
  }

  readBytes(d: Digest, max: number): Buffer {
    const p = this.path(d);
    let size: number;
    try {
      size = statSync(p).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw storeFsError(e, p, false, 'cannot read');
      throw new BerthError('STORE_CORRUPT', `blob ${d} is missing from the store`, { hint: 'run "berth system check"', cause: e });
    }
    if (size > max) throw new BerthError('TOO_LARGE', `blob ${d} is ${size} bytes, over the ${max}-byte limit`);
    try {
      return readFileSync(p);
    } catch (e) {
      throw storeFsError(e, p, false, 'cannot read');
    }
  }

  /** Every digest present on disk. */
  list(): Digest[] {
    const out: Digest[] = [];
    for (const alg of safeReaddir(this.dir)) {
      for (const hex of safeReaddir(join(this.dir, alg))) {
        const s = `${alg}:${hex}`;
        try {
          out.push(parseDigest(s));
        } catch {
          /* foreign file: ignored, reported by check */
        }
      }
    }
    return out;
  }

  remove(d: Digest): void {
    try {
      unlinkSync(this.path(d));
    } catch (e) {
      // gone already, or a directory in a blob's place (foreign: `system check` reports it)
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EISDIR') throw storeFsError(e, this.path(d), true, 'cannot remove');
    }
  }

  /** Remove temp files left by processes that no longer run (crash, SIGKILL). */
  cleanStaleTemp(): number {
    let n = 0;
    const alive = new Map<string, boolean>();
    for (const name of safeReaddir(this.tmpDir)) {
      const owner = name.split('-')[0]!;
      let live = alive.get(owner);
      if (live === undefined) alive.set(owner, (live = isWriterAlive(this.root, owner)));
      if (live) continue;
      try {
        // directories too: a container root filesystem being prepared or removed
        rmSync(join(this.tmpDir, name), { recursive: true, force: true });
        n++;
      } catch {
        /* raced with another cleaner */
      }
    }
    return n;
  }
}

/** Drop the first `n` bytes of a stream (they are already on disk). */
function skipBytes(n: number): (src: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* (src) {
    let left = n;
    for await (const c of src) {
      if (left >= c.length) {
        left -= c.length;
        continue;
      }
      yield left > 0 ? c.subarray(left) : c;
      left = 0;
    }
  };
}

/** The mtime of a verified blob file (see `BlobStore.inDoubt`). */
const SEALED_MTIME = new Date(Date.UTC(2000, 0, 1));

function seal(path: string): void {
  try {
    utimesSync(path, SEALED_MTIME, SEALED_MTIME);
  } catch {
    /* the blob will just be re-verified when reused */
  }
}

/** A failure of the store's file system itself (rather than of the source being copied). */
function isStoreFsError(e: unknown, paths: string[]): boolean {
  const { code, path } = (e ?? {}) as { code?: unknown; path?: unknown };
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS') return true;
  return (code === 'EACCES' || code === 'EPERM') && typeof path === 'string' && paths.includes(path);
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

async function fsyncFile(p: string): Promise<void> {
  const fh = await fsp.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
