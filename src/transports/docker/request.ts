/**
 * Sending with retries: transient network errors and 429/502/503/504 are retried after the
 * retry delay (podman: containers.conf retry_delay or --retry-delay, default 1s; Retry-After
 * honoured, capped) — but only when the request body can be sent again. Every retry is
 * announced as podman does ("Failed, retrying in 1s ... (1/3). Error: ..."). Failures become
 * BerthError('NETWORK') with a one-line message.
 */
import { BerthError } from '../../errors.js';
import { discard } from './body.js';
import { describeError, networkError } from './net-error.js';
import { header, type HttpRequest, type HttpResponse, type HttpTransport } from './http.js';
import { log } from '../../log.js';
import { formatGoDuration } from '../../go/duration.js';
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
        announceRetry(delay, attempt + 1, o.retry.max, networkError(e, o.what, req.url).message);
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
      announceRetry(delay, attempt + 1, o.retry.max, `${o.what}: the registry answered HTTP ${res.status}`);
      o.onRetry?.({ what: o.what, attempt: attempt + 1, delayMs: delay, reason: `HTTP ${res.status}` });
      await sleep(delay, o.signal);
      continue;
    }
    return res;
  }
}

/** containers/common's retry notice, word for word. */
export function announceRetry(delayMs: number, attempt: number, max: number, error: string): void {
  log.warn(`Failed, retrying in ${formatGoDuration(delayMs)} ... (${attempt}/${max}). Error: ${error}`);
}
