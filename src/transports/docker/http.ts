/**
 * One HTTP exchange over undici, with redirects followed here (not by undici) so that we
 * control headers: Authorization, Proxy-Authorization and Cookie never go to another origin
 * (scheme+host+port), https never silently downgrades to http, and the hop count is bounded.
 */
import { createRequire } from 'node:module';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import type { Agent as UndiciAgent } from 'undici';
import { BerthError } from '../../errors.js';

/**
 * undici's package entry also loads fetch, WebSocket, cookies, mocks...: ~50 ms and ~9 MB per
 * process. The dispatcher plus its request API is all we use; when undici's layout does not
 * offer them (another version), fall back to the package entry.
 */
function loadAgent(): typeof UndiciAgent {
  const require = createRequire(import.meta.url);
  try {
    const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
    const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: Record<string, unknown> };
    // what undici's index.js does: the request API lives on Dispatcher.prototype
    if (typeof Dispatcher.prototype.request !== 'function') Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));
    if (typeof Agent === 'function' && typeof (Agent.prototype as { request?: unknown }).request === 'function') return Agent;
  } catch {
    /* not this layout */
  }
  return (require('undici') as { Agent: typeof UndiciAgent }).Agent;
}
const Agent = loadAgent();

export interface TlsMaterial {
  /** Extra CA certificates (PEM), added to the system roots. */
  ca?: Array<string | Buffer>;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpTransportOptions {
  /** Do not verify TLS certificates (insecure registries only). */
  skipTlsVerify?: boolean;
  /** Allow plain http URLs and https->http redirects. */
  allowHttp?: boolean;
  tls?: TlsMaterial;
  /** Connect and response-headers timeout (ms). */
  timeoutMs: number;
  /** Longest silence allowed between two body chunks (ms). */
  idleTimeoutMs: number;
  maxRedirects: number;
  userAgent: string;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A Buffer can be resent after a redirect; a stream cannot. */
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** Follow 3xx (default true). */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** The URL that produced this response (after redirects). */
  url: URL;
  /** Whether a redirect crossed to another origin (credentials were dropped). */
  crossOrigin: boolean;
}

const SENSITIVE = ['authorization', 'proxy-authorization', 'cookie'];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class HttpTransport {
  readonly agent: UndiciAgent;
  constructor(readonly opts: HttpTransportOptions) {
    const tls = opts.tls;
    this.agent = new Agent({
      connect: {
        // Extra CAs are added to the system roots, as containers/image does with certs.d.
        ca: tls?.ca && tls.ca.length ? [...rootCertificates, ...tls.ca.map(String)] : undefined,
        cert: tls?.cert,
        key: tls?.key,
        rejectUnauthorized: !opts.skipTlsVerify,
        timeout: opts.timeoutMs,
      },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.idleTimeoutMs,
      connectTimeout: opts.timeoutMs,
    });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let method = req.method.toUpperCase();
    let body = req.body;
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    const startOrigin = url.origin;
    let crossOrigin = false;
    checkScheme(url, this.opts.allowHttp);
    for (let hop = 0; ; hop++) {
      const res = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        body: body ?? null,
        signal: req.signal,
      });
      const location = header(res.headers, 'location');
      if (!REDIRECTS.has(res.statusCode) || req.followRedirects === false || location === undefined) {
        return { status: res.statusCode, headers: res.headers, body: res.body, url, crossOrigin };
      }
      await res.body.dump().catch(() => {});
      if (hop >= this.opts.maxRedirects) {
        throw new BerthError('REGISTRY_ERROR', `too many redirects (${this.opts.maxRedirects}) fetching ${redact(req.url)}`);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new BerthError('REGISTRY_ERROR', `invalid redirect Location from ${url.host}`);
      }
      if (url.protocol === 'https:' && next.protocol === 'http:' && !this.opts.allowHttp) {
        throw new BerthError('REGISTRY_ERROR', `refusing redirect from https to plain http (${next.host}) for ${redact(req.url)}`, {
          hint: 'the registry or its storage backend is misconfigured',
        });
      }
      checkScheme(next, this.opts.allowHttp);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        delete headers['content-length'];
        delete headers['content-type'];
      } else if (body !== undefined && !Buffer.isBuffer(body)) {
        throw new BerthError('REGISTRY_ERROR', `${url.host} redirected a streamed ${method} request; cannot resend the body`);
      }
      if (next.origin !== startOrigin || crossOrigin) {
        // Credentials are only for the origin they were issued for; once dropped they stay dropped.
        for (const h of SENSITIVE) delete headers[h];
        crossOrigin = crossOrigin || next.origin !== startOrigin;
      }
      url = next;
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy().catch(() => {});
  }
}

function checkScheme(u: URL, allowHttp: boolean | undefined): void {
  if (u.protocol === 'https:' || (u.protocol === 'http:' && allowHttp)) return;
  if (u.protocol === 'http:')
    throw new BerthError('INVALID_ARGUMENT', `plain http to ${u.host} is only allowed for insecure registries`, {
      hint: 'use --tls-verify=false or mark the registry insecure in registries.conf',
    });
  throw new BerthError('INVALID_ARGUMENT', `unsupported URL scheme ${JSON.stringify(u.protocol)}`);
}

/** First value of a response header. */
export function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** URL for messages: no query (upload state, signed-URL credentials) and no userinfo. */
export function redact(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}
