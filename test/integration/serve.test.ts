/**
 * `berth serve`: the store as a read-only registry, pulled from by the real podman, skopeo and
 * berth. Images go test registry -> berth pull -> berth serve -> client, and every digest must
 * be the original registry's. Also: a multi-arch list, Range requests, pagination, the
 * referrers API, spec error JSON for bad requests, pushes refused with the store unchanged,
 * clients that go away mid-blob, concurrent clients, and an image removed while it is served.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import {
  scratchPodman,
  skipUnlessTools,
  writeTinyOciLayout,
  type RunResult,
  type ScratchPodman,
  type TinyImage,
} from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { startServe, request, type Serve } from '../helpers/serve.js';
import { writeIndexLayoutFull, HOST_ARCH, OTHER_ARCH, type IndexLayout } from './index-fixtures.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('podman', 'skopeo') : '/usr/bin/docker-registry not installed';
const T = { timeout: 60_000 };
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('berth serve: the store as a read-only registry', { skip }, () => {
  let reg: Registry;
  let pod: ScratchPodman;
  let b: ScratchBerth;
  let serve: Serve;
  let work: string;
  let tiny: TinyImage;
  let big: TinyImage;
  let multi: IndexLayout;
  let sbom: { digest: string; bytes: Buffer };

  const skopeo = async (args: string[]) => ok(await pod.skopeo(args), `skopeo ${args.join(' ')}`);
  const berth = async (args: string[], root?: string) => ok(await b.run(args, root ? { root } : {}), `berth ${args.join(' ')}`);
  const raw = async (ref: string) => Buffer.from((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])).stdout);
  const v2 = (p: string, opts: Parameters<typeof request>[1] = {}) => request(`${serve.url}/v2/${p}`, opts);

  before(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-serve-'));
    [reg, pod, b] = await Promise.all([startRegistry(), scratchPodman(), scratchBerth()]);
    tiny = await writeTinyOciLayout(path.join(work, 'tiny'), { tag: '1', gzip: true });
    big = await writeTinyOciLayout(path.join(work, 'big'), { tag: '1', files: { 'big.bin': randomBytes(6 << 20) }, gzip: true });
    multi = await writeIndexLayoutFull(path.join(work, 'multi'), 'multi', [HOST_ARCH, OTHER_ARCH], { gzip: true });
    await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${tiny.dir}:1`, `docker://${reg.host}/serve/tiny:1`]);
    await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${big.dir}:1`, `docker://${reg.host}/serve/big:1`]);
    await skopeo([
      'copy',
      '-q',
      '--all',
      '--dest-tls-verify=false',
      `oci:${path.join(work, 'multi')}:multi`,
      `docker://${reg.host}/serve/multi:1`,
    ]);
    for (const r of ['serve/tiny:1', 'serve/big:1', 'serve/multi:1']) await berth(['pull', '-q', '--tls-verify=false', `${reg.host}/${r}`]);
    // an image whose manifest has a subject (a referrer of tiny), pulled from an OCI layout
    const ref = await writeTinyOciLayout(path.join(work, 'sbom'), { tag: 'sbom', files: { 'sbom.json': '{"packages":[]}\n' } });
    const m = JSON.parse(ref.manifest.toString()) as Record<string, unknown>;
    m.subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: tiny.manifestDigest, size: tiny.manifest.length };
    m.annotations = { 'org.example.kind': 'sbom' };
    const bytes = Buffer.from(JSON.stringify(m));
    sbom = { digest: sha256(bytes), bytes };
    await fsp.writeFile(path.join(ref.dir, 'blobs', 'sha256', sbom.digest.slice(7)), bytes);
    const ix = JSON.parse(await fsp.readFile(path.join(ref.dir, 'index.json'), 'utf8')) as { manifests: Record<string, unknown>[] };
    ix.manifests[0]!.digest = sbom.digest;
    ix.manifests[0]!.size = bytes.length;
    await fsp.writeFile(path.join(ref.dir, 'index.json'), JSON.stringify(ix));
    await berth(['copy', '-q', `oci:${ref.dir}:sbom`, `containers-storage:${reg.host}/serve/tiny:sbom`]);
    serve = await startServe(b.root, [], b.env);
  });

  after(async () => {
    const code = await serve?.stop();
    assert.equal(code, 0, `berth serve exits 0 on SIGTERM:\n${serve?.stderr()}`);
    await Promise.all([reg?.stop(), pod?.cleanup(), b?.cleanup(), fsp.rm(work, { recursive: true, force: true })]);
  });

  test('/v2/, _catalog and tags/list, with pagination; a new tag is seen at once', T, async () => {
    const base = await v2('');
    assert.equal(base.status, 200);
    assert.equal(base.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.deepEqual(base.json(), {});
    const cat = await v2('_catalog');
    assert.deepEqual(cat.json(), { repositories: ['serve/big', 'serve/multi', 'serve/tiny'] });
    const p1 = await v2('_catalog?n=2');
    assert.deepEqual(p1.json(), { repositories: ['serve/big', 'serve/multi'] });
    assert.equal(p1.headers.link, '</v2/_catalog?n=2&last=serve%2Fmulti>; rel="next"');
    const p2 = await v2('_catalog?n=2&last=serve%2Fmulti');
    assert.deepEqual(p2.json(), { repositories: ['serve/tiny'] });
    assert.equal(p2.headers.link, undefined);

    await berth(['tag', `${reg.host}/serve/tiny:1`, `${reg.host}/serve/tiny:a`, `${reg.host}/serve/tiny:b`, 'localhost/serve/tiny:c']);
    assert.deepEqual((await v2('serve/tiny/tags/list')).json(), { name: 'serve/tiny', tags: ['1', 'a', 'b', 'c', 'sbom'] });
    const pages: string[][] = [];
    let next: string | undefined = '/v2/serve/tiny/tags/list?n=2';
    while (next) {
      const r = await request(`${serve.url}${next}`);
      assert.equal(r.status, 200);
      pages.push(r.json<{ tags: string[] }>().tags);
      next = /^<([^>]+)>; rel="next"$/.exec(String(r.headers.link ?? ''))?.[1];
    }
    assert.deepEqual(pages, [['1', 'a'], ['b', 'c'], ['sbom']]);
    const zero = await v2('serve/tiny/tags/list?n=0');
    assert.deepEqual(zero.json(), { name: 'serve/tiny', tags: [] });
    assert.equal(zero.headers.link, undefined);
    assert.deepEqual((await v2('serve/tiny/tags/list?last=b')).json(), { name: 'serve/tiny', tags: ['c', 'sbom'] });
  });

  test('podman pull and skopeo copy from berth serve: the original registry digests and bytes', T, async () => {
    for (const repo of ['serve/tiny', 'serve/big']) {
      const original = await raw(`${reg.host}/${repo}:1`);
      const served = await raw(`${serve.host}/${repo}:1`);
      assert.ok(served.equals(original), `${repo}: the served manifest is the original's, byte for byte`);
      const head = await v2(`${repo}/manifests/1`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['docker-content-digest'], sha256(original));
      assert.equal(head.headers['content-length'], String(original.length));
      assert.equal(head.headers['content-type'], 'application/vnd.oci.image.manifest.v1+json');
      assert.equal(head.body.length, 0);
      const byDigest = await v2(`${repo}/manifests/${sha256(original)}`);
      assert.ok(byDigest.body.equals(original));
    }
    ok(await pod.run(['pull', '-q', '--tls-verify=false', `${serve.host}/serve/tiny:1`]), 'podman pull');
    const info = JSON.parse(ok(await pod.run(['inspect', `${serve.host}/serve/tiny:1`]), 'podman inspect').stdout) as {
      Id: string;
      Digest: string;
    }[];
    assert.equal(info[0]!.Digest, tiny.manifestDigest, JSON.stringify(info[0]).slice(0, 1500));
    assert.equal(`sha256:${info[0]!.Id}`, tiny.configDigest);

    const out = path.join(work, 'out-big');
    await skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${serve.host}/serve/big:1`, `oci:${out}:1`]);
    const index = JSON.parse(await fsp.readFile(path.join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]!.digest, big.manifestDigest);
    const layer = await fsp.readFile(path.join(out, 'blobs', 'sha256', big.layerDigest.slice(7)));
    assert.equal(sha256(layer), big.layerDigest);
  });

  test('berth pulls from berth serve: the same image ID and digest as from the registry', T, async () => {
    const other = b.store();
    await berth(['pull', '-q', '--tls-verify=false', `${serve.host}/serve/tiny:1`], other);
    const img = JSON.parse((await berth(['inspect', `${serve.host}/serve/tiny:1`], other)).stdout) as { Id: string; Digest: string }[];
    assert.equal(`sha256:${img[0]!.Id}`, tiny.configDigest);
    assert.equal(img[0]!.Digest, tiny.manifestDigest);
  });

  test('a multi-arch list: its own platform until the store holds every image of the list, then the list itself', T, async () => {
    const hostManifest = multi.images[HOST_ARCH]!;
    // berth pulled this machine's platform only: a list without its other images is not served by tag
    const partial = await v2('serve/multi/manifests/1');
    assert.equal(partial.headers['docker-content-digest'], hostManifest.manifestDigest);
    assert.ok(partial.body.equals(hostManifest.manifest));
    // by digest, the list's own bytes are what the digest names
    const listByDigest = await v2(`serve/multi/manifests/${multi.indexDigest}`);
    assert.equal(listByDigest.status, 200);
    assert.ok(listByDigest.body.equals(multi.index));
    assert.equal(listByDigest.headers['content-type'], 'application/vnd.oci.image.index.v1+json');
    // the other platform's manifest is not in the store
    assert.equal((await v2(`serve/multi/manifests/${multi.images[OTHER_ARCH]!.manifestDigest}`)).status, 404);

    await berth(['pull', '-q', '--tls-verify=false', '--platform', `linux/${OTHER_ARCH}`, `${reg.host}/serve/multi:1`]);
    const original = await raw(`${reg.host}/serve/multi:1`);
    const served = await raw(`${serve.host}/serve/multi:1`);
    assert.ok(served.equals(original), 'with both images stored, the tag serves the original list');
    assert.equal(sha256(served), multi.indexDigest);
    // a client that does not take lists gets an image manifest
    const noLists = await v2('serve/multi/manifests/1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(noLists.headers['content-type'], 'application/vnd.oci.image.manifest.v1+json');

    const out = path.join(work, 'out-multi');
    await skopeo(['copy', '-q', '--all', '--src-tls-verify=false', `docker://${serve.host}/serve/multi:1`, `oci:${out}:1`]);
    const index = JSON.parse(await fsp.readFile(path.join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]!.digest, multi.indexDigest);
    for (const arch of [HOST_ARCH, OTHER_ARCH])
      assert.ok(fs.existsSync(path.join(out, 'blobs', 'sha256', multi.images[arch]!.layerDigest.slice(7))), `${arch} layer copied`);

    ok(await pod.run(['pull', '-q', '--tls-verify=false', `${serve.host}/serve/multi:1`]), 'podman pull of the list');
    const info = JSON.parse((await pod.run(['inspect', `${serve.host}/serve/multi:1`])).stdout) as { Digest: string; Id: string }[];
    assert.equal(info[0]!.Digest, multi.indexDigest);
    assert.equal(`sha256:${info[0]!.Id}`, hostManifest.configDigest);
  });

  test('blobs: HEAD, Range (206, suffix, 416), Docker-Content-Digest', T, async () => {
    const layer = await fsp.readFile(path.join(big.dir, 'blobs', 'sha256', big.layerDigest.slice(7)));
    const headR = await v2(`serve/big/blobs/${big.layerDigest}`, { method: 'HEAD' });
    assert.equal(headR.status, 200);
    assert.equal(headR.headers['content-length'], String(layer.length));
    assert.equal(headR.headers['docker-content-digest'], big.layerDigest);
    assert.equal(headR.headers['accept-ranges'], 'bytes');
    const part = await v2(`serve/big/blobs/${big.layerDigest}`, { headers: { Range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${layer.length}`);
    assert.ok(part.body.equals(layer.subarray(1000, 2000)));
    const rest = await v2(`serve/big/blobs/${big.layerDigest}`, { headers: { Range: `bytes=${layer.length - 10}-` } });
    assert.equal(rest.status, 206);
    assert.ok(rest.body.equals(layer.subarray(layer.length - 10)));
    const suffix = await v2(`serve/big/blobs/${big.layerDigest}`, { headers: { Range: 'bytes=-5' } });
    assert.ok(suffix.body.equals(layer.subarray(layer.length - 5)));
    const beyond = await v2(`serve/big/blobs/${big.layerDigest}`, { headers: { Range: `bytes=${layer.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${layer.length}`);
    const config = await v2(`serve/tiny/blobs/${tiny.configDigest}`);
    assert.ok(config.body.equals(tiny.config));
    // a blob of another repository is not this one's
    assert.equal((await v2(`serve/tiny/blobs/${big.layerDigest}`)).json<{ errors: { code: string }[] }>().errors[0]!.code, 'BLOB_UNKNOWN');
  });

  test('the referrers API lists stored manifests whose subject is the digest', T, async () => {
    const r = await v2(`serve/tiny/referrers/${tiny.manifestDigest}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(r.json(), {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sbom.digest,
          size: sbom.bytes.length,
          artifactType: 'application/vnd.oci.image.config.v1+json',
          annotations: { 'org.example.kind': 'sbom' },
        },
      ],
    });
    const filtered = await v2(`serve/tiny/referrers/${tiny.manifestDigest}?artifactType=application/vnd.example.other`);
    assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
    assert.deepEqual(filtered.json<{ manifests: unknown[] }>().manifests, []);
    const none = await v2(`serve/big/referrers/${big.manifestDigest}`);
    assert.deepEqual(none.json<{ manifests: unknown[] }>().manifests, []);
  });

  test('bad names, digests, tags and paths: distribution-spec error JSON', T, async () => {
    const cases: [string, number, string | undefined][] = [
      ['Serve/Tiny/tags/list', 400, 'NAME_INVALID'],
      ['serve//tiny/manifests/1', 400, 'NAME_INVALID'],
      ['nothere/tags/list', 404, 'NAME_UNKNOWN'],
      ['nothere/manifests/1', 404, 'NAME_UNKNOWN'],
      ['serve/tiny/manifests/nosuchtag', 404, 'MANIFEST_UNKNOWN'],
      ['serve/tiny/manifests/-bad', 404, 'MANIFEST_UNKNOWN'],
      [`serve/tiny/manifests/sha256:${'0'.repeat(64)}`, 404, 'MANIFEST_UNKNOWN'],
      ['serve/tiny/manifests/sha256:abc', 400, 'DIGEST_INVALID'],
      ['serve/tiny/blobs/sha256:ABC', 400, 'DIGEST_INVALID'],
      ['serve/tiny/blobs/md5:0123', 400, 'DIGEST_INVALID'],
      [`serve/tiny/blobs/sha256:${'0'.repeat(64)}`, 404, 'BLOB_UNKNOWN'],
      ['serve/tiny/referrers/latest', 400, 'DIGEST_INVALID'],
      ['serve/tiny/blobs/uploads/1234', 404, 'BLOB_UPLOAD_UNKNOWN'],
      ['serve/tiny/nothing/here', 404, 'UNSUPPORTED'],
      ['serve/tiny/tags/list?n=x', 400, 'UNSUPPORTED'],
      ['%zz/tags/list', 400, 'NAME_INVALID'],
    ];
    for (const [p, status, code] of cases) {
      const r = await v2(p);
      assert.equal(r.status, status, `${p}: ${r.body.toString()}`);
      const e = r.json<{ errors: { code: string; message: string }[] }>().errors[0]!;
      assert.equal(e.code, code, p);
      assert.ok(e.message.length > 10 && !e.message.includes('\n'), `${p}: one clear line: ${e.message}`);
    }
    const other = await request(`${serve.url}/elsewhere`);
    assert.equal(other.status, 404);
    assert.ok(serve.alive());
  });

  test('pushes and deletes answer 405 UNSUPPORTED; skopeo copy to it fails and the store is unchanged', T, async () => {
    const before = await storeState();
    for (const [method, p] of [
      ['POST', 'serve/tiny/blobs/uploads/'],
      ['PUT', 'serve/tiny/manifests/2'],
      ['PATCH', 'serve/tiny/blobs/uploads/abc'],
      ['DELETE', 'serve/tiny/manifests/1'],
      ['DELETE', `serve/tiny/blobs/${tiny.layerDigest}`],
    ]) {
      const r = await v2(p!, { method, body: method === 'GET' ? undefined : '{}' });
      assert.equal(r.status, 405, `${method} ${p}`);
      assert.equal(r.headers.allow, 'GET, HEAD');
      const e = r.json<{ errors: { code: string; message: string }[] }>().errors[0]!;
      assert.equal(e.code, 'UNSUPPORTED');
      assert.match(e.message, /read-only registry: (pushing|deleting) is not supported/);
    }
    const push = await pod.skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${tiny.dir}:1`, `docker://${serve.host}/pushed/here:1`]);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /unsupported: berth serve is a read-only registry: pushing is not supported/);
    assert.deepEqual(await storeState(), before);
    assert.equal((await v2('pushed/here/tags/list')).status, 404);
  });

  test('clients that go away mid-blob and concurrent clients leave the server healthy', T, async () => {
    const url = `${serve.url}/v2/serve/big/blobs/${big.layerDigest}`;
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(url, { agent: false }, (res) => {
          assert.equal(res.statusCode, 200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      });
    }
    const all = await Promise.all(Array.from({ length: 6 }, () => request(url)));
    for (const r of all) assert.equal(sha256(r.body), big.layerDigest);
    assert.equal((await v2('')).status, 200);
    assert.ok(serve.alive());
  });

  test('an image removed while its blob is being sent: that transfer completes, later requests answer 404', T, async () => {
    const url = `${serve.url}/v2/serve/big/blobs/${big.layerDigest}`;
    const chunks: Buffer[] = [];
    let res!: http.IncomingMessage;
    await new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent: false }, (r) => {
          res = r;
          r.once('data', (c: Buffer) => {
            chunks.push(c);
            r.pause();
            resolve();
          });
        })
        .on('error', reject);
    });
    await berth(['rmi', `${reg.host}/serve/big:1`]);
    assert.ok(!fs.existsSync(path.join(b.root, 'blobs', 'sha256', big.layerDigest.slice(7))), 'rmi collected the layer');
    const rest = await new Promise<Buffer>((resolve, reject) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
      res.resume();
    });
    assert.equal(sha256(rest), big.layerDigest);
    const gone = await v2(`serve/big/blobs/${big.layerDigest}`);
    assert.equal(gone.status, 404);
    assert.equal((await v2('serve/big/manifests/1')).json<{ errors: { code: string }[] }>().errors[0]!.code, 'NAME_UNKNOWN');
    assert.deepEqual((await v2('_catalog')).json(), { repositories: ['serve/multi', 'serve/tiny'] });
    assert.ok(serve.alive());
  });

  /** The store as files and index rows: what a refused push must leave alone. */
  async function storeState(): Promise<unknown> {
    const images = JSON.parse((await berth(['images', '--format', 'json'])).stdout) as { Id: string; Names?: string[] }[];
    const blobs = (await fsp.readdir(path.join(b.root, 'blobs', 'sha256'))).sort();
    return { images: images.map((i) => [i.Id, i.Names]), blobs };
  }
});
