/**
 * The docker:// transport against a real registry (Debian docker-registry): plain http
 * (insecure), TLS with a test CA, htpasswd Basic auth and Bearer tokens. Images are pushed with
 * the copy engine from an in-memory source and pulled back into a scratch local store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { copyImage } from '../../src/copy/copy.js';
import { isBerthError } from '../../src/errors.js';
import { LocalDestination, LocalRef } from '../../src/transports/local/local.js';
import {
  DockerDestination,
  DockerSource,
  RegistryClient,
  listTags,
  parseDockerRef,
  type DockerTransportOptions,
} from '../../src/transports/docker/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { MemorySource, buildImage, scratchStore, sha256, type TestImage } from './docker-fixtures.js';
import { expectError } from '../helpers/expect-error.js';

const skipRegistry = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const FAST = {
  retry: { max: 2, delayMs: 10, maxDelayMs: 100 },
  resume: { delayMs: 10 },
  timeoutMs: 10_000,
} satisfies DockerTransportOptions;

async function push(img: TestImage, ref: string, opts: DockerTransportOptions & { mountFrom?: string[] } = {}) {
  const dest = new DockerDestination(parseDockerRef(ref.replace(/^docker:/, '')), { ...FAST, ...opts });
  try {
    return await copyImage(new MemorySource(img), dest);
  } finally {
    await dest.close();
  }
}

async function pull(ref: string, opts: DockerTransportOptions = {}) {
  const s = await scratchStore();
  const src = new DockerSource(parseDockerRef(ref.replace(/^docker:/, '')), { ...FAST, ...opts });
  const dest = new LocalDestination(new LocalRef(s.store, undefined, [ref]));
  try {
    const r = await copyImage(src, dest);
    const row = s.store.getImage(r.imageId);
    return { result: r, row, store: s.store };
  } finally {
    await dest.close();
    await src.close();
    await s.cleanup();
  }
}

describe('docker:// over plain http (insecure)', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry();
  });
  after(async () => {
    await reg?.stop();
  });

  test('push with copyImage, then pull back into the local store: same digests', async () => {
    const img = buildImage({ label: 'plain' });
    const pushed = await push(img, `//${reg.host}/berth/plain:v1`, { insecure: true });
    assert.equal(pushed.manifestDigest, img.manifestDigest, 'gzip layers are passed through: manifest unchanged');
    assert.equal(pushed.configDigest, img.configDigest);
    const pulled = await pull(`//${reg.host}/berth/plain:v1`, { insecure: true });
    assert.equal(pulled.result.manifestDigest, img.manifestDigest);
    assert.equal(pulled.result.configDigest, img.configDigest);
    assert.equal(pulled.row?.manifestDigest, img.manifestDigest);
    // pull by digest too
    const byDigest = await pull(`//${reg.host}/berth/plain@${img.manifestDigest}`, { insecure: true });
    assert.equal(byDigest.result.manifestDigest, img.manifestDigest);
  });

  test('uncompressed layers are compressed on push (streamed PATCH upload with computed digest)', async () => {
    const img = buildImage({ layers: [{ files: { 'a.txt': 'aaa\n' } }, { files: { 'b.txt': 'bbb\n' }, gzip: true }], label: 'convert' });
    const pushed = await push(img, `//${reg.host}/berth/convert:v1`, { insecure: true });
    assert.notEqual(pushed.manifestDigest, img.manifestDigest);
    const m = JSON.parse(pushed.manifestBytes.toString()) as { layers: Array<{ mediaType: string; digest: string }> };
    assert.equal(m.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(m.layers[1]!.digest, img.layers[1]!.digest);
    const pulled = await pull(`//${reg.host}/berth/convert:v1`, { insecure: true });
    assert.equal(pulled.result.manifestDigest, pushed.manifestDigest);
    assert.equal(pulled.result.configDigest, img.configDigest);
  });

  test('docker v2s2 images keep their manifest type', async () => {
    const img = buildImage({ flavour: 'docker', label: 'v2s2' });
    const pushed = await push(img, `//${reg.host}/berth/v2s2:latest`, { insecure: true });
    assert.equal(pushed.manifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(pushed.manifestDigest, img.manifestDigest);
    const c = new RegistryClient({ host: reg.host, insecure: true });
    try {
      const m = await c.getManifest('berth/v2s2', 'latest');
      assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(m.digest, img.manifestDigest);
      const head = await c.headManifest('berth/v2s2', 'latest');
      assert.equal(head?.digest, img.manifestDigest);
      assert.equal(await c.headManifest('berth/v2s2', 'nope'), undefined);
    } finally {
      await c.close();
    }
  });

  test('client: blobs HEAD/GET/ranged GET, uploads of unknown size, errors', async () => {
    const c = new RegistryClient({ host: reg.host, insecure: true, ...FAST });
    try {
      const data = Buffer.from('some blob content '.repeat(1000));
      const d = sha256(data);
      assert.equal(await c.blobSize('berth/blobs', d), undefined);
      const up = await c.uploadBlob('berth/blobs', Readable.from([data.subarray(0, 100), data.subarray(100)]));
      assert.deepEqual(up, { digest: d, size: data.length });
      assert.equal(await c.blobSize('berth/blobs', d), data.length);
      const known = Buffer.from('known digest and size');
      assert.deepEqual(await c.uploadBlob('berth/blobs', Readable.from([known]), { digest: sha256(known), size: known.length }), {
        digest: sha256(known),
        size: known.length,
      });
      const got = await c.getBlob('berth/blobs', d);
      assert.equal(got.size, data.length);
      assert.equal(got.offset, 0);
      assert.deepEqual(await readAll(got.stream), data);
      const ranged = await c.getBlob('berth/blobs', d, { offset: 1000 });
      assert.equal(ranged.offset, 1000);
      assert.deepEqual(await readAll(ranged.stream), data.subarray(1000));
      await assert.rejects(
        c.getManifest('berth/blobs', 'missing'),
        expectError('IMAGE_NOT_FOUND', /127\.0\.0\.1:\d+\/berth\/blobs:missing/),
      );
      await assert.rejects(c.getManifest('berth/blobs', '../../etc'), expectError('INVALID_REFERENCE'));
      await assert.rejects(c.getBlob('berth/blobs', 'sha256:../../x' as never), expectError('INVALID_DIGEST'));
      // a wrong digest is refused by the registry and reported
      await assert.rejects(
        c.uploadBlob('berth/blobs', Readable.from([Buffer.from('x')]), { digest: d, size: 1 }),
        expectError('REGISTRY_ERROR', /DIGEST_INVALID|digest/i),
      );
    } finally {
      await c.close();
    }
  });

  test('without insecure, a plain-http registry is not contacted over http', async () => {
    const c = new RegistryClient({ host: reg.host, retry: { max: 0 } });
    try {
      await assert.rejects(c.ping(), expectError('NETWORK'));
    } finally {
      await c.close();
    }
  });

  test('tags list follows Link pagination', async () => {
    // distribution 2.8 ignores ?n=; the proxy paginates the real registry's answer like
    // distribution 3 / other registries do (relative Link with n and last).
    const proxy = await startFaultProxy(reg.url);
    try {
      const img = buildImage({ label: 'tags' });
      await push(img, `//${reg.host}/berth/tags:t0`, { insecure: true });
      const c = new RegistryClient({ host: reg.host, insecure: true, actions: ['pull', 'push'] });
      for (const t of ['t1', 't2', 't3', 't4']) await c.putManifest('berth/tags', t, img.manifest, img.mediaType);
      await c.close();
      proxy.addRule({
        match: (r) => r.path === '/v2/berth/tags/tags/list',
        action: {
          type: 'custom',
          handle: async (req, res) => {
            const all = ((await (await fetch(`${reg.url}/v2/berth/tags/tags/list`)).json()) as { tags: string[] }).tags.sort();
            const u = new URL(req.url!, 'http://x');
            const n = Number(u.searchParams.get('n') ?? 1000);
            const last = u.searchParams.get('last');
            const rest = last ? all.filter((t) => t > last) : all;
            const page = rest.slice(0, n);
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (rest.length > n) headers['link'] = `</v2/berth/tags/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
            res.writeHead(200, headers);
            res.end(JSON.stringify({ name: 'berth/tags', tags: page }));
          },
        },
      });
      proxy.requests.length = 0;
      const tags = await listTags(parseDockerRef(`//${proxy.host}/berth/tags`), { insecure: true, pageSize: 2 });
      assert.deepEqual(tags, ['t0', 't1', 't2', 't3', 't4']);
      const pages = proxy.requests.filter((r) => r.url.includes('/tags/list'));
      assert.deepEqual(
        pages.map((r) => r.url),
        ['/v2/berth/tags/tags/list?n=2', '/v2/berth/tags/tags/list?n=2&last=t1', '/v2/berth/tags/tags/list?n=2&last=t3'],
      );
      assert.deepEqual((await listTags(parseDockerRef(`//${reg.host}/berth/tags`), { insecure: true })).sort(), [
        't0',
        't1',
        't2',
        't3',
        't4',
      ]);
    } finally {
      await proxy.stop();
    }
  });

  test('second push skips existing blobs (HEAD); cross-repository mount when a hint is given', async () => {
    const proxy = await startFaultProxy(reg.url);
    try {
      const img = buildImage({
        label: 'mount',
        layers: [
          { files: { 'one.txt': 'one\n' }, gzip: true },
          { files: { 'two.txt': 'two\n' }, gzip: true },
        ],
      });
      await push(img, `//${proxy.host}/berth/mount-src:v1`, { insecure: true });
      proxy.requests.length = 0;
      await push(img, `//${proxy.host}/berth/mount-src:v2`, { insecure: true });
      assert.equal(
        proxy.requests.filter((r) => r.method === 'POST' || (r.method === 'PUT' && r.url.includes('/blobs/'))).length,
        0,
        'no blob uploads',
      );
      assert.ok(proxy.requests.some((r) => r.method === 'HEAD' && r.url.includes(img.layers[0]!.digest)));

      proxy.requests.length = 0;
      await push(img, `//${proxy.host}/berth/mount-dst:v1`, { insecure: true, mountFrom: ['berth/mount-src'] });
      const mounts = proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('mount='));
      assert.equal(mounts.length, 3, 'two layers and the config mounted');
      assert.ok(
        mounts.every((r) => r.status === 201 && r.url.includes('from=berth%2Fmount-src')),
        JSON.stringify(mounts.map((r) => [r.url, r.status])),
      );
      assert.equal(proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes('/blobs/uploads/')).length, 0, 'nothing uploaded');
      const pulled = await pull(`//${proxy.host}/berth/mount-dst:v1`, { insecure: true });
      assert.equal(pulled.result.manifestDigest, img.manifestDigest);

      // a hint naming a repository without the blob: 202, the session is cancelled, upload proceeds
      const other = buildImage({ label: 'mount-miss' });
      proxy.requests.length = 0;
      await push(other, `//${proxy.host}/berth/mount-miss:v1`, { insecure: true, mountFrom: ['berth/mount-src'] });
      assert.ok(proxy.requests.some((r) => r.method === 'POST' && r.url.includes('mount=') && r.status === 202));
      assert.ok(proxy.requests.some((r) => r.method === 'DELETE' && r.url.includes('/blobs/uploads/')));
      assert.ok(proxy.requests.some((r) => r.method === 'PUT' && r.url.includes('digest=')));
    } finally {
      await proxy.stop();
    }
  });

  test('a source delivering wrong bytes: the upload is aborted and the registry never has the blob', async () => {
    const c = new RegistryClient({ host: reg.host, insecure: true });
    try {
      for (const gzip of [true, false]) {
        const img = buildImage({ layers: [{ files: { 'x.txt': `tampered ${gzip}\n` }, gzip }], label: `tamper-${gzip}` });
        const layer = img.layers[0]!;
        const bytes = Buffer.from(img.blobs.get(layer.digest)!);
        bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
        img.blobs.set(layer.digest, bytes);
        await assert.rejects(
          push(img, `//${reg.host}/berth/tampered:${gzip ? 'gz' : 'raw'}`, { insecure: true }),
          expectError('DIGEST_MISMATCH'),
        );
        assert.equal(await c.blobSize('berth/tampered', layer.digest), undefined);
        assert.equal(await c.headManifest('berth/tampered', gzip ? 'gz' : 'raw'), undefined);
      }
    } finally {
      await c.close();
    }
  });

  test('destination by digest; mismatching digest refused', async () => {
    const img = buildImage({ label: 'bydigest' });
    await push(img, `//${reg.host}/berth/bydigest@${img.manifestDigest}`, { insecure: true });
    const c = new RegistryClient({ host: reg.host, insecure: true });
    try {
      assert.equal((await c.getManifest('berth/bydigest', img.manifestDigest)).digest, img.manifestDigest);
    } finally {
      await c.close();
    }
    const other = buildImage({ label: 'other' });
    await assert.rejects(
      push(other, `//${reg.host}/berth/bydigest@${img.manifestDigest}`, { insecure: true }),
      expectError('DIGEST_MISMATCH'),
    );
  });
});

describe('docker:// over TLS with a test CA', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ tls: true });
  });
  after(async () => {
    await reg?.stop();
  });

  test('push and pull with the CA passed as tls.ca', async () => {
    const img = buildImage({ label: 'tls' });
    const tls = { ca: [reg.caCert!] };
    const pushed = await push(img, `//${reg.host}/berth/tls:v1`, { tls });
    assert.equal(pushed.manifestDigest, img.manifestDigest);
    const pulled = await pull(`//${reg.host}/berth/tls:v1`, { tls });
    assert.equal(pulled.result.manifestDigest, img.manifestDigest);
    assert.equal(pulled.result.configDigest, img.configDigest);
  });

  test('without the CA: a clear TLS error; insecure skips verification', async () => {
    await assert.rejects(
      pull(`//${reg.host}/berth/tls:v1`, { retry: { max: 0 } }),
      (e) => isBerthError(e, 'NETWORK') && /TLS/.test(e.message) && /cert-dir|tls-verify/.test(e.hint ?? ''),
    );
    const pulled = await pull(`//${reg.host}/berth/tls:v1`, { insecure: true });
    assert.ok(pulled.result.manifestDigest.startsWith('sha256:'));
    const c = new RegistryClient({ host: reg.host, insecure: true });
    try {
      await c.ping();
      assert.equal(c.baseUrl, `https://${reg.host}`, 'https is preferred even when insecure');
    } finally {
      await c.close();
    }
  });
});

describe('docker:// with htpasswd Basic auth', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ tls: true, htpasswd: { user: 'alice', password: 's3cret' } });
  });
  after(async () => {
    await reg?.stop();
  });

  test('credentials work; none or wrong ones give a clear UNAUTHORIZED', async () => {
    const tls = { ca: [reg.caCert!] };
    const img = buildImage({ label: 'basic' });
    await push(img, `//${reg.host}/berth/basic:v1`, { tls, credentials: { username: 'alice', password: 's3cret' } });
    // a resolver gets "registry/repository"
    const asked: string[] = [];
    const pulled = await pull(`//${reg.host}/berth/basic:v1`, {
      tls,
      credentials: async (name) => {
        asked.push(name);
        return { username: 'alice', password: 's3cret' };
      },
    });
    assert.equal(pulled.result.manifestDigest, img.manifestDigest);
    assert.deepEqual(asked, [`${reg.host}/berth/basic`]);
    await assert.rejects(
      pull(`//${reg.host}/berth/basic:v1`, { tls }),
      (e) => isBerthError(e, 'UNAUTHORIZED') && e.message.includes(`${reg.host}/berth/basic`) && /login/.test(String(e.data?.advice ?? '')),
    );
    await assert.rejects(
      pull(`//${reg.host}/berth/basic:v1`, { tls, credentials: { username: 'alice', password: 'wrong' } }),
      (e) => isBerthError(e, 'UNAUTHORIZED') && !e.message.includes('wrong'),
    );
  });
});

describe('docker:// with Bearer tokens', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ token: { anonymousPull: true }, htpasswd: { user: 'bob', password: 'pw' } });
  });
  after(async () => {
    await reg?.stop();
  });

  test('push with credentials, pull anonymously; tokens are cached per scope', async () => {
    const ti = reg.tokenIssuer!;
    const img = buildImage({
      label: 'token',
      layers: [
        { files: { a: 'a' }, gzip: true },
        { files: { b: 'b' }, gzip: true },
        { files: { c: 'c' }, gzip: true },
      ],
    });
    const before = ti.issued;
    const pushed = await push(img, `//${reg.host}/berth/token:v1`, { insecure: true, credentials: { username: 'bob', password: 'pw' } });
    assert.equal(pushed.manifestDigest, img.manifestDigest);
    assert.equal(ti.issued - before, 1, 'one token for the whole push');
    const rec = ti.requests.at(-1)!;
    assert.equal(rec.user, 'bob');
    assert.deepEqual(rec.scopes, ['repository:berth/token:pull,push']);
    assert.match(rec.url, /account=bob/);

    const pulled = await pull(`//${reg.host}/berth/token:v1`, { insecure: true });
    assert.equal(pulled.result.manifestDigest, img.manifestDigest);
    assert.deepEqual(ti.requests.at(-1)!.scopes, ['repository:berth/token:pull']);
    assert.equal(ti.requests.at(-1)!.user, undefined);

    // anonymous push: the token grants no push: one retry, then UNAUTHORIZED
    const n0 = ti.requests.length;
    await assert.rejects(
      push(buildImage({ label: 'anon' }), `//${reg.host}/berth/token:anon`, { insecure: true }),
      expectError('UNAUTHORIZED'),
    );
    assert.ok(ti.requests.length - n0 <= 3, `bounded token requests: ${ti.requests.length - n0}`);
  });

  test('cross-repository mount asks for pull on the source repository too', async () => {
    const ti = reg.tokenIssuer!;
    const creds = { username: 'bob', password: 'pw' };
    const img = buildImage({ label: 'tmount' });
    await push(img, `//${reg.host}/berth/tm-src:v1`, { insecure: true, credentials: creds });
    await push(img, `//${reg.host}/berth/tm-dst:v1`, { insecure: true, credentials: creds, mountFrom: ['berth/tm-src'] });
    assert.ok(
      ti.requests.some((r) => r.scopes.includes('repository:berth/tm-src:pull') && r.scopes.includes('repository:berth/tm-dst:pull,push')),
      JSON.stringify(ti.requests.map((r) => r.scopes)),
    );
    const pulled = await pull(`//${reg.host}/berth/tm-dst:v1`, { insecure: true });
    assert.equal(pulled.result.manifestDigest, img.manifestDigest);
  });
});

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
