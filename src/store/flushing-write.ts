import { WriteStream, fdatasync } from 'node:fs';

/** What blob writes open: a file write stream (node's `fs.createWriteStream` options). */
export interface FlushingWriteOptions {
  flags: string;
  start: number;
  highWaterMark: number;
}

/** Data written between two flushes. */
const FLUSH_BYTES = 16 << 20;
/** Flushes in flight in the process at once: each holds a thread of the pool while the disk works. */
const MAX_FLUSHING = 2;
let flushing = 0;

/**
 * A file write stream that has the kernel write its data out while it goes on (fdatasync every
 * 16 MiB, in the thread pool, not waited for), so that the fsync after the last byte, which the
 * caller still does, finds little left to write: the disk works during the transfer instead of
 * after it. A flush is skipped, not queued, while another one runs, so writes never wait for the
 * disk; the file is closed only after its flush returned. A failed flush is ignored: the final
 * fsync reports the error.
 */
export function flushingWriteStream(path: string, opts: FlushingWriteOptions): WriteStream {
  FlushingClass ??= defineFlushingWriteStream();
  return new FlushingClass(path, opts);
}

/**
 * The class, defined on first use: extending fs.WriteStream loads Node's stream modules (a few
 * ms), which commands that write no blob (tag, image exists, a listing) must not pay at start.
 */
let FlushingClass: (new (path: string, opts: FlushingWriteOptions) => WriteStream) | undefined;

const defineFlushingWriteStream = () =>
  class FlushingWriteStream extends WriteStream {
    /** bytesWritten at the last flush (bytesWritten counts from `start`). */
    private flushedAt = 0;
    private inFlight?: Promise<void>;

    constructor(path: string, opts: FlushingWriteOptions) {
      // @types/node declares no constructor for WriteStream; node's takes (path, options)
      super(...([path, opts] as unknown as []));
    }

    override _write(chunk: Buffer, encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
      super._write(chunk, encoding, (e) => this.written(e, cb));
    }

    override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, cb: (e?: Error | null) => void): void {
      super._writev!(chunks, (e) => this.written(e, cb));
    }

    override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
      const done = () => super._destroy(e, cb);
      if (this.inFlight) void this.inFlight.then(done);
      else done();
    }

    private written(e: Error | null | undefined, cb: (e?: Error | null) => void): void {
      // node sets `fd` once the file is open (not in @types/node)
      const fd = (this as unknown as { fd: unknown }).fd;
      if (!e && this.bytesWritten - this.flushedAt >= FLUSH_BYTES && !this.inFlight && flushing < MAX_FLUSHING && typeof fd === 'number') {
        this.flushedAt = this.bytesWritten;
        flushing++;
        this.inFlight = new Promise<void>((resolve) =>
          fdatasync(fd, () => {
            flushing--;
            this.inFlight = undefined;
            resolve();
          }),
        );
      }
      cb(e);
    }
  };
