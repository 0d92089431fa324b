/**
 * What is worth retrying and how long to wait. Mirrors containers/image + containers/common:
 * 429 and 502/503/504 and transient network errors are retried with exponential backoff;
 * 400/401/403/404 and other statuses are final; bodies that cannot be replayed are never retried
 * (the caller decides that).
 */
import { BerthError, abortedError } from '../../errors.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  max?: number;
  /** Delay between attempts in ms (default 1000, as podman's); with `exponential`, the first one. */
  delayMs?: number;
  /** Double the delay per attempt (default false: podman waits the same delay every time). */
  exponential?: boolean;
  /** Cap on any single wait, including Retry-After (default 60000). */
  maxDelayMs?: number;
}

export interface ResolvedRetry {
  max: number;
  delayMs: number;
  exponential: boolean;
  maxDelayMs: number;
}

export function resolveRetry(r: RetryOptions = {}): ResolvedRetry {
  return {
    max: Math.max(0, Math.floor(r.max ?? 3)),
    delayMs: Math.max(0, r.delayMs ?? 1000),
    exponential: r.exponential ?? false,
    maxDelayMs: Math.max(0, r.maxDelayMs ?? 60_000),
  };
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUS.has(status);
}

const RETRY_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'EAGAIN',
  // undici
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Transient transport failure (reset, timeout, refused...)? Walks `cause` chains. */
export function isRetryableError(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof BerthError) return cur.code === 'NETWORK' && cur.cause !== undefined && isRetryableError(cur.cause);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && RETRY_CODES.has(code)) return true;
    if (cur instanceof Error && /other side closed|socket hang up/i.test(cur.message)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Delay asked for by Retry-After (seconds or an HTTP date), or `fallback` when absent/invalid/past.
 */
export function parseRetryAfter(value: string | undefined, fallbackMs: number, now = Date.now()): number {
  if (value === undefined) return fallbackMs;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (!Number.isNaN(t) && t > now) return t - now;
  return fallbackMs;
}

/** The wait before retry `attempt + 1` (attempt 0, 1, 2...): the delay, or delay * 2^attempt when exponential; capped. */
export function backoffDelay(attempt: number, r: ResolvedRetry): number {
  return Math.min(r.maxDelayMs, r.exponential ? r.delayMs * 2 ** Math.min(attempt, 20) : r.delayMs);
}

/** setTimeout as a promise that rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  return abortedError(signal.reason);
}
