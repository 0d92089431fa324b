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
  async function* chunks(): AsyncGenerator<Buffer> {
    let cur = first;
    let skip = first.skip;
    let offset = first.offset;
    let lastRetryOffset = offset;
    let lastRetryAt = Date.now();
    let resumes = 0;
    try {
      for (;;) {
        const guard = new SpeedGuard(o.lowSpeed);
        const it = (cur.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        try {
          for (;;) {
            const t0 = Date.now();
            const r = await it.next();
            if (r.done) return;
            let c = r.value;
            guard.record(c.length, Date.now() - t0, o.what);
            if (skip > 0) {
              if (c.length <= skip) {
                skip -= c.length;
                continue;
              }
              c = c.subarray(skip);
              skip = 0;
            }
            offset += c.length;
            yield c;
          }
        } catch (e) {
          cur.body.destroy();
          if (o.signal?.aborted) throw e;
          const stalled = (e as { stalled?: unknown }).stalled === true;
          const transient = stalled || isRetryableError(e);
          const progressed = offset - lastRetryOffset >= o.resume.minProgressBytes || Date.now() - lastRetryAt >= o.resume.minIntervalMs;
          if (!transient || !progressed || resumes >= o.resume.maxResumes) throw lost(e, offset, o);
          resumes++;
          o.onResume?.(offset, resumes, describeError(e));
          await sleep(o.resume.delayMs, o.signal);
          try {
            cur = await reopen(offset);
          } catch (e2) {
            throw lost(e, offset, o, e2);
          }
          skip = cur.skip;
          lastRetryOffset = offset;
          lastRetryAt = Date.now();
        }
      }
    } finally {
      cur.body.destroy();
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 << 16 });
}

function lost(e: unknown, offset: number, o: ResumingStreamOptions, reconnect?: unknown): BerthError {
  if (e instanceof BerthError && reconnect === undefined && e.code !== 'NETWORK') return e;
  const at = o.size !== undefined ? `at byte ${offset} of ${o.size}` : `at byte ${offset}`;
  const why = reconnect !== undefined ? `${describeError(e)}; resuming failed: ${describeError(reconnect)}` : describeError(e);
  return new BerthError('NETWORK', `${o.what}: connection lost ${at}: ${why}`, {
    cause: e,
    hint: 'transient network trouble; retry the command (see --retry)',
  });
}
