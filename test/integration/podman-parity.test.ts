/**
 * Behaviour that must match podman's, through the CLI: layers whose media type lies about
 * their compression (skopeo's dir: copies of docker archives) read back from dir:, oci: and a
 * registry; `pull NAME:TAG@DIGEST` records NAME@DIGEST so `untag` finds it; names history
 * after tag / rmi / untag (containers/storage order, compared with podman 4.3.1); history
 * sizes as podman prints them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import {
  haveTool,
  makeTar,
  scratchPodman,
  scratchSkopeo,
  skipUnlessTools,
  writeTinyOciLayout,
  type RunResult,
  type ScratchPodman,
  type ScratchSkopeo,
} from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 90_000 };
const skipSkopeo = skipUnlessTools('skopeo');
const skipRegistry = fs.existsSync('/usr/bin/docker-registry') ? skipSkopeo : '/usr/bin/docker-registry not installed';
const skipPodman = haveTool('podman') ? false : 'podman not installed';
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice(d.indexOf(':') + 1);

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('layers labelled gzip that are plain tar', { skip: skipSkopeo }, () => {
  let b: ScratchBerth;
  let sk: ScratchSkopeo;
  let archive: string;
  let imageId: string;
  let layer: Buffer;
  before(async () => {
    b = await scratchBerth();
    sk = await scratchSkopeo();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { files: { 'who.txt': 'plain tar, gzip label\n' } });
    layer = img.layer;
    imageId = hex(img.configDigest);
    ok(await b.run(['pull', '-q', `oci:${img.dir}:latest`]), 'pull oci:');
    ok(await b.run(['tag', imageId, 'localhost/label/tiny:1']), 'tag');
    archive = path.join(b.dir, 'tiny.tar');
    ok(await b.run(['save', '-o', archive, 'localhost/label/tiny:1']), 'save');
  });
  after(async () => {
    await b?.cleanup();
    await sk?.cleanup();
  });

  test('skopeo copy docker-archive: -> dir: -> berth pull dir: (manifest digest kept)', T, async () => {
    const dir = path.join(b.dir, 'dir-image');
    ok(await sk.run(['copy', '-q', `docker-archive:${archive}`, `dir:${dir}`]), 'skopeo copy');
    const manifest = await fsp.readFile(path.join(dir, 'manifest.json'));
    const m = JSON.parse(manifest.toString()) as { layers: { mediaType: string; digest: string }[] };
    assert.equal(m.layers[0]!.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'the case under test: a gzip label');
    assert.deepEqual(await fsp.readFile(path.join(dir, hex(m.layers[0]!.digest))), layer, 'on plain tar bytes');

    const root = b.store();
    const r = ok(await b.run(['pull', '-q', `dir:${dir}`], { root }), 'pull dir:');
    assert.equal(r.stdout, `${imageId}\n`);
    const digest = ok(await b.run(['images', '--no-trunc', '--format', '{{.Digest}}'], { root }), 'images').stdout.trim();
    assert.equal(digest, sha(manifest), 'the manifest is stored as it was');
    ok(await b.run(['system', 'check'], { root }), 'system check');
    // and back out: the layer is still the same tar
    const out = path.join(b.dir, 'out-layout');
    ok(await b.run(['push', '-q', imageId, `oci:${out}:x`], { root }), 'push oci:');
    const idx = JSON.parse(await fsp.readFile(path.join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const om = JSON.parse(await fsp.readFile(path.join(out, 'blobs/sha256', hex(idx.manifests[0]!.digest)), 'utf8')) as {
      layers: { digest: string }[];
    };
    assert.equal(om.layers[0]!.digest, sha(layer));
  });

  test('oci: layout with a tar+gzip label on a plain tar', T, async () => {
    const dir = path.join(b.dir, 'lying-layout');
    const img = await writeTinyOciLayout(dir, { files: { 'lie.txt': 'label says gzip\n' } });
    const m = JSON.parse(img.manifest.toString()) as { layers: { mediaType: string }[] };
    m.layers[0]!.mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';
    const bytes = Buffer.from(JSON.stringify(m));
    await fsp.writeFile(path.join(dir, 'blobs/sha256', hex(sha(bytes))), bytes);
    const index = JSON.parse(await fsp.readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; size: number }[] };
    index.manifests[0]!.digest = sha(bytes);
    index.manifests[0]!.size = bytes.length;
    await fsp.writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
    const r = ok(await b.run(['pull', '-q', `oci:${dir}:latest`], { root: b.store() }), 'pull oci:');
    assert.equal(r.stdout, `${hex(img.configDigest)}\n`);
  });

  test('the same image through a registry (skopeo dir: -> docker://, berth pull)', { ...T, skip: skipRegistry }, async () => {
    const reg: Registry = await startRegistry();
    try {
      const dir = path.join(b.dir, 'dir-image-2');
      ok(await sk.run(['copy', '-q', `docker-archive:${archive}`, `dir:${dir}`]), 'skopeo copy to dir:');
      ok(
        await sk.run(['copy', '-q', '--dest-tls-verify=false', `dir:${dir}`, `docker://${reg.host}/label/tiny:1`]),
        'skopeo copy to registry',
      );
      const root = b.store();
      const r = ok(await b.run(['pull', '-q', '--tls-verify=false', `${reg.host}/label/tiny:1`], { root }), 'pull');
      assert.equal(r.stdout, `${imageId}\n`);
      ok(await b.run(['system', 'check'], { root }), 'system check');
    } finally {
      await reg.stop();
    }
  });
});

describe('names', { skip: skipRegistry }, () => {
  let b: ScratchBerth;
  let reg: Registry;
  let imageId: string;
  before(async () => {
    b = await scratchBerth();
    reg = await startRegistry();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { files: { 'n.txt': 'names\n' } });
    imageId = hex(img.configDigest);
    ok(await b.run(['pull', '-q', `oci:${img.dir}:latest`]), 'pull oci:');
    ok(await b.run(['push', '-q', '--tls-verify=false', imageId, `${reg.host}/names/tiny:1`]), 'push');
  });
  after(async () => {
    await reg?.stop();
    await b?.cleanup();
  });

  test('pull NAME:TAG@DIGEST records NAME@DIGEST; untag with either spelling finds it', T, async () => {
    const root = b.store();
    const digest = ok(await b.run(['push', '-q', '--tls-verify=false', imageId, `${reg.host}/names/tiny:2`]), 'push').stdout.trim();
    const full = `${reg.host}/names/tiny:2@${digest}`;
    ok(await b.run(['pull', '-q', '--tls-verify=false', full], { root }), 'pull tag@digest');
    const inspect = ok(await b.run(['inspect', '--format', '{{json .RepoTags}} {{json .NamesHistory}}', imageId], { root }), 'inspect');
    assert.equal(inspect.stdout, `[] ["${reg.host}/names/tiny@${digest}"]\n`);
    ok(await b.run(['untag', imageId, full], { root }), 'untag NAME:TAG@DIGEST');
    const gone = await b.run(['image', 'exists', full], { root });
    assert.equal(gone.code, 1);

    ok(await b.run(['pull', '-q', '--tls-verify=false', full], { root }), 'pull again');
    ok(await b.run(['untag', imageId, `${reg.host}/names/tiny@${digest}`], { root }), 'untag NAME@DIGEST');
  });

  test("pull of a tag the registry does not have: podman's words", { ...T, skip: skipPodman }, async () => {
    const p: ScratchPodman = await scratchPodman();
    try {
      const ref = `${reg.host}/names/tiny:nosuchtag`;
      const [pr, br] = [
        await p.run(['pull', '--tls-verify=false', ref]),
        await b.run(['pull', '--tls-verify=false', ref], { root: b.store() }),
      ];
      const err = (r: RunResult) => r.stderr.split('\n').find((l) => l.startsWith('Error: '));
      assert.equal(
        err(br),
        `Error: initializing source docker://${ref}: reading manifest nosuchtag in ${reg.host}/names/tiny: manifest unknown: manifest unknown`,
      );
      assert.equal(err(br), err(pr));
      assert.equal(br.code, pr.code);
    } finally {
      await p.cleanup();
    }
  });

  test('names history after tag, rmi and untag: as podman (containers/storage order)', { ...T, skip: skipPodman }, async () => {
    const p: ScratchPodman = await scratchPodman();
    try {
      const archive = path.join(b.dir, 'names.tar');
      ok(await b.run(['save', '-o', archive, imageId]), 'save');
      const steps = [
        ['load', '-q', '-i', archive],
        ['tag', imageId, 'localhost/n/a:1'],
        ['tag', imageId, 'localhost/n/b:1', 'localhost/n/c:1'],
        ['tag', imageId, 'localhost/n/d:1'],
        ['rmi', 'localhost/n/c:1'],
        ['tag', imageId, 'localhost/n/a:1'],
        ['untag', imageId, 'localhost/n/b:1'],
      ];
      const root = b.store();
      for (const s of steps) {
        const [pr, br] = [await p.run(s), await b.run(s, { root })];
        assert.equal(br.code, pr.code, `${s.join(' ')}: ${pr.stderr} / ${br.stderr}`);
        const fmt = ['inspect', '--format', '{{.RepoTags}} {{.NamesHistory}}', imageId];
        const [pi, bi] = [await p.run(fmt), await b.run(fmt, { root })];
        assert.equal(bi.stdout, pi.stdout, `after ${s.join(' ')}`);
      }
    } finally {
      await p.cleanup();
    }
  });
});

describe('history sizes', () => {
  test('podman prints "11.8 kB" (go-units, 3 significant digits, decimal units)', T, async () => {
    const b = await scratchBerth();
    try {
      const tarball = path.join(b.dir, 'rootfs.tar');
      await fsp.writeFile(tarball, makeTar({ 'a.bin': Buffer.alloc(10_000, 1) }));
      const id = ok(await b.run(['import', '-q', tarball, 'localhost/sizes:1']), 'import').stdout.trim();
      const sizes = ok(await b.run(['history', '--format', '{{.Size}}', 'localhost/sizes:1']), 'history').stdout;
      assert.equal(sizes, '11.8 kB\n');
      const table = ok(await b.run(['history', 'localhost/sizes:1']), 'history').stdout.split('\n');
      assert.match(table[1]!, new RegExp(`^${hex(id).slice(0, 12)} .* 11\\.8 kB {5}`));
      if (skipPodman === false) {
        const p = await scratchPodman();
        try {
          ok(await p.run(['import', '-q', tarball, 'localhost/sizes:1']), 'podman import');
          assert.equal(ok(await p.run(['history', '--format', '{{.Size}}', 'localhost/sizes:1']), 'podman history').stdout, sizes);
        } finally {
          await p.cleanup();
        }
      }
    } finally {
      await b.cleanup();
    }
  });
});

describe('platform mismatch', () => {
  test("--platform linux/arm64 on an amd64-only image: pulled, with podman's warning", T, async () => {
    const b = await scratchBerth();
    try {
      const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { architecture: 'amd64' });
      const r = ok(await b.run(['pull', '--platform', 'linux/arm64', `oci:${img.dir}:latest`], { root: b.store() }), 'pull');
      assert.equal(r.stdout, `${hex(img.configDigest)}\n`);
      assert.ok(
        r.stderr.split('\n').includes('WARNING: image platform (linux/amd64) does not match the expected platform (linux/arm64)'),
        r.stderr,
      );
      const q = ok(
        await b.run(['pull', '-q', '--arch', 'arm64', '--variant', 'v7', `oci:${img.dir}:latest`], { root: b.store() }),
        'pull -q',
      );
      assert.match(
        q.stderr,
        /^time="[^"]+" level=warning msg="image platform \(linux\/amd64\) does not match the expected platform \(linux\/arm64\/v7\)"\n$/,
      );
      const same = ok(
        await b.run(['pull', '-q', '--platform', 'linux/amd64', `oci:${img.dir}:latest`], { root: b.store() }),
        'pull matching',
      );
      assert.equal(same.stderr, '');
      if (skipPodman === false) {
        const p = await scratchPodman();
        try {
          // (podman names oci: pulls after the directory, which is not lowercase here: use an archive with a name)
          const root = b.store();
          ok(await b.run(['pull', '-q', `oci:${img.dir}:latest`], { root }), 'pull');
          ok(await b.run(['tag', hex(img.configDigest), 'localhost/plat:1'], { root }), 'tag');
          const archive = path.join(b.dir, 'plat.tar');
          ok(await b.run(['save', '-o', archive, 'localhost/plat:1'], { root }), 'save');
          const pr = ok(await p.run(['pull', '--platform', 'linux/arm64', `docker-archive:${archive}`]), 'podman pull');
          // podman 4.3.1 prints the platforms as Go structs; later versions as os/arch, like berth
          assert.match(pr.stderr, /^WARNING: image platform \(.*amd64.*\) does not match the expected platform \(.*arm64.*\)$/m);
        } finally {
          await p.cleanup();
        }
      }
    } finally {
      await b.cleanup();
    }
  });
});
