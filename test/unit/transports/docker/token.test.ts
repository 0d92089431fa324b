import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { isBerthError } from '../../../../src/errors.js';
import type { HttpRequest, HttpResponse } from '../../../../src/transports/docker/http.js';
import { TokenCache, parseTokenResponse, requestBearerToken, type BearerToken } from '../../../../src/transports/docker/token.js';
import { expectError } from '../../../helpers/expect-error.js';

function fakeSend(status: number, body: string | Buffer, headers: Record<string, string> = {}) {
  const seen: HttpRequest[] = [];
  const send = async (req: HttpRequest): Promise<HttpResponse> => {
    seen.push(req);
    return {
      status,
      headers: { 'content-type': 'application/json', ...headers },
      body: Readable.from([Buffer.from(body)]),
      url: req.url,
      crossOrigin: false,
    };
  };
  return { send, seen };
}

const scopes = [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }];
const challenge = { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } };

describe('bearer tokens', () => {
  test('GET realm with service, scope, account and Basic credentials', async () => {
    const { send, seen } = fakeSend(200, JSON.stringify({ token: 'T1', expires_in: 300 }));
    const t0 = Date.now();
    const t = await requestBearerToken({
      send,
      challenge,
      scopes,
      credentials: { username: 'u', password: 'p:w' },
      allowHttp: false,
      where: 'reg/a/b',
    });
    assert.equal(t.token, 'T1');
    assert.ok(t.expiresAt >= t0 + 300_000);
    const u = seen[0]!.url;
    assert.equal(seen[0]!.method, 'GET');
    assert.equal(u.origin + u.pathname, 'https://auth.example/token');
    assert.equal(u.searchParams.get('service'), 'reg');
    assert.deepEqual(u.searchParams.getAll('scope'), ['repository:a/b:pull,push']);
    assert.equal(u.searchParams.get('account'), 'u');
    assert.equal(seen[0]!.headers!['authorization'], 'Basic ' + Buffer.from('u:p:w').toString('base64'));
  });

  test('anonymous: no Authorization, no account', async () => {
    const { send, seen } = fakeSend(200, JSON.stringify({ access_token: 'A' }));
    const t = await requestBearerToken({ send, challenge, scopes, allowHttp: false, where: 'x' });
    assert.equal(t.token, 'A');
    assert.equal(t.lifetimeMs, 60_000, 'default lifetime 60 s');
    assert.equal(seen[0]!.headers!['authorization'], undefined);
    assert.equal(seen[0]!.url.searchParams.get('account'), null);
  });

  test('identity token: OAuth2 refresh_token grant by POST', async () => {
    const { send, seen } = fakeSend(200, JSON.stringify({ access_token: 'OA', expires_in: 10 }));
    const t = await requestBearerToken({
      send,
      challenge,
      scopes: [...scopes, { type: 'repository', name: 'c', actions: ['pull'] }],
      credentials: { identityToken: 'refresh-me' },
      allowHttp: false,
      where: 'x',
    });
    assert.equal(t.token, 'OA');
    assert.equal(t.lifetimeMs, 60_000, 'expires_in below 60 s is raised to 60 s');
    const req = seen[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.headers!['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(req.headers!['authorization'], undefined);
    const form = new URLSearchParams((req.body as Buffer).toString());
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), 'refresh-me');
    assert.equal(form.get('service'), 'reg');
    assert.equal(form.get('client_id'), 'berth');
    assert.equal(form.get('scope'), 'repository:a/b:pull,push repository:c:pull');
  });

  test('refusals and bad answers are clear errors', async () => {
    await assert.rejects(
      requestBearerToken({
        ...fakeSend(401, '{"errors":[{"code":"UNAUTHORIZED","message":"bad"}]}'),
        challenge,
        scopes,
        credentials: { username: 'u', password: 'p' },
        allowHttp: false,
        where: 'reg/a/b',
      }),
      (e) =>
        isBerthError(e, 'UNAUTHORIZED') &&
        e.message.includes('reg/a/b') &&
        e.message.includes('auth.example') &&
        !e.message.includes('"p"'),
    );
    await assert.rejects(
      requestBearerToken({ ...fakeSend(500, 'oops'), challenge, scopes, allowHttp: false, where: 'x' }),
      expectError('REGISTRY_ERROR'),
    );
    await assert.rejects(
      requestBearerToken({ ...fakeSend(200, '{}'), challenge, scopes, allowHttp: false, where: 'x' }),
      expectError('UNAUTHORIZED', /no token/),
    );
    await assert.rejects(
      requestBearerToken({ ...fakeSend(200, 'not json'), challenge, scopes, allowHttp: false, where: 'x' }),
      expectError('UNAUTHORIZED'),
    );
    await assert.rejects(
      requestBearerToken({
        ...fakeSend(200, JSON.stringify({ token: 'a\r\nX-Evil: 1' })),
        challenge,
        scopes,
        allowHttp: false,
        where: 'x',
      }),
      expectError('UNAUTHORIZED', /invalid characters/),
    );
    const huge = Buffer.alloc((1 << 20) + 10, 0x61);
    await assert.rejects(
      requestBearerToken({ ...fakeSend(200, huge), challenge, scopes, allowHttp: false, where: 'x' }),
      expectError('TOO_LARGE'),
    );
    await assert.rejects(
      requestBearerToken({
        ...fakeSend(200, huge, { 'content-length': String(huge.length) }),
        challenge,
        scopes,
        allowHttp: false,
        where: 'x',
      }),
      expectError('TOO_LARGE'),
    );
  });

  test('realm checks: missing, bad scheme, embedded credentials, http with credentials', async () => {
    const { send } = fakeSend(200, '{"token":"x"}');
    const p = (realm: string | undefined, creds?: { username: string; password: string }, allowHttp = false) =>
      requestBearerToken({
        send,
        challenge: { scheme: 'bearer', params: realm === undefined ? {} : { realm } },
        scopes,
        credentials: creds,
        allowHttp,
        where: 'x',
      });
    await assert.rejects(p(undefined), expectError('UNAUTHORIZED', /no realm/));
    await assert.rejects(p('file:///etc/passwd'), expectError('UNAUTHORIZED'));
    await assert.rejects(p('https://user:pw@auth.example/t'), expectError('UNAUTHORIZED'));
    await assert.rejects(p('http://auth.example/t', { username: 'u', password: 'p' }), expectError('UNAUTHORIZED', /plain-http/));
    assert.equal((await p('http://auth.example/t')).token, 'x', 'anonymous over http is fine');
    assert.equal((await p('http://auth.example/t', { username: 'u', password: 'p' }, true)).token, 'x', 'insecure registries may');
  });

  test('parseTokenResponse prefers token over access_token', () => {
    assert.equal(parseTokenResponse(Buffer.from('{"token":"a","access_token":"b"}'), 0, 'w').token, 'a');
    assert.equal(parseTokenResponse(Buffer.from('{"token":"","access_token":"b"}'), 0, 'w').token, 'b');
    assert.equal(parseTokenResponse(Buffer.from('{"token":"a","expires_in":"999"}'), 0, 'w').lifetimeMs, 60_000);
  });
});

describe('TokenCache', () => {
  test('caches per scope set, shares in-flight fetches, refreshes before expiry', async () => {
    const cache = new TokenCache();
    let fetches = 0;
    const mk =
      (lifetimeMs: number, expiresAt = Date.now() + lifetimeMs) =>
      async (): Promise<BearerToken> => {
        fetches++;
        await new Promise((r) => setTimeout(r, 5));
        return { token: `t${fetches}`, expiresAt, lifetimeMs };
      };
    const a = [{ type: 'repository', name: 'a', actions: ['pull'] }];
    const [t1, t2] = await Promise.all([cache.get(a, mk(300_000)), cache.get(a, mk(300_000))]);
    assert.equal(fetches, 1);
    assert.equal(t1, t2);
    assert.equal((await cache.get([{ type: 'repository', name: 'a', actions: ['pull'] }], mk(300_000))).token, 't1');
    assert.equal((await cache.get([{ type: 'repository', name: 'a', actions: ['pull', 'push'] }], mk(300_000))).token, 't2');
    assert.equal(cache.has(a), true);
    cache.invalidate(a);
    assert.equal(cache.has(a), false);
    // fresh until 30 s (or a quarter of the lifetime) before expiry
    const now = 1_000_000;
    assert.equal(TokenCache.fresh({ token: 'x', expiresAt: now + 31_000, lifetimeMs: 300_000 }, now), true);
    assert.equal(TokenCache.fresh({ token: 'x', expiresAt: now + 29_000, lifetimeMs: 300_000 }, now), false);
    assert.equal(TokenCache.fresh({ token: 'x', expiresAt: now + 16_000, lifetimeMs: 60_000 }, now), true);
    assert.equal(TokenCache.fresh({ token: 'x', expiresAt: now + 14_000, lifetimeMs: 60_000 }, now), false);
    // an almost-expired cached token is replaced
    const b = [{ type: 'repository', name: 'b', actions: ['pull'] }];
    await cache.get(b, mk(60_000, Date.now() + 1000));
    const before = fetches;
    await cache.get(b, mk(60_000));
    assert.equal(fetches, before + 1);
  });

  test('a failed fetch is not cached', async () => {
    const cache = new TokenCache();
    const a = [{ type: 'repository', name: 'a', actions: ['pull'] }];
    await assert.rejects(
      cache.get(a, async () => {
        throw new Error('down');
      }),
      /down/,
    );
    assert.equal((await cache.get(a, async () => ({ token: 'ok', expiresAt: Date.now() + 600_000, lifetimeMs: 600_000 }))).token, 'ok');
  });
});
