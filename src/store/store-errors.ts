/**
 * One place that turns what the machine can do to a store (full disk, read-only mount,
 * foreign owner, damaged index, a lock held too long) into BerthErrors with stable codes
 * and a one-line message naming the file and what to do.
 */
import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BerthError } from '../errors.js';

const RECOVER_HINT = 'run "berth system recover" to rebuild it from the blobs';
const FULL_HINT = 'free space on that file system, e.g. with "berth rmi", "berth image prune" or "berth system gc"';
const READONLY_HINT =
  'the store is read-only: commands that only read (images, inspect, history, save, push, system check) still work; remount it read-write or pass --root';
const PERMISSION_HINT = 'run berth as the owner of the store, or pass --root with a store you own';

/** Below this many free bytes, an I/O error while writing is taken to mean a full disk. */
const NEARLY_FULL = 1 << 20;

/**
 * How a caller uses the store: `read`, `write`, or `free` — a write that removes data (rmi,
 * prune, gc, rm), the only kind that may take the store's reserve file on a full disk.
 */
export type StoreAccess = 'read' | 'write' | 'free';

function errnoCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : undefined;
}

export function isSqliteError(e: unknown): boolean {
  return errnoCode(e)?.startsWith('SQLITE_') === true;
}

/** Owner and mode of a file, for permission messages ("owned by uid 1000, mode 0600"). */
export function ownerText(file: string): string {
  try {
    const st = statSync(file);
    return ` (owned by uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  } catch {
    return '';
  }
}

/** True when the file system holding `path` has (almost) no space left. */
export function nearlyFull(path: string): boolean {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize < NEARLY_FULL;
  } catch {
    return false;
  }
}

/** True when this process may create and change files in directory `dir`. */
export function writableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function storeFull(file: string, cause?: unknown): BerthError {
  return new BerthError('STORE_FULL', `cannot write ${file}: no space left on device`, { hint: FULL_HINT, cause });
}

export function storeReadOnly(file: string, reason: string, cause?: unknown): BerthError {
  return new BerthError('STORE_READONLY', `cannot write ${file}: ${reason}`, { hint: READONLY_HINT, cause });
}

export function storePermission(file: string, cause?: unknown): BerthError {
  return new BerthError('PERMISSION', `cannot read ${file}: permission denied${ownerText(file)}`, { hint: PERMISSION_HINT, cause });
}

export function indexCorrupt(file: string, reason: string, cause?: unknown): BerthError {
  return new BerthError('STORE_CORRUPT', `the image index ${file} is damaged: ${reason}`, { hint: RECOVER_HINT, cause });
}

export function indexMissing(file: string, blobs: number, empty: boolean): BerthError {
  return new BerthError(
    'STORE_CORRUPT',
    `the image index ${file} is ${empty ? 'empty' : 'missing'} but the store holds ${blobs} blob(s); refusing to start a new empty index`,
    { hint: RECOVER_HINT },
  );
}

export function indexLocked(file: string, waitedMs: number, cause?: unknown): BerthError {
  return new BerthError(
    'STORE_LOCKED',
    `the image index ${file} is locked by another berth process (waited ${+(waitedMs / 1000).toFixed(1)}s)`,
    { hint: 'retry when it has finished, or stop it', cause },
  );
}

/**
 * A filesystem error on `file` of the store (a blob, a temp file, the index) as a
 * BerthError. `writing` says whether the operation was changing the store.
 */
export function storeFsError(e: unknown, file: string, writing: boolean, fallback: string): BerthError {
  if (e instanceof BerthError) return e;
  switch (errnoCode(e)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return storeFull(file, e);
    case 'EROFS':
      return storeReadOnly(file, 'read-only file system', e);
    case 'EACCES':
    case 'EPERM':
      return writing ? storeReadOnly(file, `permission denied${ownerText(file)}`, e) : storePermission(file, e);
    default: {
      const detail = e instanceof Error ? e.message : String(e);
      if (writing && nearlyFull(dirname(file))) return storeFull(file, e);
      return new BerthError('IO', `${fallback} ${file}: ${detail}`, { cause: e });
    }
  }
}

/**
 * A better-sqlite3 error on the index file as a BerthError. SQLite reports a full disk as
 * SQLITE_FULL, or as an I/O error while growing the WAL index; a missing write permission
 * as SQLITE_READONLY or, when it cannot create the WAL files, SQLITE_CANTOPEN.
 */
export function sqliteError(e: unknown, file: string, waitedMs: number): BerthError {
  if (e instanceof BerthError) return e;
  const code = errnoCode(e) ?? '';
  // a file the transaction writes beside the index (the names journal)
  if (/^E[A-Z]+$/.test(code)) return storeFsError(e, (e as { path?: string }).path ?? file, true, 'writing');
  const dir = dirname(file);
  const detail = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_FULL') return storeFull(file, e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return indexLocked(file, waitedMs, e);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return indexCorrupt(file, detail, e);
  if (code.startsWith('SQLITE_READONLY'))
    return storeReadOnly(file, writableDir(dir) ? `permission denied${ownerText(file)}` : 'read-only file system or directory', e);
  if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) return storePermission(file, e);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    if (nearlyFull(dir)) return storeFull(file, e);
    if (!writableDir(dir)) return storeReadOnly(file, 'the store directory is not writable', e);
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') return storePermission(file, e);
    }
  }
  return new BerthError('IO', `the image index ${file} failed: ${detail}`, { cause: e });
}
