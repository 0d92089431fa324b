/**
 * Reading bounded response bodies (manifests, tokens, errors, tag lists) and turning registry
 * error responses into short, safe one-line details.
 */
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { header, type HttpResponse } from './http.js';
import { networkError } from './net-error.js';

/** containers/image caps: tokens and error bodies 1 MiB. */
export const MAX_TOKEN_BODY = 1 << 20;
export const MAX_ERROR_BODY = 1 << 20;

/** Default low-speed limit: a connection delivering under 100 B/s for a minute is dead. */
export const DEFAULT_LOW_SPEED: LowSpeedLimit = { bytesPerSecond: 100, windowMs: 60_000 };

export interface LowSpeedLimit {
  /** Fail when, over `windowMs` of waiting for the network, fewer than bytesPerSecond*window arrived. */
  bytesPerSecond: number;
  windowMs: number;
}

/**
 * Detects a connection that delivers, but too slowly to ever finish (a 1 byte/s drip that
 * never trips the idle timeout). Only time spent waiting for the network counts, so a slow
 * consumer (backpressure) never looks like a slow server.
 */
export class SpeedGuard {
  private waited = 0;
  private bytes = 0;
  constructor(private readonly limit: LowSpeedLimit | undefined) {}
  /** Record one chunk that took `waitMs` to arrive; throws when the window was too slow. */
  record(bytes: number, waitMs: number, what: string): void {
    if (!this.limit || this.limit.bytesPerSecond <= 0) return;
    this.waited += waitMs;
    this.bytes += bytes;
    if (this.waited < this.limit.windowMs) return;
    const rate = (this.bytes * 1000) / this.waited;
    if (rate < this.limit.bytesPerSecond) {
      throw Object.assign(
        new BerthError('NETWORK', `${what}: transfer stalled (${rate.toFixed(1)} bytes/s for ${Math.round(this.waited / 1000)} s)`),
        { stalled: true },
      );
    }
    this.waited = 0;
    this.bytes = 0;
  }
}

/** Read a whole small body, failing past `max` bytes (checked against Content-Length first). */
export async function readCapped(res: HttpResponse, max: number, what: string, speed?: LowSpeedLimit): Promise<Buffer> {
  const cl = header(res.headers, 'content-length');
  if (cl !== undefined && /^\d+$/.test(cl) && Number(cl) > max) {
    res.body.destroy();
    throw new BerthError('TOO_LARGE', `${what} is ${cl} bytes, over the ${max}-byte limit`);
  }
  const guard = new SpeedGuard(speed);
  const chunks: Buffer[] = [];
  let n = 0;
  const it = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const t0 = Date.now();
      const r = await it.next();
      if (r.done) break;
      const c = r.value;
      guard.record(c.length, Date.now() - t0, what);
      n += c.length;
      if (n > max) throw new BerthError('TOO_LARGE', `${what} is larger than the ${max}-byte limit`);
      chunks.push(c);
    }
  } catch (e) {
    res.body.destroy();
    throw networkError(e, `reading ${what}`, res.url);
  }
  return Buffer.concat(chunks);
}

/** Discard a body we do not need (frees the connection). */
export async function discard(res: HttpResponse | { body: Readable }): Promise<void> {
  const b = res.body as Readable & { dump?: (o?: { limit: number }) => Promise<void> };
  try {
    if (typeof b.dump === 'function') await b.dump({ limit: 64 * 1024 });
    else b.destroy();
  } catch {
    /* ignore */
  }
}

/**
 * "CODE: message" from a registry error body ({"errors":[{"code","message"}]}), or the start
 * of a plain-text body. Control characters are stripped and the text is truncated: registry
 * text reaches the terminal, and must never echo a whole document.
 */
export async function errorDetail(res: HttpResponse): Promise<string> {
  let text: string;
  try {
    const buf = await readCapped(res, MAX_ERROR_BODY, 'error body');
    text = buf.toString('utf8');
  } catch {
    return '';
  }
  try {
    const doc = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (Array.isArray(doc.errors) && doc.errors.length) {
      const e = doc.errors[0]!;
      const code = typeof e.code === 'string' ? e.code : '';
      const msg = typeof e.message === 'string' ? e.message : '';
      return clean([code, msg].filter(Boolean).join(': '));
    }
  } catch {
    /* not JSON */
  }
  const ct = header(res.headers, 'content-type') ?? '';
  if (/^text\/plain/i.test(ct)) return clean(text);
  return '';
}

export function clean(s: string, max = 200): string {
  const t = s.replace(/\p{Cc}+/gu, ' ').trim();
  return t.length > max ? t.slice(0, max - 3) + '...' : t;
}
