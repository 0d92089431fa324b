/**
 * A blob download that transparently resumes after a dropped or stalled connection with
 * `Range: bytes=N-`, like containers/image's bodyReader: only after real progress (1 MiB, or
 * 60 s since the last attempt), a bounded number of times, and only on a 206 whose
 * Content-Range starts exactly at N and runs to the end. A 200 to a Range request restarts
 * the download from 0 and skips the bytes already delivered. The copy engine verifies the
 * digest and size of the whole stream, so a resumed stream can never smuggle wrong bytes.
 */
import { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { SpeedGuard, discard, errorDetail, type LowSpeedLimit } from './body.js';
import { header, type HttpResponse } from './http.js';
import { describeError } from './net-error.js';
import { isRetryableError, sleep } from './retry.js';

export interface ResumeOptions {
  /** Minimum progress since the last (re)connection before resuming (default 1 MiB). */
  minProgressBytes?: number;
  /** ...or this much time since the last (re)connection (default 60 s). */
  minIntervalMs?: number;
  /** At most this many resumptions per blob (default 5). */
  maxResumes?: number;
  /** Pause before reconnecting (default 1000 ms). */
  delayMs?: number;
}

export interface ResolvedResume {
  minProgressBytes: number;
  minIntervalMs: number;
  maxResumes: number;
  delayMs: number;
}

export function resolveResume(r: ResumeOptions = {}): ResolvedResume {
  return {
    minProgressBytes: r.minProgressBytes ?? 1 << 20,
    minIntervalMs: r.minIntervalMs ?? 60_000,
    maxResumes: r.maxResumes ?? 5,
    delayMs: r.delayMs ?? 1000,
  };
}

export interface ContentRange {
  first: number;
  last: number;
  /** Complete length; undefined for "/*". */
  total?: number;
}

/** Parse "bytes FIRST-LAST/TOTAL|*" strictly. */
export function parseContentRange(v: string | string[] | undefined): ContentRange | undefined {
  if (v === undefined || Array.isArray(v)) return undefined;
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/.exec(v.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (last < first || (total !== undefined && last >= total)) return undefined;
  return { first, last, total };
}

export interface OpenedBlob {
  body: Readable;
  /** Leading bytes of `body` to drop (the server ignored Range). */
  skip: number;
  /** Offset of the first byte after skipping. */
  offset: number;
  /** Size of the whole blob, when the server said. */
  total?: number;
}

/**
 * Interpret the answer to a (possibly ranged) blob GET. `initial`: the caller's first request,
 * where a 200 to a Range request just means "from 0" (ImageSource contract); on a resume it
 * means skipping what was already delivered.
 */
export async function openedBlob(res: HttpResponse, offset: number, initial: boolean, what: string): Promise<OpenedBlob> {
  const cl = header(res.headers, 'content-length');
  const length = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : undefined;
  if (res.status === 206 && offset > 0) {
    const cr = parseContentRange(res.headers['content-range']);
    if (
      !cr ||
      cr.first !== offset ||
      (cr.total !== undefined && cr.last + 1 !== cr.total) ||
      (length !== undefined && length !== cr.last - cr.first + 1)
    ) {
      await discard(res);
      throw new BerthError(
        'REGISTRY_ERROR',
        `${what}: invalid Content-Range ${JSON.stringify(String(res.headers['content-range'] ?? '')).slice(0, 80)} for a request from byte ${offset}`,
      );
    }
    return { body: res.body, skip: 0, offset, total: cr.total };
  }
  if (res.status === 200) {
    return { body: res.body, skip: initial ? 0 : offset, offset: initial ? 0 : offset, total: length };
  }
  const detail = await errorDetail(res);
  throw new BerthError('REGISTRY_ERROR', `${what}: unexpected HTTP ${res.status}${detail ? ` (${detail})` : ''}`);
}

export interface ResumingStreamOptions {
  what: string;
  resume: ResolvedResume;
  lowSpeed?: LowSpeedLimit;
  signal?: AbortSignal;
  /** Size of the whole blob if known, for messages. */
  size?: number;
  onResume?: (offset: number, attempt: number, reason: string) => void;
}

/** Wrap the first opened body; `reopen(offset)` makes a ranged request. */
export function resumingStream(first: OpenedBlob, reopen: (offset: number) => Promise<OpenedBlob>, o: ResumingStreamOptions): Readable {
  return new ResumingBlob(first, reopen, o);
}

/**
 * The body's chunks are pushed on as they arrive, paused by back-pressure: a generator under
 * Readable.from (a promise round per network chunk) cost ~0.1 s of CPU in a 283 MB pull. Only
 * time spent waiting for the network (demand to data) counts towards the low-speed limit.
 */
class ResumingBlob extends Readable {
  private cur: OpenedBlob;
  private skip: number;
  private offset: number;
  private lastRetryOffset: number;
  private lastRetryAt = Date.now();
  private resumes = 0;
  private guard: SpeedGuard;
  /** When we last asked the body for data (it flows), or undefined while it is paused. */
  private waitingSince: number | undefined;
  private reconnecting = false;

  constructor(
    first: OpenedBlob,
    private readonly reopen: (offset: number) => Promise<OpenedBlob>,
    private readonly o: ResumingStreamOptions,
  ) {
    super({ highWaterMark: 1 << 16 });
    this.cur = first;
    this.skip = first.skip;
    this.offset = first.offset;
    this.lastRetryOffset = first.offset;
    this.guard = new SpeedGuard(o.lowSpeed);
    this.attach();
  }

  private attach(): void {
    const body = this.cur.body;
    this.guard = new SpeedGuard(this.o.lowSpeed);
    body.pause();
    body.on('data', (c: Buffer) => {
      if (body !== this.cur.body || this.destroyed) return;
      try {
        this.guard.record(c.length, Date.now() - (this.waitingSince ?? Date.now()), this.o.what);
      } catch (e) {
        this.failed(body, e);
        return;
      }
      if (this.skip > 0) {
        if (c.length <= this.skip) {
          this.skip -= c.length;
          return;
        }
        c = c.subarray(this.skip);
        this.skip = 0;
      }
      this.offset += c.length;
      if (this.push(c)) this.waitingSince = Date.now();
      else {
        body.pause();
        this.waitingSince = undefined;
      }
    });
    body.once('end', () => {
      if (body === this.cur.body && !this.destroyed) this.push(null);
    });
    body.on('error', (e) => this.failed(body, e));
  }

  override _read(): void {
    if (this.reconnecting || !this.cur.body.isPaused()) return;
    this.waitingSince = Date.now();
    this.cur.body.resume();
  }

  /** A body failed: resume from where it stopped when that is allowed, else fail the stream. */
  private failed(body: Readable, e: unknown): void {
    if (body !== this.cur.body || this.destroyed || this.reconnecting) return;
    body.destroy();
    if (this.o.signal?.aborted) {
      this.destroy(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const stalled = (e as { stalled?: unknown }).stalled === true;
    const transient = stalled || isRetryableError(e);
    const progressed =
      this.offset - this.lastRetryOffset >= this.o.resume.minProgressBytes || Date.now() - this.lastRetryAt >= this.o.resume.minIntervalMs;
    if (!transient || !progressed || this.resumes >= this.o.resume.maxResumes) {
      this.destroy(lost(e, this.offset, this.o));
      return;
    }
    this.resumes++;
    this.o.onResume?.(this.offset, this.resumes, describeError(e));
    this.reconnecting = true;
    void (async () => {
      let next: OpenedBlob;
      try {
        await sleep(this.o.resume.delayMs, this.o.signal);
        next = await this.reopen(this.offset);
      } catch (e2) {
        this.reconnecting = false;
        this.destroy(this.o.signal?.aborted ? (e2 as Error) : lost(e, this.offset, this.o, e2));
        return;
      }
      this.reconnecting = false;
      if (this.destroyed) {
        next.body.destroy();
        return;
      }
      this.cur = next;
      this.skip = next.skip;
      this.lastRetryOffset = this.offset;
      this.lastRetryAt = Date.now();
      this.attach();
      this._read();
    })();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.cur.body.destroy();
    cb(e);
  }
}

function lost(e: unknown, offset: number, o: ResumingStreamOptions, reconnect?: unknown): BerthError {
  if (e instanceof BerthError && reconnect === undefined && e.code !== 'NETWORK') return e;
  const at = o.size !== undefined ? `at byte ${offset} of ${o.size}` : `at byte ${offset}`;
  const why = reconnect !== undefined ? `${describeError(e)}; resuming failed: ${describeError(reconnect)}` : describeError(e);
  return new BerthError('NETWORK', `${o.what}: connection lost ${at}: ${why}`, {
    cause: e,
    hint: 'transient network trouble; retry the command',
    data: { transient: true },
  });
}
