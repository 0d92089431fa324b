import { mkdirSync, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { type Digest, digestAlgorithm, parseDigest } from '../digest/digest.js';
import { BlobStore } from './blobs.js';
import { IndexDB } from './index-db.js';

export interface StoreOptions {
  /** Store directory; default: $BERTH_ROOT, else /var/lib/berth for root, else $XDG_DATA_HOME/berth. */
  root?: string;
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
  constructor(private readonly store: Store, readonly id: number) {}

  protect(d: Digest): void { this.store.index.protectBlob(this.id, d); }
  /** Remember that this lease wrote `d` (so abort can take it back). */
  wrote(d: Digest): void { this.created.add(d); }

  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.store.index.closeLease(this.id);
  }

  /** Undo: drop the lease and remove blobs it created that no image or other lease uses. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    const idx = this.store.index;
    idx.db.transaction(() => {
      idx.closeLease(this.id);
      if (this.created.size === 0) return;
      const referenced = idx.referencedBlobs();
      const protectedSet = idx.protectedBlobs();
      for (const d of this.created) if (!referenced.has(d) && !protectedSet.has(d)) this.store.blobs.remove(d);
    }).immediate();
  }
}

export interface CheckProblem { kind: 'missing-blob' | 'corrupt-blob' | 'missing-manifest' | 'foreign-file'; image?: string; digest?: string; message: string }
export interface CheckReport { images: number; blobs: number; problems: CheckProblem[]; unreferencedBlobs: number; staleTemp: number }

export class Store {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly index: IndexDB;

  private constructor(root: string) {
    this.root = root;
    try {
      mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new BerthError('IO', `cannot create store directory ${root}: ${(e as Error).message}`, { hint: 'choose another with --root or BERTH_ROOT' });
    }
    this.blobs = new BlobStore(root);
    this.index = new IndexDB(root);
  }

  static open(opts: StoreOptions = {}): Store {
    const s = new Store(opts.root ?? defaultStoreRoot());
    s.blobs.cleanStaleTemp();
    return s;
  }

  close(): void { this.index.close(); }

  lease(): Lease { return new Lease(this, this.index.openLease()); }

  /**
   * Remove blobs that no image references and no live writer protects. Runs inside one
   * immediate transaction, so writers announcing blobs wait for it (and vice versa).
   */
  gc(): { removed: number; bytes: number } {
    let removed = 0;
    let bytes = 0;
    this.index.db.transaction(() => {
      const keep = this.index.referencedBlobs();
      for (const d of this.index.protectedBlobs()) keep.add(d);
      for (const d of this.blobs.list()) {
        if (keep.has(d)) continue;
        bytes += this.blobs.size(d) ?? 0;
        this.blobs.remove(d);
        removed++;
      }
    }).immediate();
    return { removed, bytes };
  }

  /** Verify the index against the blobs. `quick` checks presence and sizes, not hashes. */
  async check(opts: { quick?: boolean } = {}): Promise<CheckReport> {
    const problems: CheckProblem[] = [];
    const images = this.index.listImages();
    const verified = new Map<string, boolean>();
    const verifyBlob = async (d: Digest, size: number | undefined, image: string, role: string) => {
      const key = d;
      if (verified.has(key)) { if (!verified.get(key)) problems.push({ kind: 'corrupt-blob', image, digest: d, message: `image ${image.slice(0, 12)}: ${role} ${d} is damaged` }); return; }
      const actual = this.blobs.size(d);
      if (actual === undefined) {
        verified.set(key, false);
        problems.push({ kind: 'missing-blob', image, digest: d, message: `image ${image.slice(0, 12)}: ${role} ${d} is missing` });
        return;
      }
      let ok = size === undefined || actual === size;
      if (ok && !opts.quick) ok = (await hashFile(this.blobs, d)) === d;
      verified.set(key, ok);
      if (!ok) problems.push({ kind: 'corrupt-blob', image, digest: d, message: `image ${image.slice(0, 12)}: ${role} ${d} is damaged (content does not match its digest)` });
    };
    for (const img of images) {
      await verifyBlob(img.configDigest, img.configSize, img.id, 'config');
      for (const md of img.digests) {
        const info = this.index.manifestInfo(md);
        if (!info) { problems.push({ kind: 'missing-manifest', image: img.id, digest: md, message: `image ${img.id.slice(0, 12)}: manifest record ${md} is missing` }); continue; }
        await verifyBlob(md, info.size, img.id, 'manifest');
        for (const l of this.index.manifestLayers(md)) await verifyBlob(l.digest, l.size, img.id, 'layer');
      }
    }
    const referenced = this.index.referencedBlobs();
    const onDisk = this.blobs.list();
    const unreferencedBlobs = onDisk.filter((d) => !referenced.has(d)).length;
    for (const alg of safeReaddir(this.blobs.dir)) {
      for (const name of safeReaddir(join(this.blobs.dir, alg))) {
        try { parseDigest(`${alg}:${name}`); } catch { problems.push({ kind: 'foreign-file', message: `unexpected file blobs/${alg}/${name}` }); }
      }
    }
    return { images: images.length, blobs: onDisk.length, problems, unreferencedBlobs, staleTemp: safeReaddir(this.blobs.tmpDir).length };
  }
}

function safeReaddir(d: string): string[] {
  try { return existsSync(d) ? readdirSync(d) : []; } catch { return []; }
}

async function hashFile(blobs: BlobStore, d: Digest): Promise<string> {
  const h = createHash(digestAlgorithm(d));
  await pipeline(blobs.open(d), new Writable({ write(c, _e, cb) { h.update(c); cb(); } }));
  return `${digestAlgorithm(d)}:${h.digest('hex')}`;
}
