import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';

/**
 * Passes chunks through unchanged and also writes them to `side` (e.g. a decompressor
 * feeding a hasher), honouring the side's backpressure. Errors on the side fail this stream.
 * Ends the side when this stream ends and waits for the side to finish before ending.
 */
export class Tee extends Transform {
  private sideError?: Error;
  constructor(
    private readonly side: Writable,
    private readonly sideDone: Promise<unknown>,
  ) {
    super({ highWaterMark: 1 << 20 });
    // A side failure (e.g. corrupt gzip while hashing the diffID) is held until the main
    // stream ends, so upstream checks (digest/size at EOF) report first when they fail too.
    side.on('error', (e) => {
      this.sideError ??= e;
    });
    sideDone.catch((e: Error) => {
      this.sideError ??= e;
    });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.sideError || this.side.destroyed) {
      cb(null, chunk);
      return;
    }
    if (this.side.write(chunk)) cb(null, chunk);
    else {
      const onDrain = () => {
        this.side.off('close', onDrain);
        this.side.off('drain', onDrain);
        cb(null, chunk);
      };
      this.side.once('drain', onDrain);
      this.side.once('close', onDrain);
    }
  }
  override _flush(cb: TransformCallback): void {
    if (this.sideError) {
      cb(this.sideError);
      return;
    }
    this.side.end();
    this.sideDone.then(
      () => cb(this.sideError ?? null),
      (e: Error) => cb(e),
    );
  }
}

/** One stream of `first`'s bytes, then `second`'s; a failure of either fails it, and destroying it destroys both. */
export function concatStreams(first: Readable, second: Readable): Readable {
  async function* both(): AsyncGenerator<Buffer> {
    try {
      yield* first as AsyncIterable<Buffer>;
      yield* second as AsyncIterable<Buffer>;
    } finally {
      first.destroy();
      second.destroy();
    }
  }
  return Readable.from(both(), { objectMode: false, highWaterMark: 1 << 16 });
}

/** Read a whole stream into memory, failing past `max` bytes. Only for small documents. */
export async function readAll(stream: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      stream.destroy();
      const { BerthError } = await import('../errors.js');
      throw new BerthError('TOO_LARGE', `${what} is larger than the ${max}-byte limit`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/**
 * Read a stream to its end and discard the bytes (a writer that already holds the content).
 * Resolves only after 'end', so verifiers and side hashes in the stream have run; rejects
 * with the stream's error.
 */
export async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream as AsyncIterable<Buffer>) {
    /* discard */
  }
}

/** Run `fn` over items with at most `limit` in flight; stop starting new ones after the first failure. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}

/** Chunk size the copy engine regroups network data into. */
export const GROUP_BYTES = 1 << 20;

/** Passes the bytes through in chunks of at least `min` bytes (the last one may be shorter). */
export class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private n = 0;
  constructor(private readonly min: number) {
    super({ highWaterMark: min });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.n === 0 && chunk.length >= this.min) {
      cb(null, chunk);
      return;
    }
    this.parts.push(chunk);
    this.n += chunk.length;
    if (this.n >= this.min) this.release();
    cb();
  }
  override _flush(cb: TransformCallback): void {
    if (this.n > 0) this.release();
    cb();
  }
  private release(): void {
    const b = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.n);
    this.parts = [];
    this.n = 0;
    this.push(b);
  }
}

/**
 * Passes chunks through unchanged and also writes them to `side` (a decompressor feeding a
 * hasher), honouring its backpressure. Unlike Tee it never fails because of the side: the
 * caller awaits the side's completion itself, after the main stream was verified.
 */
export class SideTap extends Transform {
  private sideFailed = false;
  constructor(
    private readonly side: Writable,
    sideDone: Promise<unknown>,
  ) {
    super({ highWaterMark: GROUP_BYTES });
    side.on('error', () => {
      this.sideFailed = true;
    });
    sideDone.catch(() => {
      this.sideFailed = true;
    });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.sideFailed || this.side.destroyed) {
      cb(null, chunk);
      return;
    }
    if (this.side.write(chunk)) {
      cb(null, chunk);
      return;
    }
    const go = () => {
      this.side.off('drain', go);
      this.side.off('close', go);
      cb(null, chunk);
    };
    this.side.once('drain', go);
    this.side.once('close', go);
  }
  override _flush(cb: TransformCallback): void {
    if (!this.sideFailed && !this.side.destroyed) this.side.end();
    cb();
  }
}
