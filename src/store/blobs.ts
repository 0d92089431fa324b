import { createReadStream, createWriteStream, promises as fsp, existsSync, readdirSync, statSync, unlinkSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, wrapError } from '../errors.js';
import { type Digest, digestAlgorithm, digestHex, digestOf, parseDigest } from '../digest/digest.js';
import { DigestVerifier } from '../digest/verifier.js';
import { isWriterAlive } from './liveness.js';

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
   */
  constructor(readonly root: string, private readonly owner: () => string = () => String(process.pid)) {
    this.dir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(join(this.dir, 'sha256'), { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  path(d: Digest): string {
    return join(this.dir, digestAlgorithm(d), digestHex(d));
  }

  has(d: Digest): boolean {
    return existsSync(this.path(d));
  }

  size(d: Digest): number | undefined {
    try { return statSync(this.path(d)).size; } catch { return undefined; }
  }

  /** A fresh temp path whose name starts with our writer id, so stale ones can be recognized. */
  tempPath(suffix = ''): string {
    return join(this.tmpDir, `${this.owner()}-${randomBytes(8).toString('hex')}${suffix}`);
  }

  /**
   * Stream `src` into the store, verifying digest/size while writing. Returns the computed
   * digest and size. On any failure the temp file is removed and nothing becomes visible.
   */
  async write(src: Readable, expect: { digest?: Digest; size?: number; maxSize?: number; what: string },
    /** Called with the verified digest just before it becomes visible (lease protection). */
    beforeVisible?: (d: Digest) => void): Promise<{ digest: Digest; size: number; created: boolean }> {
    const tmp = this.tempPath();
    // The copy engine hands us its own verifier: when it enforces exactly what we would,
    // hash once (it fails the stream on any mismatch before we see the end).
    const upstream = src instanceof DigestVerifier && expect.digest !== undefined && src.expectedDigest === expect.digest
      && (expect.size === undefined || src.expectedSize === expect.size) && expect.maxSize === undefined ? src : undefined;
    const verifier = upstream ?? new DigestVerifier(expect);
    const out = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 });
    try {
      if (upstream) await pipeline(src, out);
      else await pipeline(src, verifier, out);
      await fsyncFile(tmp);
      const digest = verifier.digest;
      beforeVisible?.(digest);
      const final = this.path(digest);
      mkdirSync(join(this.dir, digestAlgorithm(digest)), { recursive: true });
      const created = !existsSync(final);
      if (created) await fsp.rename(tmp, final);
      else await fsp.unlink(tmp);
      return { digest, size: verifier.bytes, created };
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw wrapError(e, 'IO', `writing ${expect.what} to the store`);
    }
  }

  /** Store small in-memory content (manifests, configs). */
  async putBytes(data: Uint8Array, expected?: Digest): Promise<{ digest: Digest; created: boolean }> {
    const digest = digestOf(data, expected ? digestAlgorithm(expected) : 'sha256');
    if (expected && digest !== expected) throw new BerthError('DIGEST_MISMATCH', `content digest ${digest} does not match expected ${expected}`);
    const final = this.path(digest);
    if (existsSync(final)) return { digest, created: false };
    const tmp = this.tempPath();
    const fh = await fsp.open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    mkdirSync(join(this.dir, digestAlgorithm(digest)), { recursive: true });
    await fsp.rename(tmp, final);
    return { digest, created: true };
  }

  open(d: Digest, opts: { start?: number } = {}): Readable {
    return createReadStream(this.path(d), { highWaterMark: 1 << 20, start: opts.start });
  }

  readBytes(d: Digest, max: number): Buffer {
    const p = this.path(d);
    let size: number;
    try { size = statSync(p).size; } catch (e) {
      throw new BerthError('STORE_CORRUPT', `blob ${d} is missing from the store`, { hint: 'run "berth system check"', cause: e });
    }
    if (size > max) throw new BerthError('TOO_LARGE', `blob ${d} is ${size} bytes, over the ${max}-byte limit`);
    return readFileSync(p);
  }

  /** Every digest present on disk. */
  list(): Digest[] {
    const out: Digest[] = [];
    for (const alg of safeReaddir(this.dir)) {
      for (const hex of safeReaddir(join(this.dir, alg))) {
        const s = `${alg}:${hex}`;
        try { out.push(parseDigest(s)); } catch { /* foreign file: ignored, reported by check */ }
      }
    }
    return out;
  }

  remove(d: Digest): void {
    try { unlinkSync(this.path(d)); } catch { /* already gone */ }
  }

  /** Remove temp files left by processes that no longer run (crash, SIGKILL). */
  cleanStaleTemp(): number {
    let n = 0;
    const alive = new Map<string, boolean>();
    for (const name of safeReaddir(this.tmpDir)) {
      const owner = name.split('-')[0]!;
      let live = alive.get(owner);
      if (live === undefined) alive.set(owner, live = isWriterAlive(this.root, owner));
      if (live) continue;
      try { unlinkSync(join(this.tmpDir, name)); n++; } catch { /* raced with another cleaner */ }
    }
    return n;
  }
}

function safeReaddir(d: string): string[] {
  try { return readdirSync(d); } catch { return []; }
}

async function fsyncFile(p: string): Promise<void> {
  const fh = await fsp.open(p, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}
