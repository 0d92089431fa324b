import { constants, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { goErrnoText } from '../../go/errno.js';
import { trackTemp } from '../../util/output-file.js';
import { type Digest, digestAlgorithm, digestHex, parseDigest } from '../../digest/digest.js';

/** "blobs/<alg>/<hex>" for a digest validated first (a digest must never shape a path unchecked). */
export function blobRelPath(d: string, what = 'blob digest'): string {
  const dg = parseDigest(d, what);
  return `blobs/${digestAlgorithm(dg)}/${digestHex(dg)}`;
}

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Await a filesystem operation, reporting its failure as an IO BerthError naming `what`. */
export async function io<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('IO', `${what}: ${goErrnoText(e)}`, { cause: e });
  }
}

/** A temp name next to `target`'s directory entries, recognisable as ours. */
export function tempName(dir: string, prefix = '.berth-tmp-'): string {
  return join(dir, `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Open `rel` below `root` for reading, refusing anything that resolves outside `rootReal`
 * (symlinks leading out of the directory) and anything but a regular file.
 * Returns undefined when the file does not exist.
 */
export async function openInside(
  root: string,
  rootReal: string,
  rel: string,
  what: string,
  role: string,
): Promise<{ fh: FileHandle; size: number } | undefined> {
  let real: string;
  try {
    real = await fsp.realpath(join(root, rel));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw new BerthError('IO', `${what}: cannot open ${role} ${rel}: ${goErrnoText(e)}`, { cause: e });
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
    throw new BerthError('INVALID_ARCHIVE', `${what}: ${role} ${rel} is a symlink leading outside the directory`);
  }
  let fh: FileHandle;
  try {
    // realpath resolved every link; O_NOFOLLOW refuses a link swapped in since then
    fh = await fsp.open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new BerthError('IO', `${what}: cannot open ${role} ${rel}: ${goErrnoText(e)}`, { cause: e });
  }
  let st: Stats;
  try {
    st = await fh.stat();
  } catch (e) {
    await fh.close();
    throw new BerthError('IO', `${what}: cannot stat ${role} ${rel}: ${goErrnoText(e)}`, { cause: e });
  }
  if (!st.isFile()) {
    await fh.close();
    throw new BerthError('INVALID_ARCHIVE', `${what}: ${role} ${rel} is not a regular file`);
  }
  return { fh, size: st.size };
}

/** Read a whole small file opened with openInside, failing past `max` bytes. */
export async function readHandle(h: { fh: FileHandle; size: number }, max: number, what: string): Promise<Buffer> {
  try {
    if (h.size > max) throw new BerthError('TOO_LARGE', `${what} is ${h.size} bytes, over the ${max}-byte limit`);
    const b = Buffer.alloc(h.size);
    let got = 0;
    while (got < h.size) {
      const { bytesRead } = await h.fh.read(b, got, h.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return b.subarray(0, got);
  } finally {
    await h.fh.close();
  }
}

export function handleStream(h: { fh: FileHandle; size: number }, offset = 0): Readable {
  return h.fh.createReadStream({ start: offset, highWaterMark: 1 << 20, autoClose: true });
}

/** Write `data` to `path` via a temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = tempName(dirname(path));
  const untrack = trackTemp(tmp);
  try {
    const fh = await fsp.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new BerthError('IO', `cannot write ${path}: ${goErrnoText(e)}`, { cause: e });
  } finally {
    untrack();
  }
}

export interface WrittenFile {
  size: number;
  digest?: Digest;
}

/**
 * Copy `stream` into a fresh temp file `tmp` (fsync'd), hashing on the way when `hash` is
 * given. On any stream error the temp file is removed and the error rethrown: the caller
 * renames it into place only after the stream ended cleanly (i.e. the engine verified it).
 */
export async function streamToTemp(stream: Readable, tmp: string, hash?: { update(b: Buffer): void }): Promise<number> {
  // an interrupt before the caller renames it removes it (the caller removes it on errors)
  const untrack = trackTemp(tmp);
  try {
    return await streamToTempFile(stream, tmp, hash);
  } finally {
    untrack();
  }
}

async function streamToTempFile(stream: Readable, tmp: string, hash?: { update(b: Buffer): void }): Promise<number> {
  // The engine may already have a 'data' listener (progress) on the stream, which makes it
  // flow: pause before the first await so no chunk is emitted before we read. A short
  // stream can also fail verification before we start reading: catch that error now.
  stream.pause();
  let early: unknown;
  const onError = (e: unknown) => {
    early ??= e;
  };
  stream.on('error', onError);
  let fh: FileHandle | undefined;
  try {
    const what = `cannot write ${tmp}`;
    fh = await io(fsp.open(tmp, 'wx', 0o644), what);
    if (early) throw early;
    let n = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash?.update(chunk);
      n += chunk.length;
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await io(fh.write(chunk, off, chunk.length - off), what);
        off += bytesWritten;
      }
    }
    if (early) throw early;
    await io(fh.sync(), what);
    await io(fh.close(), what);
    fh = undefined;
    return n;
  } catch (e) {
    if (fh) await fh.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    if (!stream.destroyed) stream.destroy();
    throw e;
  } finally {
    stream.off('error', onError);
  }
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}
