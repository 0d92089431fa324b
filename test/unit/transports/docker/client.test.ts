/**
 * RegistryClient and HttpTransport against small in-process HTTP servers on 127.0.0.1:
 * auth flows the real registry cannot show (identity tokens, insufficient_scope), redirect
 * header hygiene, caps.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { isBerthError } from '../../../../src/errors.js';
import { HttpTransport } from '../../../../src/transports/docker/http.js';
import { discard } from '../../../../src/transports/docker/body.js';
import { MANIFEST_ACCEPT, RegistryClient } from '../../../../src/transports/docker/client.js';
import { expectError } from '../../../helpers/expect-error.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
interface Srv {
  url: string;
  host: string;
  reqs: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  handle: Handler;
  close(): Promise<void>;
}

async function server(handle: Handler): Promise<Srv> {
  const s: Srv = { url: '', host: '', reqs: [], handle, close: async () => {} };
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      s.reqs.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      s.handle(req, res, body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  s.host = `127.0.0.1:${port}`;
  s.url = `http://${s.host}`;
  s.close = () =>
    new Promise((r) => {
      srv.close(() => r());
      srv.closeAllConnections();
    });
  return s;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + 'c'.repeat(64), size: 2 },
    layers: [],
  }),
);
const FAST = { insecure: true, retry: { max: 2, delayMs: 5, maxDelayMs: 50 }, timeoutMs: 5000 };

describe('HttpTransport redirects', () => {
  let a: Srv;
  let b: Srv;
  before(async () => {
    b = await server((_req, res) => {
      res.writeHead(200);
      res.end('from b');
    });
    a = await server((req, res) => {
      if (req.url === '/same') {
        res.writeHead(302, { location: '/final' });
        res.end();
        return;
      }
      if (req.url === '/final') {
        res.writeHead(200);
        res.end('final');
        return;
      }
      if (req.url === '/cross') {
        res.writeHead(307, { location: `${b.url}/x` });
        res.end();
        return;
      }
      if (req.url === '/bounce') {
        res.writeHead(307, { location: `${b.url}/bounce-back` });
        res.end();
        return;
      }
      if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      }
      if (req.url === '/post303') {
        res.writeHead(303, { location: '/final' });
        res.end();
        return;
      }
      if (req.url === '/put307') {
        res.writeHead(307, { location: '/final' });
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
    b.handle = (req, res) => {
      if (req.url === '/bounce-back') {
        res.writeHead(307, { location: `${a.url}/final` });
        res.end();
        return;
      }
      res.writeHead(200);
      res.end('from b');
    };
  });
  after(async () => {
    await a.close();
    await b.close();
  });
  const t = () => new HttpTransport({ allowHttp: true, timeoutMs: 2000, idleTimeoutMs: 2000, maxRedirects: 3, userAgent: 'test' });
  const secret = { authorization: 'Bearer secret', cookie: 'c=1', 'proxy-authorization': 'Basic x', 'x-other': 'kept' };

  test('same-origin redirects keep credentials', async () => {
    const tr = t();
    a.reqs.length = 0;
    const r = await tr.send({ method: 'GET', url: new URL(`${a.url}/same`), headers: secret });
    assert.equal(r.status, 200);
    assert.equal(r.crossOrigin, false);
    assert.equal(a.reqs[1]!.headers['authorization'], 'Bearer secret');
    await discard(r);
    await tr.close();
  });

  test('another origin (port) never gets Authorization, Cookie or Proxy-Authorization, even when bounced back', async () => {
    const tr = t();
    b.reqs.length = 0;
    a.reqs.length = 0;
    const r = await tr.send({ method: 'GET', url: new URL(`${a.url}/cross`), headers: secret });
    assert.equal(r.status, 200);
    assert.equal(r.crossOrigin, true);
    assert.equal(r.url.origin, b.url);
    const got = b.reqs[0]!.headers;
    assert.equal(got['authorization'], undefined);
    assert.equal(got['cookie'], undefined);
    assert.equal(got['proxy-authorization'], undefined);
    assert.equal(got['x-other'], 'kept');
    await discard(r);
    const back = await tr.send({ method: 'GET', url: new URL(`${a.url}/bounce`), headers: secret });
    assert.equal(back.status, 200);
    assert.equal(a.reqs.at(-1)!.url, '/final');
    assert.equal(a.reqs.at(-1)!.headers['authorization'], undefined, 'dropped credentials stay dropped');
    await discard(back);
    await tr.close();
  });

  test('bounded hops; 303 turns POST into GET; a streamed body is not resent', async () => {
    const tr = t();
    await assert.rejects(
      tr.send({ method: 'GET', url: new URL(`${a.url}/loop`) }),
      expectError('REGISTRY_ERROR', /too many redirects \(3\)/),
    );
    a.reqs.length = 0;
    const r = await tr.send({
      method: 'POST',
      url: new URL(`${a.url}/post303`),
      body: Buffer.from('x'),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(r.status, 200);
    assert.equal(a.reqs[1]!.method, 'GET');
    await discard(r);
    const buf = await tr.send({ method: 'PUT', url: new URL(`${a.url}/put307`), body: Buffer.from('again') });
    assert.equal(buf.status, 200);
    assert.equal(a.reqs.at(-1)!.body.toString(), 'again');
    await discard(buf);
    await assert.rejects(
      tr.send({ method: 'PUT', url: new URL(`${a.url}/put307`), body: Readable.from([Buffer.from('once')]) }),
      expectError('REGISTRY_ERROR'),
    );
    await tr.close();
  });

  test('plain http only when allowed', async () => {
    const tr = new HttpTransport({ timeoutMs: 1000, idleTimeoutMs: 1000, maxRedirects: 3, userAgent: 'x' });
    await assert.rejects(tr.send({ method: 'GET', url: new URL(`${a.url}/final`) }), expectError('INVALID_ARGUMENT'));
    await assert.rejects(tr.send({ method: 'GET', url: new URL('ftp://127.0.0.1/x') }), expectError('INVALID_ARGUMENT'));
    await tr.close();
  });
});

describe('RegistryClient auth flows', () => {
  let reg: Srv;
  let auth: Srv;
  /** scopes granted per token */
  const granted = new Map<string, string[]>();
  let tokenSeq = 0;
  before(async () => {
    auth = await server((req, res, body) => {
      let scopes: string[];
      if (req.method === 'POST') {
        const form = new URLSearchParams(body.toString());
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'id-token') {
          res.writeHead(401);
          res.end();
          return;
        }
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      } else {
        scopes = new URL(req.url!, 'http://x').searchParams.getAll('scope');
      }
      const token = `tok${++tokenSeq}`;
      granted.set(token, scopes);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.method === 'POST' ? { access_token: token, expires_in: 600 } : { token, expires_in: 600 }));
    });
    reg = await server((req, res) => {
      const challenge = `Bearer realm="${auth.url}/token",service="fake"`;
      if (req.url === '/v2/') {
        res.writeHead(401, { 'www-authenticate': challenge });
        res.end();
        return;
      }
      const tok = /^Bearer (.*)$/.exec(req.headers['authorization'] ?? '')?.[1];
      const scopes = tok ? granted.get(tok) : undefined;
      if (!scopes) {
        res.writeHead(401, { 'www-authenticate': challenge });
        res.end();
        return;
      }
      const m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(req.url!);
      if (m) {
        // the "needs-two" repository wants pull on another repository too
        const need = m[1] === 'needs/two' ? ['repository:needs/two:pull', 'repository:other/repo:pull'] : [`repository:${m[1]}:pull`];
        if (!need.every((n) => scopes.includes(n))) {
          res.writeHead(401, { 'www-authenticate': `${challenge},scope="${need.join(' ')}",error="insufficient_scope"` });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': 'garbage' });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST);
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  after(async () => {
    await reg.close();
    await auth.close();
  });

  test('identity token: OAuth2 refresh grant, then Bearer; the full Accept list is sent', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST, credentials: { identityToken: 'id-token' } });
    try {
      auth.reqs.length = 0;
      const m = await c.getManifest('lib/app', 'v1');
      assert.equal(m.digest, sha(MANIFEST), 'malformed Docker-Content-Digest is ignored');
      assert.equal(auth.reqs.length, 1);
      assert.equal(auth.reqs[0]!.method, 'POST');
      const get = reg.reqs.filter((r) => r.url === '/v2/lib/app/manifests/v1').at(-1)!;
      assert.equal(get.headers['accept'], MANIFEST_ACCEPT);
      for (const t of [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'application/vnd.docker.distribution.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.index.v1+json',
      ]) {
        assert.ok(MANIFEST_ACCEPT.includes(t), t);
      }
    } finally {
      await c.close();
    }
    const bad = new RegistryClient({ host: reg.host, ...FAST, credentials: { identityToken: 'wrong' } });
    try {
      await assert.rejects(bad.getManifest('lib/app', 'v1'), (e) => isBerthError(e, 'UNAUTHORIZED') && !e.message.includes('wrong'));
    } finally {
      await bad.close();
    }
  });

  test('one token for many concurrent requests on the same scope', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST });
    try {
      auth.reqs.length = 0;
      await Promise.all(Array.from({ length: 8 }, () => c.headManifest('lib/app', 'v1')));
      assert.equal(auth.reqs.length, 1);
    } finally {
      await c.close();
    }
  });

  test('401 insufficient_scope: one retry with the scope the registry asks for', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST });
    try {
      auth.reqs.length = 0;
      const m = await c.getManifest('needs/two', 'v1');
      assert.equal(m.digest, sha(MANIFEST));
      assert.equal(auth.reqs.length, 2);
      assert.deepEqual(new URL(auth.reqs[1]!.url, 'http://x').searchParams.getAll('scope'), [
        'repository:needs/two:pull',
        'repository:other/repo:pull',
      ]);
    } finally {
      await c.close();
    }
  });
});

describe('RegistryClient caps and checks', () => {
  let reg: Srv;
  let mode = '';
  before(async () => {
    reg = await server((req, res) => {
      if (req.url === '/v2/') {
        res.writeHead(200);
        res.end();
        return;
      }
      if (mode === 'huge-cl') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String((4 << 20) + 1) });
        res.end();
        return;
      }
      if (mode === 'huge-chunked') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        const chunk = Buffer.alloc(1 << 20, 0x20);
        for (let i = 0; i < 5; i++) res.write(chunk);
        res.end();
        return;
      }
      if (mode === 'no-challenge') {
        res.writeHead(401);
        res.end();
        return;
      }
      if (mode === 'flaky' && reg.reqs.filter((r) => r.url !== '/v2/').length < 2) {
        res.writeHead(502);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(MANIFEST);
    });
  });
  after(async () => {
    await reg.close();
  });

  test('manifests over 4 MiB are refused, with or without Content-Length', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST });
    try {
      mode = 'huge-cl';
      await assert.rejects(c.getManifest('a/b', 'v1'), expectError('TOO_LARGE'));
      mode = 'huge-chunked';
      await assert.rejects(c.getManifest('a/b', 'v1'), expectError('TOO_LARGE'));
    } finally {
      await c.close();
    }
  });

  test('a 401 without a challenge fails at once', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST });
    try {
      mode = 'no-challenge';
      reg.reqs.length = 0;
      await assert.rejects(c.getManifest('a/b', 'v1'), expectError('UNAUTHORIZED'));
      assert.equal(reg.reqs.filter((r) => r.url.includes('/manifests/')).length, 1);
    } finally {
      await c.close();
    }
  });

  test('502 is retried; by-digest requests verify the body', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST });
    try {
      mode = 'flaky';
      reg.reqs.length = 0;
      assert.equal((await c.getManifest('a/b', 'v1')).digest, sha(MANIFEST));
      mode = '';
      assert.equal((await c.getManifest('a/b', sha(MANIFEST))).digest, sha(MANIFEST));
      await assert.rejects(c.getManifest('a/b', 'sha256:' + 'e'.repeat(64)), expectError('DIGEST_MISMATCH'));
      await assert.rejects(c.getManifest('a/b', 'sha256:E' + 'e'.repeat(63)), expectError('INVALID_DIGEST'));
      await assert.rejects(c.getManifest('../x', 'v1'), expectError('INVALID_REFERENCE'));
    } finally {
      await c.close();
    }
  });

  test('invalid hosts are rejected before any I/O', () => {
    for (const h of ['', 'a/b', 'user@host', 'host?x', 'a b']) {
      assert.throws(() => new RegistryClient({ host: h }), expectError('INVALID_ARGUMENT'), h);
    }
  });
});

describe('RegistryClient uploads (protocol details)', () => {
  let reg: Srv;
  let lie = false;
  before(async () => {
    reg = await server((req, res, body) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname === '/v2/') {
        res.writeHead(200);
        res.end();
        return;
      }
      if (req.method === 'POST' && u.pathname === '/v2/a/b/blobs/uploads/') {
        res.writeHead(202, { location: '/v2/a/b/blobs/uploads/u1?_state=s%3D1' });
        res.end();
        return;
      }
      if (req.method === 'PATCH' && u.pathname === '/v2/a/b/blobs/uploads/u1') {
        res.writeHead(202, { location: `/v2/a/b/blobs/uploads/u1-next?_state=after-${body.length}`, range: `0-${body.length - 1}` });
        res.end();
        return;
      }
      if (req.method === 'PUT' && u.pathname.startsWith('/v2/a/b/blobs/uploads/u1')) {
        const d = u.searchParams.get('digest')!;
        res.writeHead(201, { 'docker-content-digest': lie ? 'sha256:' + 'f'.repeat(64) : d, location: `/v2/a/b/blobs/${d}` });
        res.end();
        return;
      }
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  after(async () => {
    await reg.close();
  });

  test('relative Locations, the registry state kept verbatim, digest appended', async () => {
    const c = new RegistryClient({ host: reg.host, ...FAST });
    try {
      const data = Buffer.from('hello');
      reg.reqs.length = 0;
      assert.deepEqual(await c.uploadBlob('a/b', Readable.from([data]), { digest: sha(data) as never, size: 5 }), {
        digest: sha(data),
        size: 5,
      });
      const put = reg.reqs.find((r) => r.method === 'PUT')!;
      assert.equal(put.url, `/v2/a/b/blobs/uploads/u1?_state=s%3D1&digest=${encodeURIComponent(sha(data))}`);
      assert.equal(put.headers['content-length'], '5');
      assert.equal(put.headers['content-type'], 'application/octet-stream');
      assert.equal(put.body.toString(), 'hello');

      // unknown digest: PATCH (chunked, hashed on the way), then PUT on the newest Location
      reg.reqs.length = 0;
      const r = await c.uploadBlob('a/b', Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
      assert.deepEqual(r, { digest: sha(data), size: 5 });
      assert.deepEqual(
        reg.reqs.map((q) => q.method),
        ['POST', 'PATCH', 'PUT'],
      );
      assert.equal(reg.reqs[1]!.body.toString(), 'hello');
      assert.equal(reg.reqs[2]!.url, `/v2/a/b/blobs/uploads/u1-next?_state=after-5&digest=${encodeURIComponent(sha(data))}`);
      assert.equal(reg.reqs[2]!.body.length, 0);

      // known digest, unknown size: PATCH + PUT too, and the digest is checked
      await assert.rejects(
        c.uploadBlob('a/b', Readable.from([data]), { digest: ('sha256:' + '0'.repeat(64)) as never }),
        expectError('DIGEST_MISMATCH'),
      );
      assert.equal(reg.reqs.at(-1)!.method, 'DELETE', 'the session is cancelled');

      // the registry claims to have stored something else
      lie = true;
      await assert.rejects(
        c.uploadBlob('a/b', Readable.from([data]), { digest: sha(data) as never, size: 5 }),
        expectError('REGISTRY_ERROR', /stored/),
      );
      lie = false;
    } finally {
      await c.close();
    }
  });
});
