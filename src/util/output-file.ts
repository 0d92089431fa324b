import { createWriteStream, fsync, mkdirSync, open, promises as fsp, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { onInterrupt } from './interrupt.js';

/**
 * One output file (an archive, a digest file) being written.
 *
 * A regular file, or a path that does not exist yet, is written to a temp file beside it
 * and renamed over it by `commit()` only when complete: a failed or interrupted write leaves
 * the old file (or nothing). Anything else — a character or block device, a FIFO, a link
 * through /proc such as /dev/stdout — is written in place, because renaming over it would
 * replace the device node or the link instead of writing to it.
 */
export interface OutputFile {
  /** The path as the caller gave it. */
  readonly target: string;
  /** True when the target itself is written (device, FIFO, /dev/stdout). */
  readonly inPlace: boolean;
  /** A directory for scratch files of this write (beside the file, or the temp directory). */
  readonly scratchDir: string;
  /** The stream to write to; `commit()` after it finished, `discard()` on failure. */
  readonly stream: Writable;
  /** Flush to disk and move the complete file into place. Call after `stream` finished. */
  commit(): Promise<void>;
  /** Close the stream and remove the temp file; the target stays as it was. Never throws. */
  discard(): Promise<void>;
}

/** Refuse an empty output path before anything is done: `label` names it ("output path"). */
export function checkOutputPath(target: string, label: string, hint = 'give a file name'): void {
  if (target === '') throw new BerthError('INVALID_ARGUMENT', `${label} is empty`, { hint });
}

const openFd = promisify(open);
const fsyncFd = promisify(fsync);

type Plan = { kind: 'replace'; path: string } | { kind: 'in-place'; path: string };

/** Links into /proc (/dev/stdout, /dev/fd/N, /proc/self/fd/N) name open files, not paths. */
function procLink(p: string): boolean {
  return p.startsWith('/proc/') || p.startsWith('/dev/fd/') || /^\/dev\/std(in|out|err)$/.test(p);
}

/** Decide how `target` is written, following symbolic links to the file they name. */
async function plan(target: string, what: string): Promise<Plan> {
  let p = resolve(target);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = await fsp.lstat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { kind: 'replace', path: p };
      throw ioError(e, target, what);
    }
    if (st.isSymbolicLink()) {
      if (procLink(p)) return { kind: 'in-place', path: target };
      const link = await fsp.readlink(p);
      const next = resolve(dirname(p), link);
      if (procLink(next)) return { kind: 'in-place', path: target };
      p = next;
      continue;
    }
    if (st.isDirectory()) throw new BerthError('INVALID_ARGUMENT', `${what}: ${target} is a directory`, { hint: 'give a file name' });
    if (st.isSocket()) throw new BerthError('INVALID_ARGUMENT', `${what}: ${target} is a socket`, { hint: 'give a file name' });
    if (st.isFile()) return { kind: 'replace', path: p };
    return { kind: 'in-place', path: target }; // character/block device, FIFO
  }
  throw new BerthError('INVALID_ARGUMENT', `${what}: too many levels of symbolic links at ${target}`);
}

function ioError(e: unknown, target: string, what: string): BerthError {
  if (e instanceof BerthError) return e;
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return new BerthError('INVALID_ARGUMENT', `${what}: directory ${dirname(resolve(target))} does not exist`, { cause: e });
    case 'ENOTDIR':
      return new BerthError('INVALID_ARGUMENT', `${what}: a parent of ${target} is not a directory`, { cause: e });
    case 'EISDIR':
      return new BerthError('INVALID_ARGUMENT', `${what}: ${target} is a directory`, { hint: 'give a file name', cause: e });
    case 'ENXIO':
      return new BerthError('INVALID_ARGUMENT', `${what}: ${target} cannot be opened for writing (no reader, or a socket)`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new BerthError('IO', `${what}: permission denied`, { cause: e });
    case 'EROFS':
      return new BerthError('IO', `${what}: read-only file system`, { cause: e });
    case 'ENOSPC':
      return new BerthError('IO', `${what}: no space left on device`, { cause: e });
    case 'EDQUOT':
      return new BerthError('IO', `${what}: disk quota exceeded`, { cause: e });
    default:
      return new BerthError('IO', `${what}: ${err.message}`, { cause: e });
  }
}

/**
 * Open `target` for writing (see OutputFile). `what` starts every error message, e.g.
 * "cannot write the archive to x.tar". An empty path, a directory or a missing parent
 * directory fail here, before anything is written.
 */
export async function openOutputFile(target: string, what: string): Promise<OutputFile> {
  if (target === '') throw new BerthError('INVALID_ARGUMENT', `${what}: empty path`, { hint: 'give a file name' });
  const p = await plan(target, what);
  if (p.kind === 'in-place') {
    let fh: FileHandle;
    // a FIFO blocks here until a reader opens it (asynchronously: signals still work)
    try {
      fh = await fsp.open(p.path, 'w');
    } catch (e) {
      throw ioError(e, target, what);
    }
    const stream = fh.createWriteStream({ highWaterMark: 1 << 20 });
    return {
      target,
      inPlace: true,
      scratchDir: process.env.TMPDIR || tmpdir(),
      stream,
      commit: async () => {
        try {
          await closeStream(stream);
        } catch (e) {
          throw ioError(e, target, what);
        }
      },
      discard: async () => {
        stream.destroy();
      },
    };
  }
  const dir = dirname(p.path);
  const tmp = join(dir, `.${basename(p.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const untrack = trackTemp(tmp);
  // a plain descriptor, not a FileHandle: the stream stays open (autoClose off) so that
  // commit can fsync it, and a FileHandle cannot be closed while a stream holds it
  let fd: number;
  try {
    fd = await openFd(tmp, 'wx', 0o644);
  } catch (e) {
    untrack();
    throw ioError(e, target, what);
  }
  const stream = createWriteStream('', { fd, highWaterMark: 1 << 20, autoClose: false });
  let done = false;
  const discard = async (): Promise<void> => {
    if (done) return;
    done = true;
    await destroyStream(stream).catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    untrack();
  };
  return {
    target,
    inPlace: false,
    scratchDir: dir,
    stream,
    async commit() {
      if (done) return;
      try {
        await fsyncFd(fd);
        await destroyStream(stream);
        await fsp.rename(tmp, p.path);
        done = true;
        untrack();
      } catch (e) {
        await discard();
        throw ioError(e, target, what);
      }
    },
    discard,
  };
}

/**
 * A failed write to an output (a reader that went away, a full disk) as a BerthError naming
 * it; anything else unchanged. Without this a broken pipe would look like success.
 */
export function outputWriteError(e: unknown, what: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof BerthError || err?.syscall !== 'write') return e;
  const why = err.code === 'EPIPE' ? 'the reader closed the pipe' : err.code === 'ENOSPC' ? 'no space left on device' : err.message;
  return new BerthError('IO', `${what}: ${why}`, { cause: e });
}

/** Write `data` as the whole content of `target` (temp file + rename, or in place). */
export async function writeOutputFile(target: string, data: Buffer | string, what: string): Promise<void> {
  const out = await openOutputFile(target, what);
  try {
    await new Promise<void>((res, rej) => {
      out.stream.once('error', rej);
      // end's callback is also how a failed write (a full disk) is told: never taken for success
      out.stream.end(data, (err?: Error | null) => (err ? rej(err) : res()));
    });
    await out.commit();
  } catch (e) {
    await out.discard();
    throw ioError(e, target, what);
  }
}

/**
 * Destroy `s` and wait until it closed its file; rejects with the close's error. The stream
 * owns its descriptor even with autoClose off (destroying it closes the descriptor, after a
 * write in flight): closing the descriptor beside it would close it twice, and the second close
 * could hit a file another open has just been given the same number (or fail with EBADF on the
 * stream, an uncaught error).
 */
function destroyStream(s: Writable): Promise<void> {
  return new Promise((res, rej) => {
    if (s.closed) {
      res();
      return;
    }
    let failed: Error | undefined;
    s.once('error', (e) => (failed = e));
    s.once('close', () => (failed ? rej(failed) : res()));
    s.destroy();
  });
}

/** End `s` (if the writer did not) and wait until its file is closed. */
function closeStream(s: Writable): Promise<void> {
  return new Promise((res, rej) => {
    if (s.closed) {
      res();
      return;
    }
    s.once('error', rej);
    s.once('close', () => res());
    if (!s.writableEnded) s.end();
  });
}

// ---- temp files removed on SIGINT/SIGTERM -----------------------------------------------

/**
 * Remove `path` (a file or a directory) if the process is interrupted by SIGINT, SIGTERM or
 * SIGHUP before the returned function is called. The caller still removes it on errors.
 */
export function trackTemp(path: string): () => void {
  // a write already in the thread pool may add an entry while the tree is removed (ENOTEMPTY): retry
  return onInterrupt(() => rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 5 }));
}

/**
 * Create a new directory PARENT/PREFIX<random> that is removed on interruption from before it
 * exists: with mkdtemp the name is known only once the directory is there, and a signal handled
 * in between would leave it behind.
 */
export async function trackedTempDir(parent: string, prefix: string): Promise<{ path: string; untrack: () => void }> {
  for (;;) {
    const path = join(parent, `${prefix}${randomBytes(6).toString('hex')}`);
    const untrack = trackTemp(path);
    try {
      // synchronous: an interruption can then never run its removal before a pending mkdir lands
      mkdirSync(path, { mode: 0o700 });
      return { path, untrack };
    } catch (e) {
      untrack();
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
