/**
 * `berth pull` / `berth push` through the CLI against a real registry (Debian docker-registry,
 * plain http, reached through the fault proxy so that every request is on record):
 * progress output without a TTY, -q, pull policies, layer reuse, by-digest verification,
 * --all-tags, push destinations (registry, oci:, docker-archive:), --digestfile.
 * Images are seeded with skopeo from OCI layouts written here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy, type RecordedRequest } from '../helpers/fault-proxy.js';
import { runOk, scratchSkopeo, skipUnlessTools, type RunResult, type ScratchSkopeo, scratchDir } from '../helpers/tools.js';
import { buildImage, writeLayout, type TestImage } from './docker-fixtures.js';
import { scratchBerth, type ScratchBerth as Berth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('skopeo') : '/usr/bin/docker-registry not installed';
const T = { timeout: 90_000 };

// ---------------------------------------------------------------------------------------------
// berth with an isolated environment (own HOME, XDG dirs, registries.conf, auth file, store)

const hex = (d: string) => d.slice(d.indexOf(':') + 1);
const blobGets = (reqs: RecordedRequest[]) =>
  reqs
    .filter((r) => r.method === 'GET' && r.url.includes('/blobs/sha256:'))
    .map((r) => r.url.slice(r.url.indexOf('sha256:')).split('?')[0]!);
const manifestReqs = (reqs: RecordedRequest[], method: string) => reqs.filter((r) => r.method === method && r.url.includes('/manifests/'));

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}

/** Every stderr line of a pull/push without a TTY is one of podman's lines (containers/image's words). */
function assertLogLines(stderr: string): string[] {
  assert.ok(!stderr.includes('\r'), 'no carriage-return frames');
  assert.ok(!stderr.includes('\x1b'), 'no terminal escape sequences');
  const lines = stderr.split('\n').filter(Boolean);
  for (const l of lines) {
    assert.match(
      l,
      /^(Trying to pull \S+\.\.\.|Getting image source signatures|Copying (blob|config) sha256:[0-9a-f]{64}|Writing manifest to image destination|Storing signatures|Resolv.*)$/,
      `unexpected progress line ${JSON.stringify(l)}`,
    );
  }
  return lines;
}

describe('berth pull / push through the CLI', { skip }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let skopeo: ScratchSkopeo;
  let b: Berth;
  let work: string;
  // two images sharing their base layer, a repository with three tags, a single-layer image
  const base = { files: { 'base/os-release': 'ID=berth-test\n', 'base/lib.bin': Buffer.alloc(50_000, 7) }, gzip: true };
  const imgA = buildImage({ layers: [base, { files: { 'app/a.txt': 'image a\n' }, gzip: true }], label: 'pp-a' });
  const imgB = buildImage({ layers: [base, { files: { 'app/b.txt': 'image b\n' }, gzip: true }], label: 'pp-b' });
  const tagImgs = [1, 2, 3].map((i) => buildImage({ label: `pp-tag-${i}` }));
  let n = 0;

  const seed = async (img: TestImage, ref: string) => {
    const dir = path.join(work, `layout-${n++}`);
    await writeLayout(dir, img, 'x');
    await runOk('skopeo', ['--policy', skopeo.policyPath, 'copy', '-q', '--dest-tls-verify=false', `oci:${dir}:x`, `docker://${ref}`], {
      env: skopeo.env,
    });
  };
  const skopeoInspect = async (ref: string, ...flags: string[]) =>
    (await runOk('skopeo', ['--policy', skopeo.policyPath, 'inspect', ...flags, ref], { env: skopeo.env })).stdout;

  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    skopeo = await scratchSkopeo();
    b = await scratchBerth();
    work = await scratchDir('berth-pp-work-');
    await seed(imgA, `${reg.host}/pp/app:a`);
    await seed(imgB, `${reg.host}/pp/app:b`);
    for (const [i, img] of tagImgs.entries()) await seed(img, `${reg.host}/pp/tags:t${i + 1}`);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    await skopeo?.cleanup();
    await b?.cleanup();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  test("pull without a TTY: podman's lines, stdout is the image ID", T, async () => {
    proxy.requests.length = 0;
    const r = await b.run(['pull', '--tls-verify=false', `${proxy.host}/pp/app:a`]);
    assertOk(r, 'pull');
    assert.equal(r.stdout, `${hex(imgA.configDigest)}\n`);
    const lines = assertLogLines(r.stderr);
    // podman 4.3.1 without a TTY: one line per blob, config last, whether it is copied or not
    assert.deepEqual(lines, [
      `Trying to pull ${proxy.host}/pp/app:a...`,
      'Getting image source signatures',
      ...imgA.layers.map((l) => `Copying blob ${l.digest}`),
      `Copying config ${imgA.configDigest}`,
      'Writing manifest to image destination',
      'Storing signatures',
    ]);
    // the image is there under its name, with the registry's manifest digest
    const img = await b.run(['images', '--digests', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}']);
    assert.ok(img.stdout.includes(`${proxy.host}/pp/app:a ${imgA.manifestDigest} ${imgA.configDigest}`), img.stdout);
    assert.deepEqual(blobGets(proxy.requests).sort(), [...imgA.layers.map((l) => l.digest), imgA.configDigest].sort());
  });

  test('pull -q prints only the image ID (nothing on stderr)', T, async () => {
    const root = path.join(b.dir, 'store-quiet');
    const r = await b.run(['pull', '-q', '--tls-verify=false', `${proxy.host}/pp/app:b`], { root });
    assertOk(r, 'pull -q');
    assert.equal(r.stdout, `${hex(imgB.configDigest)}\n`);
    assert.equal(r.stderr, '');
  });

  test('layers already in the store are not downloaded again', T, async () => {
    const root = path.join(b.dir, 'store-reuse');
    assertOk(await b.run(['pull', '-q', '--tls-verify=false', `${proxy.host}/pp/app:a`], { root }), 'pull a');
    proxy.requests.length = 0;
    const r = await b.run(['pull', '--tls-verify=false', `${proxy.host}/pp/app:b`], { root });
    assertOk(r, 'pull b');
    assert.equal(r.stdout, `${hex(imgB.configDigest)}\n`);
    // only the layer and config that a did not have were fetched
    assert.deepEqual(blobGets(proxy.requests).sort(), [imgB.layers[1]!.digest, imgB.configDigest].sort());
    assert.ok(!proxy.requests.some((q) => q.url.includes(imgB.layers[0]!.digest)), 'not even a HEAD for the shared layer');
    const lines = assertLogLines(r.stderr);
    // podman names a layer it already has as it names one it copies
    assert.ok(lines.includes(`Copying blob ${imgB.layers[0]!.digest}`), r.stderr);
    assert.ok(lines.includes(`Copying blob ${imgB.layers[1]!.digest}`), r.stderr);
  });

  test('--policy missing | never | always | newer', T, async () => {
    const root = path.join(b.dir, 'store-policy');
    const ref = `${proxy.host}/pp/policy:1`;
    await seed(imgA, `${reg.host}/pp/policy:1`);

    // never, not present: error, no request
    proxy.requests.length = 0;
    let r = await b.run(['pull', '--policy', 'never', '--tls-verify=false', ref], { root });
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error: ${ref}: image not known\n`);
    assert.equal(r.stdout, '');
    assert.equal(proxy.requests.length, 0);

    // missing, not present: pulls
    r = await b.run(['pull', '--policy', 'missing', '--tls-verify=false', ref], { root });
    assertOk(r, 'pull --policy missing');
    assert.equal(r.stdout, `${hex(imgA.configDigest)}\n`);
    assert.ok(manifestReqs(proxy.requests, 'GET').length >= 1);

    // missing and never, present: no registry traffic at all
    for (const policy of ['missing', 'never']) {
      proxy.requests.length = 0;
      r = await b.run(['pull', '--policy', policy, '--tls-verify=false', ref], { root });
      assertOk(r, `pull --policy ${policy}`);
      assert.equal(r.stdout, `${hex(imgA.configDigest)}\n`);
      assert.equal(proxy.requests.length, 0, `--policy ${policy} must not contact the registry`);
    }

    // always (the default): the manifest (and, as with podman, the small config) is fetched
    // again, the layers are not
    proxy.requests.length = 0;
    r = await b.run(['pull', '--tls-verify=false', ref], { root });
    assertOk(r, 'pull (always)');
    assert.equal(manifestReqs(proxy.requests, 'GET').length, 1);
    assert.deepEqual(
      blobGets(proxy.requests).filter((d) => d !== imgA.configDigest),
      [],
    );

    // newer, registry unchanged: one HEAD, nothing downloaded
    proxy.requests.length = 0;
    r = await b.run(['pull', '--policy', 'newer', '--tls-verify=false', ref], { root });
    assertOk(r, 'pull --policy newer');
    assert.equal(r.stdout, `${hex(imgA.configDigest)}\n`);
    assert.equal(r.stderr, '', 'nothing pulled, nothing said (as podman: no "Trying to pull")');
    assert.equal(manifestReqs(proxy.requests, 'HEAD').length, 1);
    assert.equal(manifestReqs(proxy.requests, 'GET').length, 0);
    assert.deepEqual(blobGets(proxy.requests), []);

    // newer, tag moved in the registry: the new image is pulled
    await seed(imgB, `${reg.host}/pp/policy:1`);
    r = await b.run(['pull', '--policy', 'newer', '--tls-verify=false', ref], { root });
    assertOk(r, 'pull --policy newer after the tag moved');
    assert.equal(r.stdout, `${hex(imgB.configDigest)}\n`);
    assert.match(r.stderr, new RegExp(`^Trying to pull ${ref.replace(/[.]/g, '\\.')}\\.\\.\\.\n`));
    const ids = await b.run(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'], { root });
    assert.ok(ids.stdout.includes(`${imgB.configDigest} ${ref}`), ids.stdout);

    r = await b.run(['pull', '--policy', 'sometimes', ref], { root });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: unsupported pull policy "sometimes"$/m);
  });

  test('pull by digest verifies the manifest against the digest', T, async () => {
    const root = path.join(b.dir, 'store-digest');
    const byDigest = `${proxy.host}/pp/app@${imgA.manifestDigest}`;
    // a registry (here: the proxy) that alters the manifest: refused, nothing stored
    const rule = proxy.addRule({
      match: (q) => q.method === 'GET' && q.path.endsWith(`/manifests/${imgA.manifestDigest}`),
      times: 1,
      action: { type: 'tamper-body', offset: -2 },
    });
    let r = await b.run(['pull', '--retry', '0', '--tls-verify=false', byDigest], { root });
    assert.equal(rule.hits, 1);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /does not match the requested digest/);
    assert.match(r.stderr, new RegExp(imgA.manifestDigest));
    r = await b.run(['images', '-q'], { root });
    assert.equal(r.stdout, '', 'nothing stored');

    r = await b.run(['pull', '--tls-verify=false', byDigest], { root });
    assertOk(r, 'pull by digest');
    assert.equal(r.stdout, `${hex(imgA.configDigest)}\n`);
    r = await b.run(['images', '--digests', '--no-trunc', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}'], { root });
    assert.equal(r.stdout, `${proxy.host}/pp/app <none> ${imgA.manifestDigest}\n`);
    r = await b.run(['inspect', '--format', '{{.RepoDigests}}', byDigest], { root });
    assertOk(r, 'inspect by digest');
    assert.ok(r.stdout.includes(`${proxy.host}/pp/app@${imgA.manifestDigest}`), r.stdout);

    // a digest the registry does not have
    const missing = `sha256:${'0'.repeat(64)}`;
    r = await b.run(['pull', '--retry', '0', '--tls-verify=false', `${proxy.host}/pp/app@${missing}`], { root });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /manifest unknown/i);
  });

  test('pull --all-tags pulls every tag of the repository', T, async () => {
    const root = path.join(b.dir, 'store-all-tags');
    const r = await b.run(['pull', '--all-tags', '--tls-verify=false', `${proxy.host}/pp/tags`], { root });
    assertOk(r, 'pull --all-tags');
    assert.deepEqual(r.stdout.trim().split('\n').sort(), tagImgs.map((i) => hex(i.configDigest)).sort());
    assertLogLines(r.stderr);
    const names = await b.run(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { root });
    for (const [i, img] of tagImgs.entries())
      assert.ok(names.stdout.includes(`${proxy.host}/pp/tags:t${i + 1} ${img.configDigest}`), names.stdout);
    const bad = await b.run(['pull', '--all-tags', '--tls-verify=false', `${proxy.host}/pp/tags:t1`], { root });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /must not have a tag or digest/);
  });

  test('push to the registry: progress lines, printed digest = --digestfile = what skopeo sees', T, async () => {
    const src = `${proxy.host}/pp/app:a`;
    const digestfile = path.join(work, 'pushed.digest');
    proxy.requests.length = 0;
    const r = await b.run(['push', '--tls-verify=false', '--digestfile', digestfile, src, `${proxy.host}/pp/pushed:1`]);
    assertOk(r, 'push');
    const printed = r.stdout.trim();
    assert.equal(printed, imgA.manifestDigest, 'gzip layers go as they are: same manifest');
    assert.equal(await fsp.readFile(digestfile, 'utf8'), printed);
    const lines = assertLogLines(r.stderr);
    assert.deepEqual(lines.slice(-2), ['Writing manifest to image destination', 'Storing signatures']);
    assert.ok(!lines.some((l) => l.startsWith('Trying')));
    const info = JSON.parse(await skopeoInspect(`docker://${reg.host}/pp/pushed:1`, '--tls-verify=false')) as { Digest: string };
    assert.equal(info.Digest, printed);
    // the blobs were mounted from pp/app (same registry), not uploaded again
    assert.ok(
      proxy.requests.some((q) => q.method === 'POST' && q.url.includes('mount=')),
      'cross-repository mount tried',
    );
    assert.ok(
      !proxy.requests.some((q) => (q.method === 'PUT' || q.method === 'PATCH') && q.url.includes('/blobs/uploads/') && q.bodyBytes > 1000),
      'no layer uploaded',
    );
  });

  test('push IMAGE oci:DIR and docker-archive:FILE', T, async () => {
    const src = `${proxy.host}/pp/app:a`;
    const oci = path.join(work, 'push-oci');
    let r = await b.run(['push', src, `oci:${oci}:v1`]);
    assertOk(r, 'push oci:');
    const ociDigest = r.stdout.trim();
    assertLogLines(r.stderr);
    const ociInfo = JSON.parse(await skopeoInspect(`oci:${oci}:v1`)) as { Digest: string; Layers: string[] };
    assert.equal(ociInfo.Digest, ociDigest);
    assert.deepEqual(
      ociInfo.Layers,
      imgA.layers.map((l) => l.digest),
    );
    const index = JSON.parse(await fsp.readFile(path.join(oci, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
    };
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.annotations?.['org.opencontainers.image.ref.name']]),
      [[ociDigest, 'v1']],
    );

    const archive = path.join(work, 'push.tar');
    r = await b.run(['push', src, `docker-archive:${archive}:example.com/pp/archived:v2`]);
    assertOk(r, 'push docker-archive:');
    const cfg = JSON.parse(await skopeoInspect(`docker-archive:${archive}`, '--config')) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(cfg.rootfs.diff_ids, JSON.parse(imgA.config.toString()).rootfs.diff_ids);
    const raw = JSON.parse(await skopeoInspect(`docker-archive:${archive}`, '--raw')) as { config: { digest: string } };
    assert.equal(raw.config.digest, imgA.configDigest, 'same image ID');
    const listing = (await runOk('tar', ['-xOf', archive, 'manifest.json'])).stdout;
    assert.deepEqual((JSON.parse(listing) as Array<{ RepoTags: string[] }>)[0]!.RepoTags, ['example.com/pp/archived:v2']);

    // and back: the archive loads into a fresh store with the same ID
    r = await b.run(['pull', `docker-archive:${archive}`], { root: path.join(b.dir, 'store-archive') });
    assertOk(r, 'pull docker-archive:');
    assert.equal(r.stdout, `${hex(imgA.configDigest)}\n`);
  });

  test('push errors: unknown image, localhost destination, bad compression format', T, async () => {
    let r = await b.run(['push', '--tls-verify=false', 'no-such-image:1', `${proxy.host}/pp/x:1`]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /no-such-image/);
    r = await b.run(['push', `${proxy.host}/pp/app:a`, 'localhost/pp/x:1']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /localhost/);
    r = await b.run(['push', '--compression-format', 'brotli', `${proxy.host}/pp/app:a`, `${proxy.host}/pp/x:1`]);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, 'Error: cannot find compressor for "brotli"\n');
  });
});
