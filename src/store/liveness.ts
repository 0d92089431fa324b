import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { storeFsError } from './store-errors.js';

/**
 * Liveness of store writers by OS locks that die with their process.
 *
 * A process that writes to a store (leases, temp files) first takes an owner id: it creates
 * ROOT/locks/<id>.db and holds an exclusive SQLite transaction on it for as long as it uses
 * the store. SQLite locks with POSIX record locks, which the kernel drops when the process
 * dies and which work across PID namespaces (a berth in a container sharing the store, or
 * `unshare -p`), where PID numbers mean nothing. Leases and temp file names carry the id;
 * another process decides "dead" when it can read that lock file (nobody holds it) or the
 * file is gone. An id appears in a lease or a temp name only after its lock is held.
 */

const LOCKS_DIR = 'locks';
/** An unlocked lock file younger than this may belong to a process still starting up. */
const STALE_LOCK_FILE_MS = 60_000;

interface Held {
  id: string;
  db: Database.Database;
  file: string;
  refs: number;
}
const held = new Map<string, Held>();
let exitHook = false;

function lockFile(root: string, id: string): string {
  return join(root, LOCKS_DIR, `${id}.db`);
}

/**
 * Why the lock file could not be made, as the store's error: a store (or its locks/) this
 * process cannot write, or a full disk, is STORE_READONLY or STORE_FULL as for any other write
 * (SQLite itself only says "unable to open database file").
 */
function lockFileError(e: unknown, root: string, file: string): BerthError {
  if ((e as NodeJS.ErrnoException).syscall !== undefined)
    return storeFsError(e, (e as NodeJS.ErrnoException).path ?? file, true, 'cannot create the process lock');
  for (const dir of [join(root, LOCKS_DIR), root]) {
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (a) {
      if ((a as NodeJS.ErrnoException).code !== 'ENOENT') return storeFsError(a, dir, true, 'cannot create the process lock in');
    }
  }
  return storeFsError(e, file, true, 'cannot create the process lock');
}

/** Ids are 32 hex digits; older stores used decimal PIDs (judged by PID, see `isLegacyPid`). */
export function isOwnerId(s: string): boolean {
  return /^[0-9a-f]{32}$/.test(s);
}

/**
 * This process's owner id for the store at `root`, taking the lock on first use. Each call
 * must be balanced by `releaseOwner` (the lock is dropped when the last user releases it).
 */
export function acquireOwner(root: string): string {
  const h = held.get(root);
  if (h) {
    h.refs++;
    return h.id;
  }
  const id = randomBytes(16).toString('hex');
  const file = lockFile(root, id);
  let db: Database.Database | undefined;
  try {
    mkdirSync(join(root, LOCKS_DIR), { recursive: true, mode: 0o700 });
    db = openDatabase(file);
    db.pragma('journal_mode = MEMORY'); // never creates a journal file next to the lock
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    try {
      db?.close();
    } catch {
      /* ignore */
    }
    try {
      unlinkSync(file);
    } catch {
      /* ignore */
    }
    throw lockFileError(e, root, file);
  }
  held.set(root, { id, db, file, refs: 1 });
  if (!exitHook) {
    exitHook = true;
    // the lock itself dies with the process; this only tidies the file away
    process.on('exit', () => {
      for (const x of held.values()) {
        try {
          unlinkSync(x.file);
        } catch {
          /* ignore */
        }
      }
    });
  }
  return id;
}

export function releaseOwner(root: string): void {
  const h = held.get(root);
  if (!h || --h.refs > 0) return;
  held.delete(root);
  try {
    unlinkSync(h.file);
  } catch {
    /* ignore */
  }
  try {
    h.db.close();
  } catch {
    /* ignore */
  }
}

/** This process's id for `root` if it holds one (without taking it). */
export function currentOwner(root: string): string | undefined {
  return held.get(root)?.id;
}

/** Whether the process that holds owner id `id` on the store at `root` still runs. */
export function isOwnerAlive(root: string, id: string): boolean {
  if (held.get(root)?.id === id) return true;
  let db: Database.Database | undefined;
  try {
    db = openDatabase(lockFile(root, id), { readonly: true, fileMustExist: true, timeout: 0 });
    db.pragma('busy_timeout = 0');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return false; // we could read it: nobody holds the lock
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
    if (code === 'SQLITE_CANTOPEN' || (e as NodeJS.ErrnoException).code === 'ENOENT') return false; // lock file gone
    return true; // cannot tell (permissions, ...): never treat a writer as dead on a guess
  } finally {
    try {
      db?.close();
    } catch {
      /* ignore */
    }
  }
}

/** Liveness for a lease owner or temp-file prefix: owner ids by lock, legacy PIDs by signal 0. */
export function isWriterAlive(root: string, owner: string): boolean {
  if (isOwnerId(owner)) return isOwnerAlive(root, owner);
  const pid = Number(owner);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove lock files of processes that are gone. Returns how many were removed. */
export function cleanStaleLocks(root: string): number {
  const dir = join(root, LOCKS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    const id = name.endsWith('.db') ? name.slice(0, -3) : '';
    if (!isOwnerId(id) || isOwnerAlive(root, id)) continue;
    try {
      if (Date.now() - statSync(join(dir, name)).mtimeMs < STALE_LOCK_FILE_MS) continue;
      unlinkSync(join(dir, name));
      n++;
    } catch {
      /* raced with another cleaner */
    }
  }
  return n;
}
