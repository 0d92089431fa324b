/**
 * The changes between two directory trees, as containers/storage's ChangesDirs reports them:
 * a path of the new tree missing from the old one is added ("A", with everything below it);
 * one present in both is changed ("C") when its type and mode, owner, device number,
 * modification time (equal, or equal seconds where one side has no nanoseconds), size (not
 * for directories) or symlink target differ; a path only the old tree has is deleted ("D",
 * nothing listed below it). A directory with changes inside it is listed as changed before
 * them (never the root). Within a directory: the new tree's entries in name order (each
 * followed by the changes inside it), then the deleted ones. A path whose extended attributes
 * changed (security.capability, security.ima, user.*: see rootfs/xattrs.ts) is changed too.
 */
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { readTreeXattrs, sameXattrs } from '../rootfs/xattrs.js';

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  /** Absolute inside the tree ("/etc/passwd"). */
  path: string;
}

const S_IFMT = 0o170000n;
const S_IFDIR = 0o040000n;

function names(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function sameTime(a: BigIntStats, b: BigIntStats): boolean {
  const as = a.mtimeNs / 1_000_000_000n;
  const bs = b.mtimeNs / 1_000_000_000n;
  const an = a.mtimeNs % 1_000_000_000n;
  const bn = b.mtimeNs % 1_000_000_000n;
  return as === bs && (an === bn || an === 0n || bn === 0n);
}

/** containers/storage's statDifferent (plus the symlink target). */
function differs(oldSt: BigIntStats, oldPath: string, newSt: BigIntStats, newPath: string): boolean {
  if (oldSt.mode !== newSt.mode || oldSt.uid !== newSt.uid || oldSt.gid !== newSt.gid || oldSt.rdev !== newSt.rdev) return true;
  if (!sameTime(oldSt, newSt)) return true;
  if ((oldSt.mode & S_IFMT) !== S_IFDIR && oldSt.size !== newSt.size) return true;
  return newSt.isSymbolicLink() && readlinkSync(oldPath) !== readlinkSync(newPath);
}

/** Every path of `dir` (below `rel`) as added, parents first. */
function addAll(dir: string, rel: string, out: Change[]): void {
  for (const n of names(join(dir, rel))) {
    const p = `${rel}/${n}`;
    out.push({ kind: 'A', path: p });
    if (lstatSync(join(dir, p)).isDirectory()) addAll(dir, p, out);
  }
}

/** The changes that turn the tree at `oldDir` into the tree at `newDir` (see the module comment). */
export function treeChanges(oldDir: string, newDir: string): Change[] {
  const out: Change[] = [];
  const oldX = readTreeXattrs(oldDir);
  const newX = readTreeXattrs(newDir);
  const walk = (rel: string, markIfChanged: boolean): void => {
    const mark = out.length;
    const oldNames = new Set(names(join(oldDir, rel)));
    for (const n of names(join(newDir, rel))) {
      const p = `${rel}/${n}`;
      const np = join(newDir, p);
      const nst = lstatSync(np, { bigint: true });
      if (!oldNames.has(n)) {
        out.push({ kind: 'A', path: p });
        if (nst.isDirectory()) addAll(newDir, p, out);
        continue;
      }
      oldNames.delete(n);
      const op = join(oldDir, p);
      const ost = lstatSync(op, { bigint: true });
      const changed = differs(ost, op, nst, np) || !sameXattrs(oldX.get(p.slice(1)), newX.get(p.slice(1)));
      if (changed) out.push({ kind: 'C', path: p });
      if (nst.isDirectory()) {
        if (ost.isDirectory()) walk(p, !changed);
        else addAll(newDir, p, out); // a file replaced by a directory: its content is new
      }
    }
    for (const n of oldNames) out.push({ kind: 'D', path: `${rel}/${n}` });
    if (markIfChanged && rel !== '' && out.length > mark) out.splice(mark, 0, { kind: 'C', path: rel });
  };
  walk('', false);
  return out;
}
