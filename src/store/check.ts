import { lstatSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Digest, parseDigest } from '../digest/digest.js';
import type { BlobStore } from './blobs.js';
import type { IndexDB, ImageRow } from './index-db.js';
import { Journal, journalSignatures } from './journal.js';

export interface CheckProblem {
  kind: 'missing-blob' | 'corrupt-blob' | 'missing-manifest' | 'foreign-file' | 'missing-rootfs' | 'unjournaled';
  image?: string;
  /** For unjournaled: the manifest list the names journal does not carry as the index has it. */
  list?: string;
  /** For missing-rootfs: the container whose root filesystem directory is gone. */
  container?: string;
  digest?: string;
  /** For foreign files: the path relative to the store root. */
  path?: string;
  message: string;
}
export interface CheckReport {
  images: number;
  blobs: number;
  problems: CheckProblem[];
  unreferencedBlobs: number;
  staleTemp: number;
}

export interface RepairReport {
  /** Images that were still damaged under the write lock, and were removed. */
  removedImages: string[];
  /** Images reported damaged that were healthy (or gone) when re-verified: left alone. */
  keptImages: string[];
  /** Foreign files moved aside: [from, to], relative to the store root. */
  quarantined: [string, string][];
  /** Blobs removed afterwards (no longer referenced). */
  removedBlobs: number;
  /** Problems left after the repair (the store is clean when empty). */
  remaining: CheckProblem[];
}

/** Where `repair` moves files that do not belong in blobs/ (never deleted: they may be someone's). */
export const QUARANTINE_DIR = 'quarantine';

interface Parts {
  root: string;
  blobs: BlobStore;
  index: IndexDB;
}

/**
 * Verify every image's config, manifests and layers (presence, size and, unless `quick`,
 * digest) and report files in blobs/ that are not blobs.
 */
export async function checkStore(s: Parts, opts: { quick?: boolean } = {}): Promise<CheckReport> {
  const problems: CheckProblem[] = [];
  const images = s.index.listImages();
  const verified = new Map<string, Promise<boolean>>();
  const check = (d: Digest, size: number) => {
    let p = verified.get(d);
    if (!p) verified.set(d, (p = opts.quick ? Promise.resolve(s.blobs.size(d) === size) : s.blobs.verify(d, size)));
    return p;
  };
  for (const img of images) {
    for (const b of imageBlobs(s.index, img)) {
      if (b.size === undefined) {
        problems.push({
          kind: 'missing-manifest',
          image: img.id,
          digest: b.digest,
          message: `image ${img.id.slice(0, 12)}: manifest record ${b.digest} is missing`,
        });
        continue;
      }
      if (await check(b.digest, b.size)) continue;
      problems.push(
        s.blobs.has(b.digest)
          ? {
              kind: 'corrupt-blob',
              image: img.id,
              digest: b.digest,
              message: `image ${img.id.slice(0, 12)}: ${b.role} ${b.digest} is damaged (content does not match its digest)`,
            }
          : {
              kind: 'missing-blob',
              image: img.id,
              digest: b.digest,
              message: `image ${img.id.slice(0, 12)}: ${b.role} ${b.digest} is missing`,
            },
      );
    }
  }
  problems.push(...foreignFiles(s), ...missingRootfs(s), ...unjournaled(s));
  const referenced = s.index.referencedBlobs();
  const onDisk = s.blobs.list();
  return {
    images: images.length,
    blobs: onDisk.length,
    problems,
    unreferencedBlobs: onDisk.filter((d) => !referenced.has(d)).length,
    staleTemp: safeReaddir(s.blobs.tmpDir).length,
  };
}

/**
 * Repair what `report` found. Each reported image is verified again right before it is
 * removed, inside one immediate transaction (the store's write lock), and removed only when
 * it is still damaged then: an image removed and stored again meanwhile is healthy and stays.
 * Damaged blob files no remaining image references go with it; foreign files are moved to
 * ROOT/quarantine/<time>/; unreferenced blobs are collected (`gc`).
 */
export function repairStore(s: Parts & { gc(): { removed: number } }, report: CheckReport, opts: { quick?: boolean } = {}): RepairReport {
  const out: RepairReport = { removedImages: [], keptImages: [], quarantined: [], removedBlobs: 0, remaining: [] };
  const ids = [...new Set(report.problems.map((p) => p.image).filter((x): x is string => !!x))];
  for (const id of ids) {
    s.index.transaction(() => {
      const img = s.index.getImage(id);
      const damaged: Digest[] = [];
      let broken = false;
      for (const b of img ? imageBlobs(s.index, img) : []) {
        if (b.size === undefined) {
          broken = true;
          continue;
        }
        const ok = s.blobs.size(b.digest) === b.size && (opts.quick || s.blobs.hashSync(b.digest) === b.digest);
        if (!ok) {
          broken = true;
          damaged.push(b.digest);
        }
      }
      if (!img || !broken) {
        out.keptImages.push(id);
        return;
      }
      // an image a container uses stays (pulling it again repairs its blobs): reported as remaining
      if (s.index.containersUsingImage(id).length > 0) return;
      s.index.deleteImages([id]);
      // a damaged copy helps nobody (a writer relying on it fails to record rather than record damage)
      const referenced = s.index.referencedBlobs();
      for (const d of damaged) if (!referenced.has(d)) s.blobs.remove(d);
      out.removedImages.push(id);
    });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const p of report.problems) {
    if (p.kind !== 'foreign-file' || !p.path) continue;
    const to = join(QUARANTINE_DIR, stamp, p.path);
    try {
      mkdirSync(dirname(join(s.root, to)), { recursive: true, mode: 0o700 });
      renameSync(join(s.root, p.path), join(s.root, to));
      out.quarantined.push([p.path, to]);
    } catch {
      /* still there: reported as remaining below */
    }
  }
  // a container whose root filesystem is gone holds nothing: its record goes
  for (const p of report.problems) {
    if (p.kind !== 'missing-rootfs' || !p.container) continue;
    s.index.transaction(() => {
      const c = s.index.getContainer(p.container!);
      if (c && !isDir(join(s.root, c.rootfs))) s.index.deleteContainer(c.id);
    });
  }
  // lists and signatures the journal lacks (it was lost, or a disk was full): journaled again
  if (report.problems.some((p) => p.kind === 'unjournaled')) s.index.journalListsAndSignatures();
  out.removedBlobs = s.gc().removed;
  out.remaining = [...foreignFiles(s), ...missingRootfs(s), ...unjournaled(s)];
  // an image reported damaged that is still recorded and was not found healthy again
  for (const p of report.problems) {
    if (p.image && !out.keptImages.includes(p.image) && !out.removedImages.includes(p.image)) out.remaining.push(p);
  }
  return out;
}

/** The blobs an image relies on; `size` undefined for a manifest whose record is missing. */
function imageBlobs(index: IndexDB, img: ImageRow): { digest: Digest; size: number | undefined; role: string }[] {
  const out: { digest: Digest; size: number | undefined; role: string }[] = [
    { digest: img.configDigest, size: img.configSize, role: 'config' },
  ];
  for (const md of img.digests) {
    const info = index.manifestInfo(md);
    out.push({ digest: md, size: info?.size, role: 'manifest' });
    if (info) for (const l of index.manifestLayers(md)) out.push({ digest: l.digest, size: l.size, role: 'layer' });
  }
  return out;
}

/**
 * Manifest lists and signatures whose state in the index is not the last one the names journal
 * recorded (a journal lost or written on a full disk): `system recover` would not restore them
 * as they are. A store without a journal yet is not checked (its next writer journals everything).
 */
function unjournaled(s: Parts): CheckProblem[] {
  const journal = new Journal(s.root);
  if (!journal.exists()) return [];
  const lists = new Map<string, string>();
  const listNames = new Map<string, string>();
  const sigs = new Map<string, string>();
  for (const e of journal.read()) {
    if (e.op === 'list') lists.set(e.id, e.document + '\0' + e.sources);
    else if (e.op === 'list-rm') lists.delete(e.id);
    else if (e.op === 'list-name') listNames.set(e.name, e.id);
    else if (e.op === 'list-untag' && listNames.get(e.name) === e.id) listNames.delete(e.name);
    else if (e.op === 'sigs') sigs.set(`${e.id} ${e.manifest}`, JSON.stringify(e.sigs));
    else if (e.op === 'rmi') for (const k of [...sigs.keys()]) if (k.startsWith(`${e.id} `)) sigs.delete(k);
  }
  const out: CheckProblem[] = [];
  for (const l of s.index.allLists()) {
    const same = lists.get(l.id) === l.document + '\0' + l.sources && l.names.every((n) => listNames.get(n) === l.id);
    if (!same)
      out.push({
        kind: 'unjournaled',
        list: l.id,
        message: `manifest list ${l.id.slice(0, 12)}: not in names.journal as stored ("berth system recover" would not restore it)`,
      });
  }
  for (const k of s.index.signatureKeys()) {
    const now = JSON.stringify(journalSignatures(s.index.signatures(k.id, k.manifestDigest)));
    if (sigs.get(`${k.id} ${k.manifestDigest}`) !== now)
      out.push({
        kind: 'unjournaled',
        digest: k.manifestDigest,
        message: `image ${k.id.slice(0, 12)}: signatures of ${k.manifestDigest} not in names.journal as stored ("berth system recover" would not restore them)`,
      });
  }
  return out;
}

/** Containers whose root filesystem directory is missing. */
function missingRootfs(s: Parts): CheckProblem[] {
  return s.index
    .listContainers()
    .filter((c) => !isDir(join(s.root, c.rootfs)))
    .map((c) => ({
      kind: 'missing-rootfs' as const,
      container: c.id,
      message: `container ${c.id.slice(0, 12)}: root filesystem ${c.rootfs} is missing`,
    }));
}

/** Entries of blobs/ that are not blob files: other files, directories, bad names. */
function foreignFiles(s: Parts): CheckProblem[] {
  const out: CheckProblem[] = [];
  const report = (rel: string) => out.push({ kind: 'foreign-file', path: rel, message: `unexpected file ${rel}` });
  for (const alg of safeReaddir(s.blobs.dir)) {
    const algDir = join(s.blobs.dir, alg);
    if (!isDir(algDir)) {
      report(`blobs/${alg}`);
      continue;
    }
    for (const name of safeReaddir(algDir)) {
      let ok = true;
      try {
        parseDigest(`${alg}:${name}`);
      } catch {
        ok = false;
      }
      if (!ok || !isFile(join(algDir, name))) report(`blobs/${alg}/${name}`);
    }
  }
  return out;
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}
function isFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}
function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
