/**
 * RegistryClient: the OCI distribution / docker registry v2 protocol for one registry host,
 * acting with one set of repository actions (pull, or pull+push).
 *
 * - ping /v2/ over https (http only when insecure), keeping the auth challenges;
 * - Basic and Bearer auth (token per scope set, one retry on 401 insufficient_scope);
 * - retries for 429/502/503/504 and transient network errors, never for bodies that cannot
 *   be replayed;
 * - manifests verified against the requested digest (by tag: against Docker-Content-Digest
 *   when present) and against their Content-Type, capped at 4 MiB;
 * - blob downloads that resume; uploads (mount, monolithic PUT, streamed PATCH+PUT);
 * - tag listing with Link pagination.
 * Nothing here trusts the registry: every digest and document is checked before use.
 */
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { type Digest, digestAlgorithm, digestOf, isDigest, parseDigest, matchesDigest } from '../../digest/digest.js';
import { DigestVerifier } from '../../digest/verifier.js';
import { MAX_MANIFEST_SIZE, MT, parseManifestDocument } from '../../media/index.js';
import { isValidRepositoryPath, validateTag } from '../../reference/reference.js';
import {
  type AuthChallenge,
  type Scope,
  insufficientScopes,
  mergeScopes,
  parseWWWAuthenticate,
  repositoryScope,
  scopeKey,
} from './auth-challenge.js';
import { DEFAULT_LOW_SPEED, type LowSpeedLimit, clean, discard, errorDetail, readCapped } from './body.js';
import { openedBlob, resolveResume, resumingStream, type ResolvedResume, type ResumeOptions } from './blob-stream.js';
import { HttpTransport, header, type HttpRequest, type HttpResponse, type TlsMaterial } from './http.js';
import { registryApiHost } from './reference.js';
import { announceRetry, sendWithRetry, type RetryEvent } from './request.js';
import { backoffDelay, isRetryableError, isRetryableStatus, resolveRetry, sleep, type ResolvedRetry, type RetryOptions } from './retry.js';
import { type BearerToken, type RegistryCredentials, TokenCache, requestBearerToken } from './token.js';

export type { RegistryCredentials, TlsMaterial, RetryOptions, ResumeOptions, LowSpeedLimit, RetryEvent };

/** The Accept list for manifests: every type we can read, so the registry never down-converts. */
export const MANIFEST_ACCEPT = [
  MT.OCIManifest,
  MT.DockerManifest,
  MT.DockerSchema1Signed,
  MT.DockerSchema1,
  MT.DockerManifestList,
  MT.OCIIndex,
].join(', ');

export const DEFAULT_USER_AGENT = 'berth/0.1.0';
const MAX_TAG_PAGES = 10_000;
const MAX_TAGS_BODY = 4 << 20;

export interface RegistryClientOptions {
  /** Registry as named in references: "quay.io", "127.0.0.1:5000", "docker.io". */
  host: string;
  /** Allow plain http (tried after https fails) and skip TLS verification. */
  insecure?: boolean;
  /** Extra CAs and client certificate (certs.d). */
  tls?: TlsMaterial;
  credentials?: RegistryCredentials;
  userAgent?: string;
  /** Connect and response-headers timeout, ms (default 30000). */
  timeoutMs?: number;
  /** Longest silence between body chunks, ms (default timeoutMs). */
  idleTimeoutMs?: number;
  /** Abort transfers slower than this (default 100 B/s over 60 s of waiting); false disables. */
  lowSpeed?: LowSpeedLimit | false;
  retry?: RetryOptions;
  resume?: ResumeOptions;
  /** Redirect hops per request (default 10). */
  maxRedirects?: number;
  /** Repository actions this client asks tokens for (default ["pull"]). */
  actions?: Array<'pull' | 'push'>;
  signal?: AbortSignal;
  onRetry?: (e: RetryEvent) => void;
}

export interface ManifestResult {
  bytes: Buffer;
  /** Media type of the document (Content-Type checked against the body). */
  mediaType: string;
  digest: Digest;
}

export interface ManifestHead {
  digest?: Digest;
  mediaType?: string;
  size?: number;
}

export interface BlobResult {
  stream: Readable;
  /** Size of the whole blob, when the registry said. */
  size?: number;
  /** Offset of the first byte of `stream`. */
  offset: number;
}

export interface UploadOptions {
  /** Known digest: monolithic upload with ?digest=; absent: hash while streaming. */
  digest?: Digest;
  /** Known size: sent as Content-Length. */
  size?: number;
  what?: string;
}

interface Call {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  repo: string;
  /** Path under the registry base ("/v2/..."), or an absolute URL (upload locations, Link). */
  path?: string;
  url?: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  extraScopes?: Scope[];
  what: string;
}

export class RegistryClient {
  readonly host: string;
  readonly apiHost: string;
  private readonly http: HttpTransport;
  private readonly retry: ResolvedRetry;
  private readonly resume: ResolvedResume;
  private readonly lowSpeed?: LowSpeedLimit;
  private readonly actions: string[];
  private readonly tokens = new TokenCache();
  private pinging?: Promise<void>;
  private base?: URL;
  private challenges: AuthChallenge[] = [];

  constructor(readonly opts: RegistryClientOptions) {
    if (!opts.host || /[/\s@?#]/.test(opts.host))
      throw new BerthError('INVALID_ARGUMENT', `invalid registry host ${JSON.stringify(String(opts.host).slice(0, 100))}`);
    this.host = opts.host;
    this.apiHost = registryApiHost(opts.host);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    this.http = new HttpTransport({
      skipTlsVerify: !!opts.insecure,
      allowHttp: !!opts.insecure,
      tls: opts.tls,
      timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs ?? timeoutMs,
      maxRedirects: opts.maxRedirects ?? 10,
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
    });
    this.retry = resolveRetry(opts.retry);
    this.resume = resolveResume(opts.resume);
    this.lowSpeed = opts.lowSpeed === false ? undefined : (opts.lowSpeed ?? DEFAULT_LOW_SPEED);
    this.actions = opts.actions ?? ['pull'];
  }

  // ------------------------------------------------------------------ connection and auth

  /** GET /v2/ once (https, then http when insecure); remembers scheme and challenges. */
  ping(): Promise<void> {
    this.pinging ??= this.doPing().catch((e: unknown) => {
      this.pinging = undefined;
      throw e;
    });
    return this.pinging;
  }

  /** "https://host" once pinged. */
  get baseUrl(): string | undefined {
    return this.base?.origin;
  }

  /** Ping attempts: https then (insecure) http is one attempt, retried as a whole, as podman does. */
  private async doPing(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pingOnce();
      } catch (e) {
        const retryable =
          isRetryableError(e) || (e instanceof BerthError && typeof e.data?.status === 'number' && isRetryableStatus(e.data.status));
        if (attempt >= this.retry.max || !retryable || this.opts.signal?.aborted) throw e;
        const delayMs = backoffDelay(attempt, this.retry);
        announceRetry(delayMs, attempt + 1, this.retry.max, (e as Error).message);
        this.opts.onRetry?.({ what: `pinging registry ${this.host}`, attempt: attempt + 1, delayMs, reason: (e as Error).message });
        await sleep(delayMs, this.opts.signal);
      }
    }
  }

  private async pingOnce(): Promise<void> {
    const schemes = this.opts.insecure ? ['https', 'http'] : ['https'];
    const errors: unknown[] = [];
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${this.apiHost}`);
      const what = `pinging registry ${this.host}`;
      try {
        const res = await sendWithRetry(this.http, async () => ({ method: 'GET', url: new URL('/v2/', base) }), {
          ...this.sendOpts(what, true),
          retry: { ...this.retry, max: 0 },
        });
        if (res.status === 200 || res.status === 401) {
          this.challenges = res.url.origin === base.origin ? supported(parseWWWAuthenticate(res.headers['www-authenticate'])) : [];
          await discard(res);
          this.base = base;
          return;
        }
        const detail = await errorDetail(res);
        throw new BerthError(
          'REGISTRY_ERROR',
          `${what}: ${scheme}://${this.apiHost}/v2/ answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`,
          {
            hint: res.status >= 500 ? 'the registry is unavailable; try again later' : 'is this a container registry (API v2)?',
            data: { status: res.status },
          },
        );
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 2) {
      const [a, b] = errors as [unknown, unknown];
      // https hit a plain-http server (TLS error) but http got an answer: that answer is the news.
      if (b instanceof BerthError && b.code !== 'NETWORK') throw b;
      const msg = (x: unknown) => (x instanceof Error ? x.message : String(x));
      // http is tried only where TLS is not required (--tls-verify=false, insecure): the hint of
      // the https failure (which says to allow exactly that) no longer applies, the http one does
      const last = b instanceof BerthError ? b : a instanceof BerthError ? a : undefined;
      throw new BerthError(
        a instanceof BerthError ? a.code : 'NETWORK',
        `${msg(a)}; over http: ${msg(b).replace(/^pinging registry \S+: /, '')}`,
        { cause: a, hint: last?.hint, data: last?.data as Record<string, unknown> | undefined },
      );
    }
    throw errors[0];
  }

  /**
   * Verify credentials as `login` does: GET /v2/ authenticated (a Bearer token is requested
   * with no repository scope first). Throws UNAUTHORIZED when the registry refuses them.
   */
  async checkAuth(): Promise<void> {
    await this.ping();
    const base = this.base!;
    const url = new URL('/v2/', base);
    const what = `logging in to ${this.host}`;
    const headers: Record<string, string> = {};
    const bearer = this.challenges.find((x) => x.scheme === 'bearer');
    if (bearer) headers['authorization'] = `Bearer ${(await this.fetchToken(bearer, [], '')).token}`;
    else {
      const a = await this.authorization(url, [], '');
      if (a) headers['authorization'] = a;
    }
    const res = await sendWithRetry(this.http, async () => ({ method: 'GET', url, headers }), this.sendOpts(what, true));
    if (res.status === 200) {
      await discard(res);
      return;
    }
    if (res.status === 401) throw this.unauthorized({ method: 'GET', repo: '', what }, 401, await errorDetail(res));
    throw await this.statusError({ what }, res);
  }

  private sendOpts(what: string, replayable: boolean) {
    return { what, retry: this.retry, replayable, signal: this.opts.signal, onRetry: this.opts.onRetry };
  }

  private scopesFor(repo: string, extra: Scope[] = []): Scope[] {
    // registry-wide calls (the catalog) name no repository
    return mergeScopes(repo ? [repositoryScope(repo, this.actions)] : [], extra);
  }

  /** The Authorization header for a request to `url`; none for other origins. */
  private async authorization(url: URL, scopes: Scope[], repo: string): Promise<string | undefined> {
    if (!this.base || url.origin !== this.base.origin) return undefined;
    for (const ch of this.challenges) {
      if (ch.scheme === 'bearer') {
        const t = await this.tokens.get(scopes, () => this.fetchToken(ch, scopes, repo));
        return `Bearer ${t.token}`;
      }
      if (ch.scheme === 'basic') {
        const c = this.opts.credentials;
        // Identity tokens only work with Bearer; never send "user:undefined".
        if (c && !('identityToken' in c) && typeof c.password === 'string')
          return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
        return undefined;
      }
    }
    return undefined;
  }

  private fetchToken(ch: AuthChallenge, scopes: Scope[], repo: string): Promise<BearerToken> {
    const where = repo ? `${this.host}/${repo}` : this.host;
    return requestBearerToken({
      send: (req) => sendWithRetry(this.http, async () => req, this.sendOpts(`requesting a token for ${where}`, true)),
      challenge: ch,
      scopes,
      credentials: this.opts.credentials,
      allowHttp: !!this.opts.insecure,
      where,
      lowSpeed: this.lowSpeed,
      signal: this.opts.signal,
    });
  }

  /**
   * One registry request with auth and retries. A 401 from the registry is retried once when
   * that can help (new scope asked for, new challenge, possibly revoked cached token); then it
   * is a clear UNAUTHORIZED error. Redirect targets never get credentials nor auth retries.
   */
  private async call(c: Call): Promise<HttpResponse> {
    await this.ping();
    const base = this.base!;
    const url = c.url ?? new URL(c.path!, base);
    let scopes = this.scopesFor(c.repo, c.extraScopes);
    const replayable = c.body === undefined || Buffer.isBuffer(c.body);
    let authRetried = false;
    for (;;) {
      let usedCached = false;
      const res = await sendWithRetry(
        this.http,
        async () => {
          const headers: Record<string, string> = { ...(c.headers ?? {}) };
          usedCached = this.challenges.some((x) => x.scheme === 'bearer') && this.tokens.has(scopes);
          const a = await this.authorization(url, scopes, c.repo);
          if (a) headers['authorization'] = a;
          const r: HttpRequest = { method: c.method, url, headers, body: c.body };
          return r;
        },
        this.sendOpts(c.what, replayable),
      );
      if (res.status !== 401 || res.url.origin !== base.origin) return res;

      const chs = supported(parseWWWAuthenticate(res.headers['www-authenticate']));
      const detail = await errorDetail(res);
      if (!authRetried && replayable) {
        let changed = false;
        const more = insufficientScopes(chs);
        if (more) {
          const merged = mergeScopes(scopes, more);
          if (scopeKey(merged) !== scopeKey(scopes)) {
            scopes = merged;
            changed = true;
          }
        }
        if (chs.length && !sameChallenges(chs, this.challenges)) {
          const hasCreds = this.opts.credentials !== undefined;
          if (chs.some((x) => x.scheme === 'bearer') || hasCreds) {
            this.challenges = chs;
            changed = true;
          }
        }
        if (!changed && usedCached) {
          this.tokens.invalidate(scopes);
          changed = true;
        }
        if (changed) {
          authRetried = true;
          continue;
        }
      }
      throw this.unauthorized(c, res.status, detail);
    }
  }

  /**
   * A refusal in containers/image's words: the registry's error code and message
   * ("unauthorized: authentication required"); what to do goes in `data.advice`.
   */
  private unauthorized(c: Call, status: number, detail: string): BerthError {
    const creds = this.opts.credentials !== undefined;
    const reason = detail ? registryErrorText(detail) : status === 401 ? 'unauthorized: authentication required' : `HTTP ${status}`;
    return new BerthError('UNAUTHORIZED', `${c.what}: ${reason}`, {
      data: {
        ...registryErrorData(detail, status === 401 ? 'UNAUTHORIZED: authentication required' : ''),
        status,
        advice: creds ? `check the credentials for ${this.host} (berth login ${this.host})` : `log in first: berth login ${this.host}`,
        credentials: creds,
      },
    });
  }

  /** Error for an unexpected status (reads a bounded error body). `what` names host and repository. */
  private async statusError(c: { what: string }, res: HttpResponse): Promise<BerthError> {
    const detail = await errorDetail(res);
    const suffix = detail ? `, ${detail}` : '';
    if (res.status === 403) {
      return new BerthError('UNAUTHORIZED', `${c.what}: access denied (HTTP 403${suffix})`, {
        hint: `check your permissions on ${this.host}`,
      });
    }
    if (res.status === 401) {
      return new BerthError('UNAUTHORIZED', `${c.what}: ${res.url.host} requires authentication (HTTP 401${suffix})`);
    }
    if (res.status === 429) {
      return new BerthError('REGISTRY_ERROR', `${c.what}: the registry is rate-limiting requests (HTTP 429${suffix})`, {
        hint: 'wait and retry, or log in for a higher limit',
      });
    }
    return new BerthError('REGISTRY_ERROR', `${c.what}: the registry answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`);
  }

  // ------------------------------------------------------------------ manifests

  /**
   * GET a manifest by tag or digest. By digest the body must hash to it; by tag, a
   * Docker-Content-Digest header (when well-formed) must match the body. The Content-Type is
   * checked against the document (strict parse; ambiguous documents are refused).
   */
  async getManifest(repo: string, reference: string): Promise<ManifestResult> {
    checkRepo(repo);
    const ref = checkManifestRef(reference);
    const name = `${this.host}/${repo}${refSuffix(ref)}`;
    const what = `reading manifest ${name}`;
    const c: Call = { method: 'GET', repo, path: `/v2/${repo}/manifests/${ref.value}`, headers: { accept: MANIFEST_ACCEPT }, what };
    const res = await this.call(c);
    if (res.status === 404) {
      const detail = await errorDetail(res);
      // containers/image's words, as podman prints them
      throw new BerthError(
        'IMAGE_NOT_FOUND',
        `initializing source docker://${name}: reading manifest ${ref.value} in ${this.host}/${repo}: ${detail ? registryErrorText(detail) : 'manifest unknown'}`,
        { subject: name, data: registryErrorData(detail, 'MANIFEST_UNKNOWN: manifest unknown') },
      );
    }
    if (res.status !== 200) throw await this.statusError(c, res);
    const bytes = await readCapped(res, MAX_MANIFEST_SIZE, `manifest ${name}`, this.lowSpeed);
    let digest: Digest;
    if (ref.digest) {
      if (!matchesDigest(bytes, ref.digest)) {
        throw new BerthError('DIGEST_MISMATCH', `manifest ${name}: the registry sent a document that does not match the requested digest`, {
          hint: 'the registry is corrupt or something altered the response; nothing was stored',
        });
      }
      digest = ref.digest;
    } else {
      digest = digestOf(bytes);
      const claimed = header(res.headers, 'docker-content-digest');
      if (claimed !== undefined && isDigest(claimed.trim())) {
        const d = claimed.trim() as Digest;
        if (digestOf(bytes, digestAlgorithm(d)) !== d) {
          throw new BerthError('DIGEST_MISMATCH', `manifest ${name}: body does not match the registry's Docker-Content-Digest ${d}`, {
            hint: 'the registry is inconsistent or something altered the response; nothing was stored',
          });
        }
      }
    }
    const parsed = parseManifestDocument(bytes, contentType(res), `manifest ${name}`);
    return { bytes, mediaType: parsed.mediaType, digest };
  }

  /** HEAD a manifest: undefined when unknown (404). */
  async headManifest(repo: string, reference: string): Promise<ManifestHead | undefined> {
    checkRepo(repo);
    const ref = checkManifestRef(reference);
    const c: Call = {
      method: 'HEAD',
      repo,
      path: `/v2/${repo}/manifests/${ref.value}`,
      headers: { accept: MANIFEST_ACCEPT },
      what: `checking manifest ${this.host}/${repo}${refSuffix(ref)}`,
    };
    const res = await this.call(c);
    await discard(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.statusError(c, res);
    const out: ManifestHead = {};
    const d = header(res.headers, 'docker-content-digest')?.trim();
    if (d && isDigest(d)) out.digest = d as Digest;
    const ct = contentType(res);
    if (ct) out.mediaType = ct;
    const cl = header(res.headers, 'content-length');
    if (cl && /^\d+$/.test(cl)) out.size = Number(cl);
    return out;
  }

  /** PUT a manifest under a tag or its digest; returns its digest. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    checkRepo(repo);
    const ref = checkManifestRef(reference);
    const digest = digestOf(bytes);
    if (ref.digest && !matchesDigest(bytes, ref.digest)) {
      throw new BerthError('DIGEST_MISMATCH', `cannot push manifest ${digest} to ${this.host}/${repo}@${ref.digest}: the digests differ`);
    }
    if (bytes.length > MAX_MANIFEST_SIZE)
      throw new BerthError('TOO_LARGE', `manifest ${digest} is ${bytes.length} bytes, over the ${MAX_MANIFEST_SIZE}-byte limit`);
    const c: Call = {
      method: 'PUT',
      repo,
      path: `/v2/${repo}/manifests/${ref.value}`,
      body: bytes,
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      what: `writing manifest ${this.host}/${repo}${refSuffix(ref)}`,
    };
    const res = await this.call(c);
    if (res.status < 200 || res.status > 299) throw await this.statusError(c, res);
    await discard(res);
    const stored = header(res.headers, 'docker-content-digest')?.trim();
    if (stored && isDigest(stored) && digestAlgorithm(stored as Digest) === digestAlgorithm(digest) && stored !== digest) {
      throw new BerthError(
        'REGISTRY_ERROR',
        `writing manifest to ${this.host}/${repo}: the registry reports digest ${stored}, expected ${digest}`,
        {
          hint: 'the registry rewrote the manifest; signatures and digests will not match',
        },
      );
    }
    return digest;
  }

  // ------------------------------------------------------------------ blobs

  /** HEAD a blob: its size (-1 when not reported), or undefined when the registry lacks it. */
  async blobSize(repo: string, digest: Digest): Promise<number | undefined> {
    checkRepo(repo);
    parseDigest(digest, 'blob digest');
    const c: Call = {
      method: 'HEAD',
      repo,
      path: `/v2/${repo}/blobs/${digest}`,
      what: `checking whether a blob ${digest} exists in ${this.host}/${repo}`,
    };
    const res = await this.call(c);
    await discard(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.statusError(c, res);
    const cl = header(res.headers, 'content-length');
    return cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : -1;
  }

  /**
   * GET a blob as a stream that resumes after dropped connections. `offset` asks for a
   * ranged start; when the registry ignores it the stream starts at 0 (see `offset` in the result).
   */
  async getBlob(repo: string, digest: Digest, opts: { offset?: number; size?: number } = {}): Promise<BlobResult> {
    checkRepo(repo);
    parseDigest(digest, 'blob digest');
    const what = `blob ${digest} from ${this.host}/${repo}`;
    const open = async (offset: number, initial: boolean) => {
      const c: Call = {
        method: 'GET',
        repo,
        path: `/v2/${repo}/blobs/${digest}`,
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        what: `fetching ${what}`,
      };
      const res = await this.call(c);
      if (res.status === 404) {
        const detail = await errorDetail(res);
        throw new BerthError('REGISTRY_ERROR', `${what}: blob unknown to the registry${detail ? ` (${detail})` : ''}`);
      }
      if (res.status !== 200 && res.status !== 206) throw await this.statusError(c, res);
      return openedBlob(res, offset, initial, what);
    };
    const first = await open(opts.offset ?? 0, true);
    const size = first.total ?? opts.size;
    const stream = resumingStream(first, (off) => open(off, false), {
      what,
      resume: this.resume,
      lowSpeed: this.lowSpeed,
      signal: this.opts.signal,
      size,
      onResume: (offset, attempt, reason) =>
        this.opts.onRetry?.({ what: `resuming ${what} at byte ${offset}`, attempt, delayMs: this.resume.delayMs, reason }),
    });
    return { stream, size, offset: first.offset };
  }

  /**
   * Cross-repository mount: true when the registry linked the blob from `from`. On 202 (the
   * registry started an ordinary upload instead) the session is cancelled. Failures are not
   * fatal: the caller uploads normally.
   */
  async mountBlob(repo: string, digest: Digest, from: string): Promise<boolean> {
    checkRepo(repo);
    checkRepo(from);
    parseDigest(digest, 'blob digest');
    if (from === repo) return false;
    const q = new URLSearchParams({ mount: digest, from });
    const c: Call = {
      method: 'POST',
      repo,
      path: `/v2/${repo}/blobs/uploads/?${q}`,
      headers: { 'content-length': '0' },
      extraScopes: [repositoryScope(from, ['pull'])],
      what: `mounting blob ${digest} from ${from} into ${this.host}/${repo}`,
    };
    let res: HttpResponse;
    try {
      res = await this.call(c);
    } catch (e) {
      if (this.opts.signal?.aborted) throw e;
      return false;
    }
    if (res.status === 201) {
      await discard(res);
      const d = header(res.headers, 'docker-content-digest')?.trim();
      return !(d && isDigest(d) && d !== digest);
    }
    const loc = header(res.headers, 'location');
    await discard(res);
    if (res.status === 202 && loc) await this.cancelUpload(repo, resolveLocation(loc, res.url));
    return false;
  }

  /**
   * Upload a blob from a stream. With a known digest and size: POST + monolithic PUT. Otherwise
   * the stream goes out with one PATCH while being hashed, then PUT ?digest= closes the session.
   * A failing input stream (e.g. the engine's verifier) aborts the upload; its error is rethrown
   * and the session is cancelled, so nothing is committed.
   */
  async uploadBlob(repo: string, body: Readable, o: UploadOptions = {}): Promise<{ digest: Digest; size: number }> {
    checkRepo(repo);
    if (o.digest) parseDigest(o.digest, 'blob digest');
    const what = o.what ?? `blob ${o.digest ?? ''}`.trim();
    const where = `${this.host}/${repo}`;
    // The input may fail (engine verification) while we talk to the registry, before anyone
    // reads it: remember the error, and never hand an already failed stream to the socket.
    let inputError: unknown = body.errored ?? undefined;
    body.on('error', (e) => {
      inputError ??= e;
    });
    const inputFailed = () =>
      inputError ??
      body.errored ??
      (body.destroyed && !body.readableEnded ? new BerthError('INTERNAL', `${o.what ?? 'blob'}: input stream closed early`) : undefined);

    const start: Call = {
      method: 'POST',
      repo,
      path: `/v2/${repo}/blobs/uploads/`,
      headers: { 'content-length': '0' },
      what: `starting upload of ${what} to ${where}`,
    };
    let started: HttpResponse;
    try {
      started = await this.call(start);
    } catch (e) {
      body.destroy();
      throw e;
    }
    const loc0 = header(started.headers, 'location');
    if (started.status !== 202 || !loc0) {
      body.destroy();
      if (started.status === 202) {
        await discard(started);
        throw new BerthError('REGISTRY_ERROR', `${start.what}: the registry gave no upload Location`);
      }
      throw await this.statusError(start, started);
    }
    await discard(started);
    let location = resolveLocation(loc0, started.url);

    try {
      const early = inputFailed();
      if (early) throw early;
      if (o.digest && o.size !== undefined) {
        const put: Call = {
          method: 'PUT',
          repo,
          url: withDigest(location, o.digest),
          body,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(o.size) },
          what: `uploading ${what} to ${where}`,
        };
        const res = await this.callUpload(put, inputFailed);
        if (res.status !== 201) throw await this.statusError(put, res);
        await discard(res);
        checkStoredDigest(res, o.digest, put.what);
        return { digest: o.digest, size: o.size };
      }
      // Stream of unknown size or digest: PATCH it (hashing on the way), then close with PUT.
      const hasher = new DigestVerifier({ what });
      body.on('error', (e) => hasher.destroy(e));
      body.pipe(hasher);
      const late = inputFailed();
      if (late) throw late;
      const patch: Call = {
        method: 'PATCH',
        repo,
        url: location,
        body: hasher,
        headers: { 'content-type': 'application/octet-stream' },
        what: `uploading ${what} to ${where}`,
      };
      const pres = await this.callUpload(patch, inputFailed);
      if (pres.status !== 202) throw await this.statusError(patch, pres);
      await discard(pres);
      const loc1 = header(pres.headers, 'location');
      if (loc1) location = resolveLocation(loc1, pres.url);
      const digest = hasher.digest;
      const size = hasher.bytes;
      if (o.digest && digest !== o.digest) {
        throw new BerthError('DIGEST_MISMATCH', `${what}: uploaded content hashes to ${digest}, expected ${o.digest}`);
      }
      if (o.size !== undefined && size !== o.size) {
        throw new BerthError('SIZE_MISMATCH', `${what}: uploaded ${size} bytes, expected ${o.size}`);
      }
      const fin: Call = {
        method: 'PUT',
        repo,
        url: withDigest(location, digest),
        body: Buffer.alloc(0),
        headers: { 'content-type': 'application/octet-stream', 'content-length': '0' },
        what: `finishing upload of ${what} to ${where}`,
      };
      const fres = await this.call(fin);
      if (fres.status !== 201) throw await this.statusError(fin, fres);
      await discard(fres);
      checkStoredDigest(fres, digest, fin.what);
      return { digest, size };
    } catch (e) {
      body.destroy();
      await this.cancelUpload(repo, location);
      throw e;
    }
  }

  /** A request whose body is the caller's stream: the stream's own error wins over the network's. */
  private async callUpload(c: Call, inputError: () => unknown): Promise<HttpResponse> {
    try {
      const res = await this.call(c);
      const ie = inputError();
      if (ie) {
        await discard(res);
        throw ie;
      }
      return res;
    } catch (e) {
      const ie = inputError();
      if (ie) throw ie;
      throw e;
    }
  }

  /** Best effort: DELETE an upload session so the registry can drop partial data. */
  private async cancelUpload(repo: string, location: URL): Promise<void> {
    try {
      const res = await this.call({ method: 'DELETE', repo, url: location, what: `cancelling upload to ${this.host}/${repo}` });
      await discard(res);
    } catch {
      /* the registry purges stale uploads eventually */
    }
  }

  // ------------------------------------------------------------------ tags

  /** All tags of a repository, following Link: <...>; rel="next" pagination. */
  async listTags(repo: string, opts: { pageSize?: number } = {}): Promise<string[]> {
    checkRepo(repo);
    await this.ping();
    let url = new URL(`/v2/${repo}/tags/list`, this.base!);
    if (opts.pageSize !== undefined) url.searchParams.set('n', String(Math.max(1, Math.floor(opts.pageSize))));
    const tags: string[] = [];
    const seen = new Set<string>();
    for (let page = 0; page < MAX_TAG_PAGES; page++) {
      seen.add(url.href);
      const c: Call = { method: 'GET', repo, url, headers: { accept: 'application/json' }, what: `listing tags of ${this.host}/${repo}` };
      const res = await this.call(c);
      if (res.status === 404) {
        const detail = await errorDetail(res);
        throw new BerthError('IMAGE_NOT_FOUND', `${this.host}/${repo}: repository unknown${detail ? ` (${detail})` : ''}`);
      }
      if (res.status !== 200) throw await this.statusError(c, res);
      const raw = await readCapped(res, MAX_TAGS_BODY, `tag list of ${this.host}/${repo}`, this.lowSpeed);
      let doc: unknown;
      try {
        doc = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new BerthError('REGISTRY_ERROR', `tag list of ${this.host}/${repo} is not JSON`);
      }
      const list = (doc as { tags?: unknown } | null)?.tags;
      if (list !== null && list !== undefined) {
        if (!Array.isArray(list) || !list.every((t) => typeof t === 'string'))
          throw new BerthError('REGISTRY_ERROR', `tag list of ${this.host}/${repo} is malformed`);
        tags.push(...(list as string[]));
      }
      const next = linkNext(res.headers['link']);
      if (!next) return tags;
      let nu: URL;
      try {
        nu = new URL(next, res.url);
      } catch {
        throw new BerthError('REGISTRY_ERROR', `tag list of ${this.host}/${repo}: invalid Link header`);
      }
      if (nu.origin !== this.base!.origin)
        throw new BerthError('REGISTRY_ERROR', `tag list of ${this.host}/${repo}: pagination Link points to another host (${nu.host})`);
      if (seen.has(nu.href)) throw new BerthError('REGISTRY_ERROR', `tag list of ${this.host}/${repo}: pagination loops`);
      url = nu;
    }
    throw new BerthError('REGISTRY_ERROR', `tag list of ${this.host}/${repo}: more than ${MAX_TAG_PAGES} pages`);
  }

  /**
   * The registry's repositories (GET /v2/_catalog, following Link pagination), stopping once
   * `max` are known. A registry without a catalog answers UNSUPPORTED.
   */
  async catalog(opts: { pageSize?: number; max?: number } = {}): Promise<string[]> {
    await this.ping();
    let url = new URL('/v2/_catalog', this.base!);
    if (opts.pageSize !== undefined) url.searchParams.set('n', String(Math.max(1, Math.floor(opts.pageSize))));
    const repos: string[] = [];
    const seen = new Set<string>();
    const what = `catalog of ${this.host}`;
    for (let page = 0; page < MAX_TAG_PAGES && repos.length < (opts.max ?? Infinity); page++) {
      seen.add(url.href);
      const c: Call = {
        method: 'GET',
        repo: '',
        url,
        headers: { accept: 'application/json' },
        what: `listing the ${what}`,
        extraScopes: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
      };
      const res = await this.call(c);
      if (res.status === 404 || res.status === 405) {
        await errorDetail(res);
        throw new BerthError('UNSUPPORTED', `${this.host}: the registry has no catalog to search`);
      }
      if (res.status !== 200) throw await this.statusError(c, res);
      const raw = await readCapped(res, MAX_TAGS_BODY, what, this.lowSpeed);
      let doc: unknown;
      try {
        doc = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new BerthError('REGISTRY_ERROR', `${what} is not JSON`);
      }
      const list = (doc as { repositories?: unknown } | null)?.repositories;
      if (list !== null && list !== undefined) {
        if (!Array.isArray(list) || !list.every((t) => typeof t === 'string'))
          throw new BerthError('REGISTRY_ERROR', `${what} is malformed`);
        repos.push(...(list as string[]));
      }
      const next = linkNext(res.headers['link']);
      if (!next) return repos;
      const nu = new URL(next, res.url);
      if (nu.origin !== this.base!.origin || seen.has(nu.href)) throw new BerthError('REGISTRY_ERROR', `${what}: invalid pagination Link`);
      url = nu;
    }
    return repos;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

// ------------------------------------------------------------------ helpers

function supported(chs: AuthChallenge[]): AuthChallenge[] {
  return chs.filter((c) => c.scheme === 'bearer' || c.scheme === 'basic');
}

function sameChallenges(a: AuthChallenge[], b: AuthChallenge[]): boolean {
  const key = (x: AuthChallenge[]) => x.map((c) => `${c.scheme} ${c.params['realm'] ?? ''} ${c.params['service'] ?? ''}`).join('|');
  return key(a) === key(b);
}

function checkRepo(repo: string): void {
  if (typeof repo !== 'string' || !isValidRepositoryPath(repo) || repo.length > 255) {
    throw new BerthError('INVALID_REFERENCE', `invalid repository name ${JSON.stringify(String(repo).slice(0, 100))}`);
  }
}

function checkManifestRef(reference: string): { value: string; digest?: Digest } {
  if (typeof reference === 'string' && reference.includes(':')) {
    const d = parseDigest(reference, 'manifest digest');
    return { value: d, digest: d };
  }
  return { value: validateTag(reference) };
}

function refSuffix(ref: { value: string; digest?: Digest }): string {
  return ref.digest ? `@${ref.digest}` : `:${ref.value}`;
}

function contentType(res: HttpResponse): string | undefined {
  const ct = header(res.headers, 'content-type');
  if (!ct) return undefined;
  return ct.split(';')[0]!.trim().toLowerCase() || undefined;
}

function resolveLocation(loc: string, requestUrl: URL): URL {
  try {
    return new URL(loc, requestUrl);
  } catch {
    throw new BerthError('REGISTRY_ERROR', `${requestUrl.host} sent an invalid upload Location ${JSON.stringify(clean(loc, 80))}`);
  }
}

/** Append ?digest= without re-encoding the registry's own query (upload state). */
function withDigest(location: URL, digest: Digest): URL {
  const u = new URL(location);
  u.search = (u.search && u.search !== '?' ? `${u.search}&` : '?') + `digest=${encodeURIComponent(digest)}`;
  return u;
}

function checkStoredDigest(res: HttpResponse, expected: Digest, what: string): void {
  const d = header(res.headers, 'docker-content-digest')?.trim();
  if (d && isDigest(d) && digestAlgorithm(d as Digest) === digestAlgorithm(expected) && d !== expected) {
    throw new BerthError('REGISTRY_ERROR', `${what}: the registry stored ${d}, expected ${expected}`);
  }
}

/** The target of `Link: <url>; rel="next"` (several links may share one header). */
export function linkNext(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  for (const h of Array.isArray(v) ? v : [v]) {
    const re = /<([^>]*)>([^<]*)/g;
    for (let m = re.exec(h); m; m = re.exec(h)) {
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/i.exec(m[2] ?? '');
      const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return m[1];
    }
  }
  return undefined;
}

/** A registry error "CODE: message" as containers/image prints it: the code in lower case, "_" as " ". */
/**
 * The registry's own error, for callers that speak the distribution protocol's words (the
 * Docker API service): `registryCode` ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "DENIED") and
 * `registryMessage` ("manifest unknown: manifest unknown"). `fallback` when the body had none.
 */
function registryErrorData(detail: string, fallback: string): { registryCode?: string; registryMessage?: string } {
  const d = detail || fallback;
  if (!d) return {};
  const m = /^([A-Z][A-Z_]*): /.exec(d);
  return { ...(m ? { registryCode: m[1] } : {}), registryMessage: registryErrorText(d) };
}

function registryErrorText(detail: string): string {
  const m = /^([A-Z][A-Z_]*): (.*)$/.exec(detail);
  return m ? `${m[1]!.toLowerCase().replace(/_/g, ' ')}: ${m[2]}` : detail;
}
