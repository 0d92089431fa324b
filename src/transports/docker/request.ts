/**
 * Sending with retries: transient network errors and 429/502/503/504 are retried with
 * exponential backoff (Retry-After honoured, capped) — but only when the request body can be
 * sent again. Failures become BerthError('NETWORK') with a one-line message.
 */
import { BerthError } from '../../errors.js';
import { discard } from './body.js';
import { describeError, networkError } from './net-error.js';
import { header, type HttpRequest, type HttpResponse, type HttpTransport } from './http.js';
import { abortError, backoffDelay, isRetryableError, isRetryableStatus, parseRetryAfter, sleep, type ResolvedRetry } from './retry.js';

export interface RetryEvent {
  what: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface SendOptions {
  what: string;
  retry: ResolvedRetry;
  /** Whether the body (if any) may be sent again. */
  replayable: boolean;
  signal?: AbortSignal;
  onRetry?: (e: RetryEvent) => void;
}

/** `build` is called per attempt (so each attempt gets fresh auth headers). */
export async function sendWithRetry(http: HttpTransport, build: () => Promise<HttpRequest>, o: SendOptions): Promise<HttpResponse> {
  for (let attempt = 0; ; attempt++) {
    const req = await build();
    let res: HttpResponse;
    try {
      res = await http.send({ ...req, signal: req.signal ?? o.signal });
    } catch (e) {
      if (o.signal?.aborted) throw abortError(o.signal);
      if (e instanceof BerthError) throw e;
      if (o.replayable && attempt < o.retry.max && isRetryableError(e)) {
        const delay = backoffDelay(attempt, o.retry);
        o.onRetry?.({ what: o.what, attempt: attempt + 1, delayMs: delay, reason: describeError(e) });
        await sleep(delay, o.signal);
        continue;
      }
      throw networkError(e, o.what, req.url);
    }
    if (o.replayable && attempt < o.retry.max && isRetryableStatus(res.status)) {
      const fallback = backoffDelay(attempt, o.retry);
      const delay = Math.min(o.retry.maxDelayMs, parseRetryAfter(header(res.headers, 'retry-after'), fallback));
      await discard(res);
      o.onRetry?.({ what: o.what, attempt: attempt + 1, delayMs: delay, reason: `HTTP ${res.status}` });
      await sleep(delay, o.signal);
      continue;
    }
    return res;
  }
}

