/**
 * Root file systems from stored images.
 *
 * API (library-internal; the CLI and the container records build on it):
 * - `unpackLayer(stream, dir, opts)` (unpack.ts) — one gzip/zstd/plain layer into a directory,
 *   safely (see TreeWriter), streaming.
 * - `ensureLayer(store, layer)` — the layer unpacked once into the store's cache
 *   (`ROOT/layers/<diffID hex>/`), shared by every image and container that uses it. It is
 *   unpacked into `ROOT/layers/tmp/<owner>-...`, its record written and stamped with the boot
 *   (durable.ts: no sync on the critical path; an entry of an earlier boot that was never
 *   synced is not trusted, and later commands sync and mark entries lazily), then renamed into
 *   place: a cache entry under its final name is complete, an interrupted unpack leaves only
 *   a work directory that is removed once its process is gone. The uncompressed
 *   content is checked against the diffID when the stored blob may have changed since it
 *   was verified.
 * - `prepareRootfs(store, image, targetDir, { writable })` — the image's root file system at
 *   `targetDir` (which must not exist): its cached layers applied in order. `writable: true`
 *   copies every file (a reflink where the file system can, else a plain copy), so the tree
 *   can be changed without touching the cache; `writable: false` hard-links files to the
 *   cache (fast, no data copied; the tree must then be treated as read-only).
 * - `buildRootfs(...)` — the same into a fresh work directory, for callers that rename it
 *   themselves under a lock (image mounts).
 * The store's `gc()` removes cached layers no image uses.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Digest } from '../digest/digest.js';
import { BerthError, isBerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow, LayerRecord } from '../store/index-db.js';
import { cleanStaleWork, layersDir, layerWorkDir } from '../store/rootfs-dirs.js';
import { storeFsError } from '../store/store-errors.js';
import { lookupRecord } from '../images/lookup.js';
import { log } from '../log.js';
import { TreeWriter, OPAQUE_WHITEOUT, WHITEOUT_PREFIX, type EntrySpec, type LayerMeta } from './tree-writer.js';
import { unpackLayer } from './unpack.js';
import { forEachLimit } from '../util/streams.js';
import { fsyncPath, settleTrees, stampOrSync } from './durable.js';
import { trustedStamp } from './boot-stamp.js';

export interface CachedLayer {
  diffID: Digest;
  /** The layer's files. */
  diff: string;
  meta: LayerMeta;
}

interface LayerFile {
  diffID: Digest;
  privileged: boolean;
  meta: LayerMeta;
  /** The boot the layer was unpacked in, when it was not synced before being published (boot-stamp.ts). */
  boot?: string;
}

const LAYER_RECORD = 'layer.json';

function readRecord(dir: string): LayerFile | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, LAYER_RECORD), 'utf8')) as LayerFile;
  } catch {
    return undefined;
  }
}

const hexOf = (d: Digest) => d.slice(d.indexOf(':') + 1);

function readCached(dir: string, diffID: Digest): CachedLayer | undefined {
  const rec = readRecord(dir);
  if (!rec || rec.diffID !== diffID || typeof rec.meta !== 'object' || !Array.isArray(rec.meta?.whiteouts)) return undefined;
  if (!trustedStamp(rec.boot, dir)) return undefined; // unpacked before a reboot and never synced: maybe short of data
  return { diffID, diff: join(dir, 'diff'), meta: rec.meta };
}

/** A fresh work directory in the store, removed by the store once this process is gone. */
function workDir(store: Store, tag: string): string {
  const base = layerWorkDir(store.root);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const dir = join(base, `${store.owner()}-${tag}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** The layer unpacked in the store's cache (unpacked now from its blob when missing). */
export async function ensureLayer(store: Store, layer: Pick<LayerRecord, 'digest' | 'diffID'>, signal?: AbortSignal): Promise<CachedLayer> {
  const final = join(layersDir(store.root), hexOf(layer.diffID));
  const have = readCached(final, layer.diffID);
  if (have) return have;
  if (!store.hasBlob(layer.digest))
    throw new BerthError('STORE_CORRUPT', `layer ${layer.digest} is missing from the store`, { hint: 'pull the image again' });
  const work = workDir(store, 'layer');
  try {
    const diff = join(work, 'diff');
    mkdirSync(diff, { mode: 0o755 });
    const started = Date.now();
    const r = await unpackLayer(store.openBlob(layer.digest), diff, {
      whiteouts: 'record',
      // a blob verified when stored and untouched since needs no second hash; one in doubt is checked
      diffID: store.blobInDoubt(layer.digest) ? layer.diffID : undefined,
      what: `layer ${layer.digest}`,
      signal,
    });
    log.debug(() => `unpacked layer ${layer.diffID} (${r.entries} entries, ${r.size} bytes) in ${Date.now() - started} ms`);
    // a power loss never leaves a trusted layer short of files: its record carries this boot (or it is synced first)
    const boot = stampOrSync(work);
    const rec: LayerFile = { diffID: layer.diffID, privileged: process.getuid?.() === 0, meta: r.meta, ...(boot && { boot }) };
    writeFileSync(join(work, LAYER_RECORD), JSON.stringify(rec));
    if (!boot) [join(work, LAYER_RECORD), work].forEach(fsyncPath);
    try {
      renameSync(work, final);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // another process finished it first, or a damaged entry is in the way
      const theirs = readCached(final, layer.diffID);
      if (theirs) return theirs;
      rmSync(final, { recursive: true, force: true });
      renameSync(work, final);
    }
    if (!boot) fsyncPath(layersDir(store.root));
    return { diffID: layer.diffID, diff: join(final, 'diff'), meta: r.meta };
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw storeFsError(e, final, true, 'cannot unpack the layer into');
  }
}

/** Sync and mark the cache entries written (unsynced) by earlier commands of this boot. */
function settleLayers(root: string): void {
  const dir = layersDir(root);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  settleTrees(
    names.filter((n) => n !== 'tmp').map((n) => join(dir, n)),
    LAYER_RECORD,
    (d) => {
      const rec = readRecord(d);
      return rec ? rec.boot : null;
    },
  );
}

export interface PrepareOptions {
  /** Copy files (a private, changeable tree) instead of hard-linking them to the cache. */
  writable?: boolean;
  signal?: AbortSignal;
}

function imageRow(store: Store, image: string | ImageRow): ImageRow {
  return typeof image === 'string' ? lookupRecord(store, image) : image;
}

/** Build the image's root file system in a fresh work directory of the store and return its path. */
export async function buildRootfs(store: Store, image: string | ImageRow, opts: PrepareOptions = {}): Promise<string> {
  const row = imageRow(store, image);
  cleanStaleWork(store.root);
  settleLayers(store.root);
  const layers = store.manifestLayers(row.manifestDigest);
  const cached: CachedLayer[] = new Array<CachedLayer>(layers.length);
  // layers unpack independently: two at a time keeps both cores busy (decompressing, writing)
  await forEachLimit(layers, 2, async (l, i) => {
    cached[i] = await ensureLayer(store, l, opts.signal);
  });
  const work = workDir(store, 'rootfs');
  try {
    const target = join(work, 'rootfs');
    mkdirSync(target, { mode: 0o755 });
    for (const c of cached) await applyCachedLayer(c, target, opts.writable ? 'copy' : 'link');
    return target;
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw storeFsError(e, work, true, 'cannot build the root file system in');
  }
}

/** The image's root file system at `targetDir` (which must not exist yet; its parent must). */
export async function prepareRootfs(store: Store, image: string | ImageRow, targetDir: string, opts: PrepareOptions = {}): Promise<string> {
  const built = await buildRootfs(store, image, opts);
  try {
    renameSync(built, targetDir);
  } catch (e) {
    rmSync(join(built, '..'), { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ENOTEMPTY')
      throw new BerthError('INVALID_ARGUMENT', `${targetDir} already exists`);
    throw isBerthError(e)
      ? e
      : new BerthError('IO', `cannot move the root file system to ${targetDir}: ${(e as Error).message}`, { cause: e });
  }
  rmSync(join(built, '..'), { recursive: true, force: true });
  return targetDir;
}

const NO_XATTRS = new Map<string, Buffer>();

function spec(name: string, kind: EntrySpec['kind'], st: Stats | undefined, owner?: [number, number, number], linkname = ''): EntrySpec {
  const rdev = st?.rdev ?? 0;
  return {
    name,
    kind,
    mode: owner ? owner[2] : st ? st.mode & 0o7777 : 0o755,
    uid: owner ? owner[0] : (st?.uid ?? 0),
    gid: owner ? owner[1] : (st?.gid ?? 0),
    mtime: st ? st.mtimeMs / 1000 : 0,
    linkname,
    devmajor: (rdev >> 8) & 0xfff,
    devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
    xattrs: NO_XATTRS,
  };
}

/**
 * Apply one cached layer on top of `target` with the same rules as unpacking its tar there:
 * opaque directories and whiteouts first (they only hide what lower layers left), then the
 * layer's files (copied or hard-linked), then hard links into lower layers.
 */
export async function applyCachedLayer(layer: CachedLayer, target: string, how: 'copy' | 'link'): Promise<void> {
  const { meta } = layer;
  const w = new TreeWriter(target, { whiteouts: 'apply', what: `layer ${layer.diffID}`, sharedInodes: how === 'link' });
  const join2 = (a: string, b: string) => (a === '' ? b : `${a}/${b}`);
  for (const d of meta.opaque) await w.add(spec(join2(d, OPAQUE_WHITEOUT), 'file', undefined));
  for (const p of meta.whiteouts) {
    const s = p.lastIndexOf('/');
    await w.add(spec(s < 0 ? `${WHITEOUT_PREFIX}${p}` : `${p.slice(0, s)}/${WHITEOUT_PREFIX}${p.slice(s + 1)}`, 'file', undefined));
  }
  const implicit = new Set(meta.implicitDirs);
  const inodes = new Map<number, string>();
  // the layer's own entry for its root directory ("./"), if it had one, applies to the root
  if (meta.hasRoot) await w.add(spec('', 'dir', lstatSync(layer.diff), meta.owners['']));
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === '' ? layer.diff : join(layer.diff, rel);
    for (const name of readdirSync(dir)) {
      const r = join2(rel, name);
      const abs = join(dir, name);
      const st = lstatSync(abs);
      const owner = meta.owners[r];
      const x = meta.xattrs[r];
      if (st.isDirectory()) {
        if (!implicit.has(r)) {
          await w.add(spec(r, 'dir', st, owner));
          if (x) w.queueXattrs(r, x);
        }
        await walk(r);
        continue;
      }
      if (st.isFile()) {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (first !== undefined) {
          await w.add(spec(r, 'hardlink', st, owner, first));
          continue;
        }
        if (st.nlink > 1) inodes.set(st.ino, r);
        await w.add(spec(r, 'file', st, owner), { copyFrom: abs, link: how === 'link' });
        if (x && how === 'copy') w.queueXattrs(r, x);
        continue;
      }
      const kind = st.isSymbolicLink()
        ? 'symlink'
        : st.isCharacterDevice()
          ? 'char'
          : st.isBlockDevice()
            ? 'block'
            : st.isFIFO()
              ? 'fifo'
              : 'other';
      if (kind === 'other') continue;
      await w.add(spec(r, kind, st, owner, kind === 'symlink' ? readlinkSync(abs) : ''));
      if (x && kind !== 'symlink') w.queueXattrs(r, x);
    }
  };
  await walk('');
  for (const l of meta.crossLinks) await w.add({ ...spec(l.path, 'hardlink', undefined), ...l.header, linkname: l.target });
  w.finish();
}
