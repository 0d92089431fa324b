import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { PassThrough, Readable, Transform, Duplex, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip, constants as zc } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { BerthError } from '../errors.js';
import { gzipArgs, gzipCodec } from './gzip-codec.js';

export type Algorithm = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

/** Identify compression from the first bytes (magic numbers). */
export function sniffCompression(head: Uint8Array): Algorithm {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (
    head.length >= 6 &&
    head[0] === 0xfd &&
    head[1] === 0x37 &&
    head[2] === 0x7a &&
    head[3] === 0x58 &&
    head[4] === 0x5a &&
    head[5] === 0x00
  )
    return 'xz';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

/**
 * Read the first `n` bytes of a stream without losing them: returns the head and a stream
 * that yields the whole content again.
 */
export async function peekStream(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let have = 0;
  let ended = false;
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      chunks.push(c);
      have += c.length;
      if (have >= n) {
        cleanup();
        src.pause();
        resolve();
      }
    };
    const onEnd = () => {
      ended = true;
      cleanup();
      resolve();
    };
    const onErr = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      src.off('data', onData);
      src.off('end', onEnd);
      src.off('error', onErr);
    };
    src.on('data', onData);
    src.once('end', onEnd);
    src.once('error', onErr);
  });
  const head = Buffer.concat(chunks);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  out.write(head);
  if (ended) out.end();
  else {
    src.on('error', (e) => out.destroy(e));
    src.pipe(out);
    src.resume();
  }
  return { head: head.subarray(0, n), stream: out };
}

class ZstdDecompressStream extends Transform {
  private z: ZstdDecompress;
  private pending: Uint8Array[] = [];
  constructor() {
    super();
    this.z = new ZstdDecompress((chunk) => {
      this.pending.push(chunk);
    });
  }
  private flushPending(): void {
    for (const c of this.pending) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.pending = [];
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      this.z.push(chunk);
      this.flushPending();
      cb();
    } catch (e) {
      cb(corrupt('zstd', e));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.z.push(new Uint8Array(0), true);
      this.flushPending();
      cb();
    } catch (e) {
      cb(corrupt('zstd', e));
    }
  }
}

function corrupt(alg: string, e: unknown): BerthError {
  return new BerthError('INVALID_ARCHIVE', `corrupt ${alg} data: ${(e as Error)?.message ?? e}`, { cause: e });
}

/**
 * The one-line error for a codec program that did not exit 0: its first stderr line (or its
 * exit status, or the signal that killed it). A decompressor that exited with a status says
 * the data is corrupt; a cut-off stream gets zlib's words whatever ran.
 */
export function programFailure(
  name: string,
  alg: string,
  work: 'decompress' | 'compress',
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
): BerthError {
  // igzip prints "Error (null) ..." for stdin
  const said = stderr
    .trim()
    .split('\n')[0]
    ?.trim()
    .replace(/^(\S+: )?Error \(null\) /, '$1');
  let reason = said
    ? said.startsWith(`${name}:`)
      ? said
      : `${name}: ${said}`
    : code !== null
      ? `${name} exited with status ${code}`
      : `${name} was killed by ${signal}`;
  if (work === 'decompress' && said && /complete gzip file|incomplete|unexpected end/i.test(said))
    reason = `unexpected end of file (${reason})`;
  if (work === 'decompress' && code !== null) return corrupt(alg, new Error(reason));
  return new BerthError('IO', `${alg} ${work === 'compress' ? 'compression' : 'decompression'} failed: ${reason}`);
}

/**
 * An external filter program (igzip, pigz, xz, bzip2, zstd) as a Duplex stream, with
 * back-pressure both ways. The output ends only once the program exited successfully: a
 * failing program (non-zero exit, killed, cannot start) fails the stream with a one-line
 * error instead of ending it early as if complete. Destroying the stream kills the program.
 */
class ExternalFilter extends Duplex {
  private readonly child: ChildProcess;
  private readonly name: string;
  private stderr = '';
  /** A write waiting for the program's stdin to drain (or to close). */
  private pendingWrite?: () => void;

  constructor(
    cmd: string,
    args: string[],
    private readonly alg: string,
    private readonly work: 'decompress' | 'compress',
    /** The program reads this file descriptor instead of what is written to the stream. */
    inputFd?: number,
  ) {
    super({ readableHighWaterMark: 1 << 20, writableHighWaterMark: 1 << 20 });
    this.name = basename(cmd);
    const child = (this.child = spawn(cmd, args, { stdio: [inputFd ?? 'pipe', 'pipe', 'pipe'] }));
    const stdout = child.stdout!;
    child.stderr!.on('data', (d: Buffer) => {
      if (this.stderr.length < 2000) this.stderr += d.toString();
    });
    stdout.on('data', (c: Buffer) => {
      if (!this.push(c)) stdout.pause();
    });
    const release = () => {
      const w = this.pendingWrite;
      this.pendingWrite = undefined;
      w?.();
    };
    child.stdin?.on('drain', release);
    child.stdin?.on('close', release);
    // EPIPE when the program stopped reading: what went wrong is reported from 'close'
    child.stdin?.on('error', () => {
      /* reported through close */
    });
    child.on('error', (e) =>
      this.destroy(
        new BerthError('UNSUPPORTED', `cannot run ${this.name} for ${alg} data: ${e.message}`, { hint: `install ${this.name}` }),
      ),
    );
    child.on('close', (code, signal) => this.exited(code, signal));
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.destroyed) return;
    if (code === 0) {
      this.push(null);
      return;
    }
    this.destroy(programFailure(this.name, this.alg, this.work, code, signal, this.stderr));
  }

  override _write(chunk: Buffer, _e: BufferEncoding, cb: (e?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded) {
      cb();
      return;
    } // the exit status will tell
    if (stdin.write(chunk)) cb();
    else this.pendingWrite = () => cb();
  }
  override _final(cb: (e?: Error | null) => void): void {
    if (this.child.stdin && !this.child.stdin.destroyed) this.child.stdin.end();
    cb();
  }
  override _read(): void {
    this.child.stdout!.resume();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    this.pendingWrite = undefined;
    cb(err);
  }
}

function externalFilter(cmd: string, args: string[], alg: string, work: 'decompress' | 'compress'): Duplex {
  return new ExternalFilter(cmd, args, alg, work);
}

export interface DecompressOptions {
  /** Output chunk size for in-process codecs (bytes). */
  chunkSize?: number;
}

/** A decompressing stream; gzip goes through the fastest codec present (see gzipCodec). */
export function createDecompressor(alg: Algorithm, opts: DecompressOptions = {}): Duplex {
  switch (alg) {
    case 'gzip': {
      const codec = gzipCodec('decompress');
      if (codec.path) return externalFilter(codec.path, gzipArgs(codec, 'decompress', 0, 1), 'gzip', 'decompress');
      return createGunzip({ chunkSize: opts.chunkSize ?? 1 << 17 });
    }
    case 'zstd':
      return new ZstdDecompressStream();
    case 'xz':
      return externalFilter('xz', ['-dc'], 'xz', 'decompress');
    case 'bzip2':
      return externalFilter('bzip2', ['-dc'], 'bzip2', 'decompress');
    case 'none':
      return new PassThrough();
  }
}

export interface CompressOptions {
  level?: number;
}

/** A compressing stream; gzip goes through the fastest codec present (see gzipCodec). */
export function createCompressor(alg: 'gzip' | 'zstd', opts: CompressOptions = {}): Duplex {
  if (alg === 'gzip') {
    const level = opts.level ?? 5;
    if (level < 1 || level > 9) throw new BerthError('INVALID_ARGUMENT', `invalid gzip compression level ${level}: use 1-9`);
    const codec = gzipCodec('compress');
    if (codec.path) return externalFilter(codec.path, gzipArgs(codec, 'compress', level, availableParallelism()), 'gzip', 'compress');
    return createGzip({ level, chunkSize: 1 << 17, strategy: zc.Z_DEFAULT_STRATEGY });
  }
  const level = opts.level ?? 3;
  if (level < 1 || level > 20) throw new BerthError('INVALID_ARGUMENT', `invalid zstd compression level ${level}: use 1-20`);
  return externalFilter('zstd', ['-q', '-c', `-${level}`, '-T1'], 'zstd', 'compress');
}

/**
 * The gzip compression of a file by the compressing program, which reads the file itself (the
 * bytes never pass through this process on their way in); undefined when gzip is compressed in
 * process. The caller verifies what comes out (it decompresses to the content it expects).
 */
export function compressFileWithProgram(path: string, opts: CompressOptions = {}): Readable | undefined {
  const level = opts.level ?? 5;
  if (level < 1 || level > 9) throw new BerthError('INVALID_ARGUMENT', `invalid gzip compression level ${level}: use 1-9`);
  const codec = gzipCodec('compress');
  if (!codec.path) return undefined;
  const fd = openSync(path, 'r');
  try {
    const out = new ExternalFilter(codec.path, gzipArgs(codec, 'compress', level, availableParallelism()), 'gzip', 'compress', fd);
    out.end();
    return out;
  } finally {
    closeSync(fd); // the program has its own copy
  }
}

/** Decompress a stream whatever its compression (sniffed). */
export async function autoDecompress(src: Readable): Promise<{ algorithm: Algorithm; stream: Readable }> {
  const { head, stream } = await peekStream(src, 6);
  const algorithm = sniffCompression(head);
  if (algorithm === 'none') return { algorithm, stream };
  const d = createDecompressor(algorithm);
  stream.on('error', (e) => d.destroy(e));
  return { algorithm, stream: stream.pipe(d) };
}
