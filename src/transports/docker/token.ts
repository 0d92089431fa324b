/**
 * Docker registry Bearer tokens: GET realm?service=&scope=… (Basic credentials when we have a
 * username/password), or the OAuth2 refresh_token grant (POST) for identity tokens. Tokens are
 * cached per scope set and refreshed a little before they expire.
 */
import { BerthError } from '../../errors.js';
import type { AuthChallenge, Scope } from './auth-challenge.js';
import { formatScope, scopeKey } from './auth-challenge.js';
import { MAX_TOKEN_BODY, errorDetail, readCapped, type LowSpeedLimit } from './body.js';
import type { HttpRequest, HttpResponse } from './http.js';

export type RegistryCredentials = { username: string; password: string } | { identityToken: string };

export interface BearerToken {
  token: string;
  /** ms since epoch (local clock: never trust the server's issued_at for our own timing). */
  expiresAt: number;
  lifetimeMs: number;
}

/** Default and minimum lifetime, as the token spec and containers/image do. */
export const MIN_TOKEN_LIFETIME_S = 60;
export const OAUTH_CLIENT_ID = 'berth';

export interface TokenRequestParams {
  /** Sends one request (retries transient failures; never adds credentials itself). */
  send: (req: HttpRequest) => Promise<HttpResponse>;
  challenge: AuthChallenge;
  scopes: Scope[];
  credentials?: RegistryCredentials;
  /** Whether credentials may travel to an http:// realm (insecure registries only). */
  allowHttp: boolean;
  /** Registry host + repo for messages. */
  where: string;
  lowSpeed?: LowSpeedLimit;
  signal?: AbortSignal;
}

export async function requestBearerToken(p: TokenRequestParams): Promise<BearerToken> {
  const realmRaw = p.challenge.params['realm'];
  if (!realmRaw) throw new BerthError('UNAUTHORIZED', `${p.where}: the registry's Bearer challenge has no realm`);
  let realm: URL;
  try {
    realm = new URL(realmRaw);
  } catch {
    throw new BerthError('UNAUTHORIZED', `${p.where}: the registry's token realm is not a valid URL`);
  }
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
    throw new BerthError('UNAUTHORIZED', `${p.where}: unsupported token realm scheme ${JSON.stringify(realm.protocol)}`);
  }
  if (realm.username || realm.password) {
    throw new BerthError('UNAUTHORIZED', `${p.where}: the token realm URL embeds credentials; refusing it`);
  }
  const creds = p.credentials;
  if (realm.protocol === 'http:' && creds && !p.allowHttp) {
    throw new BerthError('UNAUTHORIZED', `${p.where}: refusing to send credentials to the plain-http token realm ${realm.host}`, {
      hint: 'the registry advertises an http:// realm; only allowed for registries marked insecure',
    });
  }
  const service = p.challenge.params['service'];
  const scopes = p.scopes.map(formatScope);
  const started = Date.now();
  let res: HttpResponse;
  if (creds && 'identityToken' in creds) {
    const form = new URLSearchParams();
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', creds.identityToken);
    form.set('client_id', OAUTH_CLIENT_ID);
    if (service) form.set('service', service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    const body = Buffer.from(form.toString());
    res = await p.send({
      method: 'POST',
      url: realm,
      body,
      signal: p.signal,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), accept: 'application/json' },
    });
  } else {
    const u = new URL(realm);
    if (creds && creds.username) u.searchParams.append('account', creds.username);
    if (service) u.searchParams.append('service', service);
    for (const s of scopes) u.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds && creds.username && creds.password) {
      headers['authorization'] = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    }
    res = await p.send({ method: 'GET', url: u, headers, signal: p.signal });
  }
  if (res.status !== 200) {
    const detail = await errorDetail(res);
    const suffix = detail ? ` (${detail})` : '';
    if (res.status === 401 || res.status === 403) {
      throw new BerthError(
        'UNAUTHORIZED',
        `${p.where}: the token service ${realm.host} refused ${creds ? 'the credentials' : 'anonymous access'} (${res.status})${suffix}`,
        {
          hint: creds ? 'check the credentials (berth login)' : 'log in first (berth login)',
        },
      );
    }
    throw new BerthError('REGISTRY_ERROR', `${p.where}: the token service ${realm.host} answered ${res.status}${suffix}`);
  }
  const raw = await readCapped(res, MAX_TOKEN_BODY, `token response from ${realm.host}`, p.lowSpeed);
  return parseTokenResponse(raw, started, `${p.where}: token response from ${realm.host}`);
}

export function parseTokenResponse(raw: Buffer, started: number, what: string): BearerToken {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BerthError('UNAUTHORIZED', `${what} is not JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BerthError('UNAUTHORIZED', `${what} is not a JSON object`);
  const d = doc as Record<string, unknown>;
  const token = typeof d.token === 'string' && d.token !== '' ? d.token : typeof d.access_token === 'string' ? d.access_token : '';
  if (!token) throw new BerthError('UNAUTHORIZED', `${what} contains no token`);
  // A token goes into a header: refuse anything that could split or smuggle headers.
  if (!/^[\x21-\x7e]+$/.test(token)) throw new BerthError('UNAUTHORIZED', `${what}: token contains invalid characters`);
  let lifetime = typeof d.expires_in === 'number' && Number.isFinite(d.expires_in) ? Math.floor(d.expires_in) : MIN_TOKEN_LIFETIME_S;
  if (lifetime < MIN_TOKEN_LIFETIME_S) lifetime = MIN_TOKEN_LIFETIME_S;
  const lifetimeMs = lifetime * 1000;
  return { token, expiresAt: started + lifetimeMs, lifetimeMs };
}

/** Tokens per scope set; concurrent requests for the same set share one fetch. */
export class TokenCache {
  private tokens = new Map<string, BearerToken>();
  private inflight = new Map<string, Promise<BearerToken>>();

  /** Refresh margin: a quarter of the lifetime, at most 30 s. */
  static fresh(t: BearerToken, now = Date.now()): boolean {
    const margin = Math.min(30_000, t.lifetimeMs / 4);
    return now < t.expiresAt - margin;
  }

  async get(scopes: Scope[], fetch: () => Promise<BearerToken>): Promise<BearerToken> {
    const key = scopeKey(scopes);
    const have = this.tokens.get(key);
    if (have && TokenCache.fresh(have)) return have;
    let p = this.inflight.get(key);
    if (!p) {
      p = fetch()
        .then((t) => {
          this.tokens.set(key, t);
          return t;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Whether a fresh token for this scope set is cached. */
  has(scopes: Scope[]): boolean {
    const t = this.tokens.get(scopeKey(scopes));
    return t !== undefined && TokenCache.fresh(t);
  }

  invalidate(scopes: Scope[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  clear(): void {
    this.tokens.clear();
  }
}
