import { createReadStream, createWriteStream, openSync, readSync, closeSync, statSync, promises as fsp, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, subjectError } from '../errors.js';
import { createDecompressor, peekStream, sniffCompression, type Algorithm } from '../compression/compression.js';

/** An uncompressed tar file on disk, possibly a temporary copy that `cleanup` removes. */
export interface TarFile {
  path: string;
  compression: Algorithm;
  cleanup(): Promise<void>;
}

function tempDir(): string {
  return mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'berth-archive-'));
}

/**
 * Make `input` (a path, or a stream such as stdin) available as an uncompressed tar file we
 * can seek in. A plain regular file is used in place; compressed files and streams are
 * decompressed/copied to a temporary file first.
 */
export async function openTarInput(input: string | Readable, what: string, opts: SpoolOptions = {}): Promise<TarFile> {
  if (typeof input === 'string') {
    let st;
    try {
      st = statSync(input);
    } catch (e) {
      throw new BerthError(
        'INVALID_ARGUMENT',
        `cannot open ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
    if (st.isDirectory()) throw new BerthError('INVALID_ARGUMENT', `${what} is a directory, not an archive`);
    if (st.isFile()) {
      const head = Buffer.alloc(6);
      const fd = openSync(input, 'r');
      const n = readSync(fd, head, 0, 6, 0);
      closeSync(fd);
      const alg = sniffCompression(head.subarray(0, n));
      if (alg === 'none') return { path: input, compression: 'none', cleanup: async () => {} };
      return spool(createReadStream(input), alg, what, opts);
    }
    return spool(createReadStream(input), undefined, what, opts);
  }
  return spool(input, undefined, what, opts);
}

export interface SpoolOptions {
  /**
   * Where to spool compressed input or streams. The store passes its temp-file namer: the
   * name carries the writer's id, so the store removes the file after a crash.
   */
  tempPath?: (suffix: string) => string;
}

async function spool(src: Readable, alg: Algorithm | undefined, what: string, opts: SpoolOptions): Promise<TarFile> {
  let path: string;
  let cleanup: () => Promise<void>;
  if (opts.tempPath) {
    path = opts.tempPath('-archive.tar');
    cleanup = () => fsp.rm(path, { force: true });
  } else {
    const dir = tempDir();
    path = join(dir, 'archive.tar');
    cleanup = () => fsp.rm(dir, { recursive: true, force: true });
  }
  try {
    const { head, stream } = await peekStream(src, 6);
    if (head.length === 0) throw new BerthError('INVALID_ARCHIVE', `${what} is empty`);
    const a = alg ?? sniffCompression(head);
    if (a === 'none') await pipeline(stream, createWriteStream(path));
    else await pipeline(stream, createDecompressor(a), createWriteStream(path));
    return { path, compression: a, cleanup };
  } catch (e) {
    await cleanup();
    if (e instanceof BerthError) {
      // decompressor errors do not know which input they came from
      if (e.subject === what) throw e;
      throw subjectError(e.code, what, e.message, { hint: e.hint, cause: e });
    }
    throw new BerthError('INVALID_ARCHIVE', `${what}: cannot read archive: ${(e as Error).message}`, { cause: e });
  }
}

/** Read a member's bytes from a tar file by offset (small members only). */
export function readMember(path: string, offset: number, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, b, got, size - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== size) throw new BerthError('INVALID_ARCHIVE', 'archive is truncated');
    return b;
  } finally {
    closeSync(fd);
  }
}

export function memberStream(path: string, offset: number, size: number): Readable {
  if (size === 0) return Readable.from([]);
  return createReadStream(path, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 });
}
