import { spawn } from 'node:child_process';
import { PassThrough, Readable, Transform, Duplex, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip, constants as zc } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { BerthError } from '../errors.js';

export type Algorithm = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

/** Identify compression from the first bytes (magic numbers). */
export function sniffCompression(head: Uint8Array): Algorithm {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
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
      chunks.push(c); have += c.length;
      if (have >= n) { cleanup(); src.pause(); resolve(); }
    };
    const onEnd = () => { ended = true; cleanup(); resolve(); };
    const onErr = (e: Error) => { cleanup(); reject(e); };
    const cleanup = () => { src.off('data', onData); src.off('end', onEnd); src.off('error', onErr); };
    src.on('data', onData); src.once('end', onEnd); src.once('error', onErr);
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
    this.z = new ZstdDecompress((chunk) => { this.pending.push(chunk); });
  }
  private flushPending(): void {
    for (const c of this.pending) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.pending = [];
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try { this.z.push(chunk); this.flushPending(); cb(); } catch (e) { cb(corrupt('zstd', e)); }
  }
  override _flush(cb: TransformCallback): void {
    try { this.z.push(new Uint8Array(0), true); this.flushPending(); cb(); } catch (e) { cb(corrupt('zstd', e)); }
  }
}

function corrupt(alg: string, e: unknown): BerthError {
  return new BerthError('INVALID_ARCHIVE', `corrupt ${alg} data: ${(e as Error)?.message ?? e}`, { cause: e });
}

/** Run an external filter program (xz, bzip2, zstd compressor) as a Duplex stream. */
function externalFilter(cmd: string, args: string[], alg: string): Duplex {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 2000) stderr += d.toString(); });
  // The output ends only once the program exited successfully: a failing decompressor
  // (truncated or corrupt input) must fail the stream, not end it early as if complete.
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  child.stdout.pipe(out, { end: false });
  const duplex = Duplex.from({ writable: child.stdin, readable: out });
  child.on('error', (e) => duplex.destroy(new BerthError('UNSUPPORTED', `cannot run ${cmd} for ${alg} data: ${e.message}`, { hint: `install ${cmd}` })));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else duplex.destroy(corrupt(alg, new Error(stderr.trim().split('\n')[0] || (code !== null ? `${cmd} exited ${code}` : `${cmd} was killed by ${signal}`))));
  });
  child.stdin.on('error', () => { /* reported through close */ });
  duplex.on('close', () => { if (child.exitCode === null) child.kill(); });
  return duplex;
}

export function createDecompressor(alg: Algorithm): Duplex {
  switch (alg) {
    case 'gzip': {
      const g = createGunzip({ chunkSize: 1 << 17 });
      return g;
    }
    case 'zstd': return new ZstdDecompressStream();
    case 'xz': return externalFilter('xz', ['-dc'], 'xz');
    case 'bzip2': return externalFilter('bzip2', ['-dc'], 'bzip2');
    case 'none': return new PassThrough();
  }
}

export interface CompressOptions { level?: number }

export function createCompressor(alg: 'gzip' | 'zstd', opts: CompressOptions = {}): Duplex {
  if (alg === 'gzip') {
    const level = opts.level ?? 5;
    if (level < 1 || level > 9) throw new BerthError('INVALID_ARGUMENT', `invalid gzip compression level ${level}: use 1-9`);
    return createGzip({ level, chunkSize: 1 << 17, strategy: zc.Z_DEFAULT_STRATEGY });
  }
  const level = opts.level ?? 3;
  if (level < 1 || level > 20) throw new BerthError('INVALID_ARGUMENT', `invalid zstd compression level ${level}: use 1-20`);
  return externalFilter('zstd', ['-q', '-c', `-${level}`, '-T1'], 'zstd');
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
