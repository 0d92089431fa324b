/**
 * Registry misbehaviour, injected by the fault proxy in front of a real registry: dropped
 * connections mid-blob (resume with Range), 5xx and 429 (retries), endless 401 (bounded),
 * tampered blobs (nothing stored), cross-origin redirects (no credentials leak), manifests that
 * do not match their digest or Content-Type, stalled transfers, foreign upload Locations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { copyImage } from '../../src/copy/copy.js';
import { isBerthError } from '../../src/errors.js';
import type { Store } from '../../src/store/store.js';
import { LocalDestination, LocalRef } from '../../src/transports/local/local.js';
import {
  DockerDestination,
  DockerSource,
  RegistryClient,
  parseDockerRef,
  type DockerTransportOptions,
  type RetryEvent,
} from '../../src/transports/docker/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startEchoServer, startFaultProxy, type EchoServer, type FaultProxy } from '../helpers/fault-proxy.js';
import { MemorySource, bigLayer, buildImage, scratchStore, sha256, storeSnapshot, type TestImage } from './docker-fixtures.js';
import { expectError } from '../helpers/expect-error.js';

const skipRegistry = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const FAST = {
  insecure: true,
  retry: { max: 3, delayMs: 10, maxDelayMs: 2000 },
  resume: { delayMs: 10 },
  timeoutMs: 10_000,
} satisfies DockerTransportOptions;

async function push(img: TestImage, host: string, repoTag: string, opts: DockerTransportOptions = {}) {
  const dest = new DockerDestination(parseDockerRef(`//${host}/${repoTag}`), { ...FAST, ...opts });
  try {
    return await copyImage(new MemorySource(img), dest);
  } finally {
    await dest.close();
  }
}

/** Pull into `store` (a fresh scratch store when not given). */
async function pull(host: string, ref: string, opts: DockerTransportOptions = {}, store?: Store) {
  const s = store ? undefined : await scratchStore();
  const st = store ?? s!.store;
  const src = new DockerSource(parseDockerRef(`//${host}/${ref}`), { ...FAST, ...opts });
  const dest = new LocalDestination(new LocalRef(st, undefined, [`${host}/${ref}`]));
  try {
    return await copyImage(src, dest);
  } finally {
    await dest.close();
    await src.close();
    await s?.cleanup();
  }
}

/** Path (no query) of a recorded request. */
const rpath = (q: { url: string }) => q.url.split('?')[0]!;
const isGet = (path: string) => (r: { method: string; path: string }) => r.method === 'GET' && r.path === path;

describe('registry faults (plain registry behind the fault proxy)', { skip: skipRegistry }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let echo: EchoServer;
  let big: TestImage;
  let small: TestImage;
  let bigLayerPath: string;
  let manifestPath: string;
  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    echo = await startEchoServer();
    big = buildImage({ layers: [bigLayer(3 << 20)], label: 'big' });
    small = buildImage({ label: 'small' });
    await push(big, reg.host, 'faults/big:v1');
    await push(small, reg.host, 'faults/small:v1');
    bigLayerPath = `/v2/faults/big/blobs/${big.layers[0]!.digest}`;
    manifestPath = '/v2/faults/small/manifests/v1';
  });
  after(async () => {
    await proxy?.stop();
    await echo?.stop();
    await reg?.stop();
  });
  const reset = () => {
    proxy.clearRules();
    proxy.requests.length = 0;
    echo.requests.length = 0;
  };

  test('connection reset mid-blob: the pull resumes with Range and succeeds', async () => {
    reset();
    proxy.addRule({ match: isGet(bigLayerPath), times: 1, action: { type: 'reset-mid-body', afterBytes: 1536 * 1024 } });
    const resumed: RetryEvent[] = [];
    const r = await pull(proxy.host, 'faults/big:v1', { onRetry: (e) => resumed.push(e) });
    assert.equal(r.manifestDigest, big.manifestDigest);
    const gets = proxy.requests.filter((q) => q.method === 'GET' && rpath(q) === bigLayerPath);
    assert.equal(gets.length, 2);
    assert.equal(gets[0]!.headers['range'], undefined);
    assert.equal(gets[1]!.headers['range'], `bytes=${1536 * 1024}-`);
    assert.equal(gets[1]!.status, 206);
    assert.equal(resumed.length, 1);
    assert.match(resumed[0]!.what, /resuming blob/);
  });

  test('resume answered with 200 (Range ignored): restarts and skips what was delivered', async () => {
    reset();
    proxy.addRule({ match: isGet(bigLayerPath), times: 1, action: { type: 'reset-mid-body', afterBytes: 1200 * 1024 } });
    proxy.addRule({ match: (q) => isGet(bigLayerPath)(q) && q.headers['range'] !== undefined, times: 1, action: { type: 'ignore-range' } });
    const r = await pull(proxy.host, 'faults/big:v1');
    assert.equal(r.manifestDigest, big.manifestDigest);
    const gets = proxy.requests.filter((q) => q.method === 'GET' && rpath(q) === bigLayerPath);
    assert.deepEqual(
      gets.map((q) => q.status),
      [200, 200],
    );
  });

  test('resume with a wrong Content-Range is refused; nothing is stored', async () => {
    reset();
    const s = await scratchStore();
    try {
      const snap = storeSnapshot(s.store);
      proxy.addRule({ match: isGet(bigLayerPath), times: 1, action: { type: 'reset-mid-body', afterBytes: 1200 * 1024 } });
      proxy.addRule({
        match: (q) => isGet(bigLayerPath)(q) && q.headers['range'] !== undefined,
        times: 1,
        action: {
          type: 'custom',
          handle: (_req, res) => {
            res.writeHead(206, { 'content-range': 'bytes 0-9/100', 'content-length': '10' });
            res.end(Buffer.alloc(10));
          },
        },
      });
      await assert.rejects(pull(proxy.host, 'faults/big:v1', {}, s.store), expectError('NETWORK', /Content-Range/));
      assert.deepEqual(storeSnapshot(s.store), snap);
    } finally {
      await s.cleanup();
    }
  });

  test('a drop before 1 MiB of progress is not resumed (as containers/image): clear NETWORK error', async () => {
    reset();
    proxy.addRule({ match: isGet(bigLayerPath), times: 1, action: { type: 'reset-mid-body', afterBytes: 1000 } });
    await assert.rejects(
      pull(proxy.host, 'faults/big:v1'),
      (e) =>
        isBerthError(e, 'NETWORK') && /connection lost at byte 1000 of \d+/.test(e.message) && e.message.includes(big.layers[0]!.digest),
    );
    assert.equal(proxy.requests.filter((q) => rpath(q) === bigLayerPath).length, 1);
  });

  test('503 twice, then success', async () => {
    reset();
    const rule = proxy.addRule({ match: isGet(manifestPath), times: 2, action: { type: 'status', status: 503, body: 'busy' } });
    const retries: RetryEvent[] = [];
    const r = await pull(proxy.host, 'faults/small:v1', { onRetry: (e) => retries.push(e) });
    assert.equal(r.manifestDigest, small.manifestDigest);
    assert.equal(rule.hits, 2);
    assert.equal(proxy.requests.filter((q) => rpath(q) === manifestPath).length, 3);
    assert.deepEqual(
      retries.map((e) => e.reason),
      ['HTTP 503', 'HTTP 503'],
    );
  });

  test('429 with Retry-After is honoured (and capped by retry.maxDelayMs)', async () => {
    reset();
    proxy.addRule({ match: isGet(manifestPath), times: 1, action: { type: 'status', status: 429, headers: { 'retry-after': '1' } } });
    const t0 = Date.now();
    const r = await pull(proxy.host, 'faults/small:v1');
    const elapsed = Date.now() - t0;
    assert.equal(r.manifestDigest, small.manifestDigest);
    assert.ok(elapsed >= 950, `waited ${elapsed} ms`);

    reset();
    proxy.addRule({ match: isGet(manifestPath), times: 1, action: { type: 'status', status: 429, headers: { 'retry-after': '3600' } } });
    const t1 = Date.now();
    await pull(proxy.host, 'faults/small:v1', { retry: { max: 2, delayMs: 10, maxDelayMs: 50 } });
    assert.ok(Date.now() - t1 < 3000);
  });

  test('endless 429/503 gives up after retry.max; 500, 400, 403 and 404 are never retried', async () => {
    reset();
    proxy.addRule({ match: isGet(manifestPath), action: { type: 'status', status: 503 } });
    await assert.rejects(pull(proxy.host, 'faults/small:v1', { retry: { max: 2, delayMs: 5 } }), expectError('REGISTRY_ERROR', /503/));
    assert.equal(proxy.requests.filter((q) => rpath(q) === manifestPath).length, 3);
    for (const [status, code] of [
      [500, 'REGISTRY_ERROR'],
      [400, 'REGISTRY_ERROR'],
      [403, 'UNAUTHORIZED'],
      [404, 'IMAGE_NOT_FOUND'],
    ] as const) {
      reset();
      proxy.addRule({
        match: isGet(manifestPath),
        action: {
          type: 'status',
          status,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ errors: [{ code: 'SOMETHING', message: 'went \u001b[31mwrong' }] }),
        },
      });
      await assert.rejects(
        pull(proxy.host, 'faults/small:v1'),
        (e) => isBerthError(e, code) && e.message.includes('faults/small') && !e.message.includes('\u001b'),
      );
      assert.equal(proxy.requests.filter((q) => rpath(q) === manifestPath).length, 1, `status ${status}`);
    }
  });

  test('a reset before any response is retried; a streamed upload body is never resent', async () => {
    reset();
    proxy.addRule({ match: isGet(manifestPath), times: 1, action: { type: 'reset' } });
    const r = await pull(proxy.host, 'faults/small:v1');
    assert.equal(r.manifestDigest, small.manifestDigest);

    reset();
    proxy.addRule({ match: (q) => q.method === 'PUT' && q.path.includes('/blobs/uploads/'), action: { type: 'status', status: 503 } });
    await assert.rejects(push(buildImage({ label: 'noretry' }), proxy.host, 'faults/noretry:v1'), expectError('REGISTRY_ERROR', /503/));
    // each upload session (a layer's, and the config's, which goes beside the layers) gets one PUT
    const puts = proxy.requests.filter((q) => q.method === 'PUT' && rpath(q).includes('/blobs/uploads/')).map(rpath);
    assert.ok(puts.length >= 1 && puts.length <= 2, puts.join(' '));
    assert.equal(new Set(puts).size, puts.length, `an upload was sent twice: ${puts.join(' ')}`);
    assert.ok(
      proxy.requests.some((q) => q.method === 'DELETE' && rpath(q).includes('/blobs/uploads/')),
      'the upload session is cancelled',
    );
  });

  test('endless 401: clear UNAUTHORIZED after a bounded number of requests', async () => {
    reset();
    echo.response.status = 200;
    echo.response.headers = { 'content-type': 'application/json' };
    echo.response.body = Buffer.from(JSON.stringify({ token: 'tok-123', expires_in: 300 }));
    proxy.addRule({
      match: (q) => q.path.startsWith('/v2/faults/'),
      action: {
        type: 'status',
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${echo.url}/token",service="fake",scope="repository:faults/small:pull"` },
      },
    });
    await assert.rejects(
      pull(proxy.host, 'faults/small:v1'),
      (e) => isBerthError(e, 'UNAUTHORIZED') && e.message.includes(`${proxy.host}/faults/small`),
    );
    assert.ok(proxy.requests.filter((q) => rpath(q).startsWith('/v2/faults/')).length <= 2, `${proxy.requests.length} requests`);
    assert.equal(echo.requests.length, 1);
    assert.match(echo.requests[0]!.url, /scope=repository%3Afaults%2Fsmall%3Apull/);
    assert.equal(proxy.requests.filter((q) => rpath(q).startsWith('/v2/faults/')).at(-1)!.headers['authorization'], 'Bearer tok-123');

    // insufficient_scope every time: one retry with the merged scope, then stop
    reset();
    proxy.addRule({
      match: (q) => q.path.startsWith('/v2/faults/'),
      action: {
        type: 'status',
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="${echo.url}/token",service="fake",scope="repository:faults/small:pull repository:faults/other:pull",error="insufficient_scope"`,
        },
      },
    });
    await assert.rejects(pull(proxy.host, 'faults/small:v1'), expectError('UNAUTHORIZED'));
    assert.ok(proxy.requests.filter((q) => rpath(q).startsWith('/v2/faults/')).length <= 2);
    assert.ok(echo.requests.length <= 1);

    // Basic: with credentials one authenticated try; without, no retry at all
    reset();
    proxy.addRule({
      match: (q) => q.path.startsWith('/v2/faults/'),
      action: { type: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } },
    });
    await assert.rejects(
      pull(proxy.host, 'faults/small:v1', { credentials: { username: 'u', password: 'p' } }),
      (e) =>
        isBerthError(e, 'UNAUTHORIZED') &&
        !e.message.includes('p@') &&
        e.data?.credentials === true &&
        /credentials/.test(String(e.data?.advice)),
    );
    assert.equal(proxy.requests.filter((q) => rpath(q).startsWith('/v2/faults/')).length, 2);
    reset();
    proxy.addRule({
      match: (q) => q.path.startsWith('/v2/faults/'),
      action: { type: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } },
    });
    await assert.rejects(
      pull(proxy.host, 'faults/small:v1'),
      (e) => isBerthError(e, 'UNAUTHORIZED') && /login/.test(String(e.data?.advice ?? '')),
    );
    assert.equal(proxy.requests.filter((q) => rpath(q).startsWith('/v2/faults/')).length, 1);
  });

  test('tampered blob: DIGEST_MISMATCH and the store is unchanged', async () => {
    const s = await scratchStore();
    try {
      reset();
      await pull(proxy.host, 'faults/small:v1', {}, s.store); // the store holds something already
      const snap = storeSnapshot(s.store);
      assert.equal(snap.images.length, 1);
      proxy.addRule({ match: isGet(bigLayerPath), times: 1, action: { type: 'tamper-body', offset: 4321 } });
      await assert.rejects(
        pull(proxy.host, 'faults/big:v1', {}, s.store),
        (e) => isBerthError(e, 'DIGEST_MISMATCH') && e.message.includes(big.layers[0]!.digest),
      );
      assert.deepEqual(storeSnapshot(s.store), snap);
      // tampered config
      reset();
      proxy.addRule({ match: isGet(`/v2/faults/big/blobs/${big.configDigest}`), times: 1, action: { type: 'tamper-body', offset: 3 } });
      await assert.rejects(pull(proxy.host, 'faults/big:v1', {}, s.store), expectError('DIGEST_MISMATCH'));
      assert.deepEqual(storeSnapshot(s.store), snap);
    } finally {
      await s.cleanup();
    }
  });

  test('blob data altered inside the registry storage: DIGEST_MISMATCH', async () => {
    const img = buildImage({ label: 'rotten' });
    await push(img, reg.host, 'faults/rotten:v1');
    const p = reg.blobPath(img.layers[0]!.digest);
    const data = await fsp.readFile(p);
    data[data.length - 5] = data[data.length - 5]! ^ 1;
    await fsp.writeFile(p, data);
    await assert.rejects(pull(reg.host, 'faults/rotten:v1'), expectError('DIGEST_MISMATCH'));
  });

  test('manifest body not matching the requested digest is refused; by tag, a lying Docker-Content-Digest too', async () => {
    reset();
    proxy.addRule({
      match: (q) => q.method === 'GET' && q.path === `/v2/faults/small/manifests/${small.manifestDigest}`,
      action: {
        type: 'custom',
        handle: (_req, res) => {
          res.writeHead(200, { 'content-type': big.mediaType, 'docker-content-digest': small.manifestDigest });
          res.end(big.manifest);
        },
      },
    });
    await assert.rejects(pull(proxy.host, `faults/small@${small.manifestDigest}`), expectError('DIGEST_MISMATCH', /requested digest/));

    reset();
    proxy.addRule({
      match: isGet(manifestPath),
      action: {
        type: 'custom',
        handle: (_req, res) => {
          res.writeHead(200, { 'content-type': big.mediaType, 'docker-content-digest': small.manifestDigest });
          res.end(big.manifest);
        },
      },
    });
    await assert.rejects(pull(proxy.host, 'faults/small:v1'), expectError('DIGEST_MISMATCH', /Docker-Content-Digest/));
  });

  test('Content-Type: text/plain is not trusted; a declared type contradicting the body is refused', async () => {
    const serve = (ct: string, body: Buffer) => {
      reset();
      proxy.addRule({
        match: isGet(manifestPath),
        action: {
          type: 'custom',
          handle: (_req, res) => {
            res.writeHead(200, { 'content-type': ct });
            res.end(body);
          },
        },
      });
    };
    serve('text/plain; charset=utf-8', small.manifest);
    const ok = await pull(proxy.host, 'faults/small:v1');
    assert.equal(ok.manifestDigest, small.manifestDigest);
    assert.equal(ok.manifestMediaType, 'application/vnd.oci.image.manifest.v1+json');

    serve('application/vnd.docker.distribution.manifest.v2+json', small.manifest);
    await assert.rejects(pull(proxy.host, 'faults/small:v1'), expectError('INVALID_MANIFEST', /does not match the declared type/));

    const doc = JSON.parse(small.manifest.toString()) as Record<string, unknown>;
    serve('text/plain', Buffer.from(JSON.stringify({ ...doc, manifests: [] })));
    await assert.rejects(pull(proxy.host, 'faults/small:v1'), expectError('INVALID_MANIFEST', /ambiguous/));

    serve('application/vnd.oci.image.index.v1+json', small.manifest);
    await assert.rejects(pull(proxy.host, 'faults/small:v1'), expectError('INVALID_MANIFEST'));
  });

  test('a 1 byte/s drip trips the idle timeout; a slow trickle trips the low-speed limit', async () => {
    reset();
    proxy.addRule({ match: isGet(manifestPath), action: { type: 'drip', bytes: 1, intervalMs: 1000 } });
    const t0 = Date.now();
    await assert.rejects(pull(proxy.host, 'faults/small:v1', { idleTimeoutMs: 300 }), expectError('NETWORK'));
    assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);

    reset();
    proxy.addRule({ match: isGet(bigLayerPath), action: { type: 'drip', bytes: 100, intervalMs: 20 } });
    const t1 = Date.now();
    await assert.rejects(
      pull(proxy.host, 'faults/big:v1', { lowSpeed: { bytesPerSecond: 50_000, windowMs: 400 } }),
      expectError('NETWORK', /stalled/),
    );
    assert.ok(Date.now() - t1 < 5000, `${Date.now() - t1} ms`);
  });

  test('redirect loops are bounded', async () => {
    reset();
    proxy.addRule({ match: isGet(bigLayerPath), action: { type: 'redirect', location: `${proxy.url}${bigLayerPath}?again` } });
    proxy.addRule({ match: (q) => q.path === bigLayerPath, action: { type: 'redirect', location: `${proxy.url}${bigLayerPath}` } });
    await assert.rejects(pull(proxy.host, 'faults/big:v1', { maxRedirects: 5 }), expectError('REGISTRY_ERROR', /too many redirects/));
    assert.ok(proxy.requests.filter((q) => rpath(q) === bigLayerPath).length <= 6);
  });
});

describe('credentials never leave the registry origin', { skip: skipRegistry }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let echo: EchoServer;
  let img: TestImage;
  const creds = { username: 'carol', password: 'hunter2' };
  before(async () => {
    reg = await startRegistry({ htpasswd: { user: 'carol', password: 'hunter2' } });
    proxy = await startFaultProxy(reg.url);
    echo = await startEchoServer();
    img = buildImage({ label: 'redirect' });
    await push(img, reg.host, 'sec/img:v1', { credentials: creds });
  });
  after(async () => {
    await proxy?.stop();
    await echo?.stop();
    await reg?.stop();
  });

  test('blob GET redirected to another origin: followed, without Authorization', async () => {
    proxy.requests.length = 0;
    const layer = img.layers[0]!;
    echo.response.status = 200;
    echo.response.body = img.blobs.get(layer.digest)!;
    const path = `/v2/sec/img/blobs/${layer.digest}`;
    proxy.addRule({
      match: isGet(path),
      times: 1,
      action: { type: 'redirect', location: `${echo.url}/storage/${layer.digest.slice(7)}?sig=abc` },
    });
    const r = await pull(proxy.host, 'sec/img:v1', { credentials: creds });
    assert.equal(r.manifestDigest, img.manifestDigest);
    assert.match(String(proxy.requests.find((q) => rpath(q) === path)!.headers['authorization']), /^Basic /);
    assert.equal(echo.requests.length, 1);
    assert.equal(echo.requests[0]!.headers['authorization'], undefined);
    assert.equal(echo.requests[0]!.headers['cookie'], undefined);
    assert.equal(echo.requests[0]!.headers['proxy-authorization'], undefined);
    proxy.clearRules();
  });

  test('a redirect target answering 401 gets no credentials (no auth retry against it)', async () => {
    proxy.requests.length = 0;
    echo.requests.length = 0;
    echo.response.status = 401;
    echo.response.headers = { 'www-authenticate': 'Basic realm="evil"' };
    echo.response.body = Buffer.from('give me your password');
    const layer = img.layers[0]!;
    proxy.addRule({ match: isGet(`/v2/sec/img/blobs/${layer.digest}`), action: { type: 'redirect', location: `${echo.url}/steal` } });
    await assert.rejects(
      pull(proxy.host, 'sec/img:v1', { credentials: creds }),
      (e) => isBerthError(e, 'UNAUTHORIZED') || isBerthError(e, 'REGISTRY_ERROR'),
    );
    assert.equal(echo.requests.length, 1);
    assert.equal(echo.requests[0]!.headers['authorization'], undefined);
    proxy.clearRules();
  });

  test('an upload Location on another host gets no credentials', async () => {
    proxy.requests.length = 0;
    echo.requests.length = 0;
    echo.response.status = 202;
    echo.response.headers = {};
    echo.response.body = Buffer.alloc(0);
    proxy.addRule({
      match: (q) => q.method === 'POST' && q.path.endsWith('/blobs/uploads/'),
      action: { type: 'status', status: 202, headers: { location: `${echo.url}/upload/session-1?_state=x` } },
    });
    await assert.rejects(
      push(buildImage({ label: 'loc' }), proxy.host, 'sec/loc:v1', { credentials: creds }),
      expectError('REGISTRY_ERROR'),
    );
    assert.ok(echo.requests.length >= 1);
    assert.ok(echo.requests.every((q) => q.headers['authorization'] === undefined));
    assert.match(echo.requests[0]!.url, /^\/upload\/session-1\?_state=x&digest=sha256%3A[0-9a-f]{64}$/);
    proxy.clearRules();
  });

  test('foreign-URL layers are fetched with no credentials at all', async () => {
    echo.requests.length = 0;
    const payload = Buffer.from('foreign layer bytes');
    echo.response.status = 200;
    echo.response.headers = {};
    echo.response.body = payload;
    const src = new DockerSource(parseDockerRef(`//${proxy.host}/sec/img:v1`), { ...FAST, credentials: creds });
    try {
      const desc = {
        mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
        digest: sha256(payload),
        size: payload.length,
        urls: ['ftp://nope/x', `${echo.url}/layers/abc`],
      };
      const got = await src.getBlob(desc);
      const chunks: Buffer[] = [];
      for await (const ch of got.stream as AsyncIterable<Buffer>) chunks.push(ch);
      assert.deepEqual(Buffer.concat(chunks), payload);
      assert.equal(echo.requests.length, 1);
      assert.equal(echo.requests[0]!.headers['authorization'], undefined);
      // a URL answering 401 with a challenge gets nothing either
      echo.response.status = 401;
      echo.response.headers = { 'www-authenticate': 'Basic realm="phish"' };
      await assert.rejects(src.getBlob(desc), expectError('NETWORK', /none of its 2 URL/));
      assert.equal(echo.requests.length, 2);
      assert.equal(echo.requests[1]!.headers['authorization'], undefined);
    } finally {
      await src.close();
    }
  });

  test('a registry client on its own: credentials only on the registry origin', async () => {
    const c = new RegistryClient({ host: proxy.host, insecure: true, credentials: creds });
    try {
      const m = await c.getManifest('sec/img', 'v1');
      assert.equal(m.digest, img.manifestDigest);
    } finally {
      await c.close();
    }
  });
});
