import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../errors.js';
import { type Digest, digestOf } from '../digest/digest.js';
import { HashSink } from '../digest/verifier.js';
import { createDecompressor, sniffCompression } from '../compression/compression.js';
import { MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE, parseImageConfig, parseManifestDocument, type ImageManifest } from '../media/index.js';
import { chainIDs } from '../digest/chain.js';
import { BlobStore } from './blobs.js';
import { IndexDB, lockTimeoutMs, type LayerRecord, type NewImageRecord } from './index-db.js';
import { sqliteError } from './store-errors.js';
import { Journal, signaturesFromJournal, type JournalEntry, type JournalSignature } from './journal.js';
import { acquireOwner, releaseOwner } from './liveness.js';
import { CONTAINERS_DIR, readContainerFiles } from './container-files.js';

export interface RecoverReport {
  /** Images in the rebuilt index. */
  images: number;
  /** Names given back from the journal. */
  names: number;
  /**
   * Manifest lists (berth manifest) the journal gives back. A readable old index keeps its own
   * lists instead (it is the truth for them), so this is then what the journal holds.
   */
  lists: number;
  /** Signatures the journal gives back to images that came back (likewise, a readable index keeps its own). */
  signatures: number;
  /** Manifests found in blobs/ that could not become images, and why. */
  skipped: { digest: Digest; reason: string }[];
  /** Where the unreadable index was kept (relative to the store root), if there was one. */
  previousIndex?: string;
}

/** The tables recover rebuilds (leases, counters stay as they are). */
const IMAGE_TABLES = ['images', 'manifests', 'manifest_layers', 'image_manifests', 'image_blobs', 'names', 'names_history', 'containers'];

/**
 * Rebuild the image index from the blobs: every manifest blob whose config and layers are
 * present and intact becomes an image again, and the names journal gives the names back
 * (last state per name wins; removed names and removed images stay removed).
 *
 * Crash safety: the new index is built in ROOT/tmp (removed after a crash like any temp file).
 * A readable index is then replaced in one immediate transaction of its own; an unreadable
 * or missing one is set aside (hard link index.db.damaged-TIME) and the new file renamed over
 * it. Killed at any point, the store has the old index or the new one.
 *
 * Signatures and manifest lists (berth manifest) come back from the journal too, which
 * carries their whole state (they have no blobs).
 *
 * Records of partial downloads (the partials table) are not rebuilt: a readable index keeps
 * them (only the image tables are replaced); a new index has none, and the files they named
 * in ROOT/partials/ are then removed by the next gc as orphans (a pull fetches those blobs whole).
 * The blob info cache (blob_pairs, blob_locations) is a cache of hints, each confirmed before
 * use: a readable index keeps its rows, a new index starts without any (nothing is lost but
 * shortcuts of later pushes).
 */
export async function recoverStore(root: string): Promise<RecoverReport> {
  if (!existsSync(join(root, 'blobs')))
    throw new BerthError('IO', `${root} is not a berth store (no blobs/ directory)`, { hint: 'check --root' });
  const owner = acquireOwner(root);
  const blobs = new BlobStore(root, () => owner);
  // a recover killed earlier left its half-built index in tmp/: remove what dead writers left, as every writer does
  blobs.cleanStaleTemp();
  const tmp = blobs.tempPath('-index.db');
  try {
    const skipped: RecoverReport['skipped'] = [];
    const found = await findImages(blobs, skipped);
    const journal = new Journal(root).read();
    const built = buildIndex(root, tmp, blobs, found, journal);
    const previousIndex = installIndex(root, tmp);
    return { images: built.images, names: built.names, lists: built.lists, signatures: built.signatures, skipped, previousIndex };
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* installed or never written */
    }
    for (const sfx of ['-journal', '-wal', '-shm'])
      try {
        unlinkSync(tmp + sfx);
      } catch {
        /* none */
      }
    releaseOwner(root);
  }
}

interface FoundImage {
  manifestDigest: Digest;
  record: NewImageRecord;
}

/** Every intact manifest blob whose config and layers are intact, as an image record. */
async function findImages(blobs: BlobStore, skipped: RecoverReport['skipped']): Promise<FoundImage[]> {
  const manifests: { digest: Digest; mediaType: string; size: number; m: ImageManifest }[] = [];
  const indexes: { digest: Digest; mediaType: string; size: number; entries: Digest[] }[] = [];
  for (const d of blobs.list().sort()) {
    const size = blobs.size(d);
    if (size === undefined || size > MAX_MANIFEST_SIZE || !looksLikeJSON(blobs, d)) continue;
    const bytes = blobs.readBytes(d, MAX_MANIFEST_SIZE);
    if (digestOf(bytes) !== d) continue; // damaged: not trusted
    let doc;
    try {
      doc = parseManifestDocument(bytes, undefined, `blob ${d}`);
    } catch {
      continue;
    } // a config or other JSON
    if (doc.kind === 'manifest') manifests.push({ digest: d, mediaType: doc.mediaType, size, m: doc.manifest });
    else if (doc.kind === 'index')
      indexes.push({ digest: d, mediaType: doc.mediaType, size, entries: doc.index.manifests.map((x) => x.digest) });
  }
  const layerCache = new Map<Digest, LayerRecord | string>();
  const out: FoundImage[] = [];
  for (const man of manifests) {
    const why = await (async (): Promise<string | FoundImage> => {
      const cd = man.m.config;
      if (cd.size > MAX_CONFIG_SIZE) return `config ${cd.digest} is too large`;
      if (!(await blobs.verify(cd.digest, cd.size))) return `config ${cd.digest} is ${blobs.has(cd.digest) ? 'damaged' : 'missing'}`;
      let cfg;
      try {
        cfg = parseImageConfig(blobs.readBytes(cd.digest, MAX_CONFIG_SIZE), `config ${cd.digest}`);
      } catch {
        return `config ${cd.digest} is not an image config`;
      }
      const diffIDs = cfg.rootfs.diff_ids;
      if (diffIDs.length !== man.m.layers.length) return `the config lists ${diffIDs.length} layers, the manifest ${man.m.layers.length}`;
      const layers: LayerRecord[] = [];
      for (const [i, l] of man.m.layers.entries()) {
        let rec = layerCache.get(l.digest);
        if (rec === undefined) layerCache.set(l.digest, (rec = await layerRecord(blobs, l.digest, l.size, l.mediaType)));
        if (typeof rec === 'string') return rec;
        if (rec.diffID !== diffIDs[i]) return `layer ${l.digest} does not match the config's DiffID`;
        layers.push({ ...rec, mediaType: l.mediaType });
      }
      const idx = indexes.find((x) => x.entries.includes(man.digest));
      const chains = chainIDs(diffIDs as Digest[]);
      const raw = cfg as { created?: string; architecture?: string; os?: string; config?: { Labels?: Record<string, string> | null } };
      return {
        manifestDigest: man.digest,
        record: {
          id: cd.digest.slice(cd.digest.indexOf(':') + 1),
          configDigest: cd.digest,
          configSize: cd.size,
          created: raw.created,
          architecture: raw.architecture,
          os: raw.os,
          labels: raw.config?.Labels ?? {},
          manifest: { digest: man.digest, mediaType: man.mediaType, size: man.size, layers },
          index: idx && { digest: idx.digest, mediaType: idx.mediaType, size: idx.size },
          topLayer: chains[chains.length - 1],
          parentLayer: chains[chains.length - 2],
          names: [],
        },
      };
    })();
    if (typeof why === 'string') skipped.push({ digest: man.digest, reason: why });
    else out.push(why);
  }
  return out;
}

/** Verify a layer blob and learn its DiffID and uncompressed size; a string says what is wrong. */
async function layerRecord(blobs: BlobStore, d: Digest, size: number, mediaType: string): Promise<LayerRecord | string> {
  if (!(await blobs.verify(d, size))) return `layer ${d} is ${blobs.has(d) ? 'damaged' : 'missing'}`;
  const head = Buffer.alloc(6);
  const fd = openSync(blobs.path(d), 'r');
  try {
    readSync(fd, head, 0, 6, 0);
  } finally {
    closeSync(fd);
  }
  const alg = sniffCompression(head);
  if (alg === 'none') return { digest: d, diffID: d, size, uncompressedSize: size, mediaType };
  const sink = new HashSink();
  try {
    await pipeline(blobs.open(d), createDecompressor(alg), sink);
  } catch {
    return `layer ${d} does not decompress`;
  }
  return { digest: d, diffID: sink.digest, size, uncompressedSize: sink.bytes, mediaType };
}

function looksLikeJSON(blobs: BlobStore, d: Digest): boolean {
  const b = Buffer.alloc(1);
  const fd = openSync(blobs.path(d), 'r');
  try {
    readSync(fd, b, 0, 1, 0);
  } finally {
    closeSync(fd);
  }
  return b[0] === 0x7b; // "{"
}

/**
 * Write the new index into `file`: images in the order the journal first recorded them (then
 * the rest), the journal's primary manifest for each, then the names replayed in order.
 */
function buildIndex(
  root: string,
  file: string,
  blobs: BlobStore,
  found: FoundImage[],
  journal: (JournalEntry & { tx: string })[],
): { images: number; names: number; lists: number; signatures: number } {
  const removed = new Map<string, boolean>();
  const primary = new Map<string, string>();
  const order = new Map<string, number>();
  for (const e of journal) {
    if (e.op === 'image') {
      removed.set(e.id, false);
      primary.set(e.id, e.manifest);
      if (!order.has(e.id)) order.set(e.id, order.size);
    } else if (e.op === 'rmi') removed.set(e.id, true);
  }
  const byId = new Map<string, FoundImage[]>();
  for (const f of found) {
    if (removed.get(f.record.id)) continue; // removed on purpose (its blobs were not collected yet)
    (byId.get(f.record.id) ?? byId.set(f.record.id, []).get(f.record.id)!).push(f);
  }
  const ids = [...byId.keys()].sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || a.localeCompare(b));
  const idx = new IndexDB(root, { file });
  try {
    let names = 0;
    let lists = 0;
    let signatures = 0;
    idx.transaction(() => {
      for (const id of ids) {
        const all = byId.get(id)!;
        // the primary manifest last, so that it ends up the image's current one
        const want = primary.get(id);
        all.sort((a, b) => Number(a.manifestDigest === want) - Number(b.manifestDigest === want));
        for (const f of all) idx.recordImage(f.record, (d) => blobs.has(d));
      }
      // replay names: consecutive entries of one transaction for one image go together
      for (let i = 0; i < journal.length;) {
        const e = journal[i]!;
        if (e.op !== 'name' && e.op !== 'untag') {
          if (e.op === 'rmi') idx.dropNames(e.id);
          i++;
          continue;
        }
        const group: string[] = [];
        let j = i;
        for (; j < journal.length; j++) {
          const g = journal[j]!;
          if (g.op !== e.op || g.tx !== e.tx || (g as { id: string }).id !== e.id) break;
          group.push((g as { name: string }).name);
        }
        i = j;
        if (!byId.has(e.id)) continue;
        if (e.op === 'name') idx.addNames(e.id, group);
        else idx.removeNames(e.id, group);
      }
      names = idx.nameCount();
      signatures = replaySignatures(idx, journal, byId);
      lists = replayLists(idx, journal);
      // Containers come back from their container.json files (mount counts start at 0).
      // A container whose image did not come back is dropped: its record cannot exist without
      // the image; its directory is removed by the next gc.
      const files = readContainerFiles(join(root, CONTAINERS_DIR)).sort((a, b) => a.created.localeCompare(b.created));
      for (const c of files) {
        if (!byId.has(c.imageId)) continue;
        idx.insertContainer({ ...c, rootfs: join(CONTAINERS_DIR, c.id, 'rootfs') });
      }
    });
    idx.db.pragma('journal_mode = DELETE'); // one self-contained file to install
    return { images: ids.length, names, lists, signatures };
  } finally {
    idx.close();
  }
}

/**
 * Give each image that came back the signatures the journal last recorded for each of its
 * manifests (an image removed loses them; pulled again, it has those recorded since).
 * Returns how many signatures were restored.
 */
function replaySignatures(idx: IndexDB, journal: readonly JournalEntry[], images: ReadonlyMap<string, unknown>): number {
  const last = new Map<string, Map<string, JournalSignature[]>>();
  for (const e of journal) {
    if (e.op === 'rmi') last.delete(e.id);
    else if (e.op === 'sigs') (last.get(e.id) ?? last.set(e.id, new Map()).get(e.id)!).set(e.manifest, e.sigs);
  }
  let n = 0;
  for (const [id, byManifest] of last) {
    if (!images.has(id)) continue;
    for (const [manifest, sigs] of byManifest) {
      if (sigs.length === 0) continue;
      idx.setSignatures(id, manifest as Digest, signaturesFromJournal(sigs));
      n += sigs.length;
    }
  }
  return n;
}

/**
 * Rebuild the manifest lists (berth manifest) from the journal: each list's last document and
 * sources, its names replayed in order; removed lists stay removed. A name an image holds in
 * the rebuilt index stays the image's (names are unique among images and lists).
 */
function replayLists(idx: IndexDB, journal: readonly JournalEntry[]): number {
  const lists = new Map<string, { created: string; document: string; sources: string }>();
  const owner = new Map<string, string>(); // list name -> list id, in the order names were given
  for (const e of journal) {
    if (e.op === 'list') lists.set(e.id, { created: e.created, document: e.document, sources: e.sources });
    else if (e.op === 'list-rm') {
      lists.delete(e.id);
      for (const [name, id] of owner) if (id === e.id) owner.delete(name);
    } else if (e.op === 'list-name') {
      owner.delete(e.name); // a name given again moves to the end, as its row would
      owner.set(e.name, e.id);
    } else if (e.op === 'list-untag' && owner.get(e.name) === e.id) owner.delete(e.name);
  }
  for (const [id, l] of lists) {
    const names = [...owner].filter(([name, lid]) => lid === id && idx.imageIdForName(name) === undefined).map(([name]) => name);
    idx.createList({ id, ...l, names });
  }
  return lists.size;
}

/** Put the index built in `file` in place; returns where an unreadable old index was kept. */
function installIndex(root: string, file: string): string | undefined {
  const target = join(root, 'index.db');
  fsyncPath(file);
  if (readableIndex(target)) {
    // another writer holding the index is waited for as every writer waits (BERTH_LOCK_TIMEOUT),
    // then reported as the store's error (STORE_LOCKED, STORE_FULL, ...), never SQLite's own
    const waitMs = lockTimeoutMs();
    const db = openDatabase(target, { timeout: waitMs });
    try {
      db.pragma(`busy_timeout = ${waitMs}`);
      db.pragma('foreign_keys = OFF');
      db.prepare('ATTACH DATABASE ? AS r').run(file);
      db.transaction(() => {
        // an index of an older schema has no containers table yet: it gets one when next opened
        const present = (t: string) => !!db.prepare(`SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?`).get(t);
        const tables = IMAGE_TABLES.filter(present);
        for (const t of [...tables].reverse()) db.exec(`DELETE FROM main.${t}`);
        for (const t of tables) db.exec(`INSERT INTO main.${t} SELECT * FROM r.${t}`);
        // A readable index keeps its own signatures (those of images that came back) and its
        // manifest lists; an unreadable one gets them from the journal (buildIndex).
        if (present('signatures')) db.exec(`DELETE FROM main.signatures WHERE image_id NOT IN (SELECT id FROM main.images)`);
        db.exec(`UPDATE main.counters SET value = max(value, (SELECT value FROM r.counters WHERE name = 'seq')) WHERE name = 'seq'`);
      }).immediate();
      db.exec('DETACH DATABASE r');
    } catch (e) {
      throw sqliteError(e, target, waitMs);
    } finally {
      db.close();
    }
    return undefined;
  }
  let kept: string | undefined;
  if (existsSync(target) && statSync(target).size > 0) {
    kept = `index.db.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    linkSync(target, join(root, kept));
  }
  // a WAL left beside a missing or unreadable index must not be applied to the new one
  for (const sfx of ['-wal', '-shm']) {
    if (existsSync(target + sfx)) renameSync(target + sfx, join(root, `${kept ?? 'index.db.orphan'}${sfx}`));
  }
  renameSync(file, target);
  fsyncPath(root);
  return kept;
}

/** Whether `file` is an intact berth index (opens, has the schema, passes quick_check). */
function readableIndex(file: string): boolean {
  if (!existsSync(file) || statSync(file).size === 0) return false;
  let db: Database.Database | undefined;
  try {
    db = openDatabase(file, { fileMustExist: true, timeout: lockTimeoutMs() });
    if (((db.pragma('user_version', { simple: true }) as number) || 0) < 1) return false;
    if (db.pragma('quick_check', { simple: true }) !== 'ok') return false;
    return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'images'`).get();
  } catch {
    return false;
  } finally {
    try {
      db?.close();
    } catch {
      /* ignore */
    }
  }
}

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
