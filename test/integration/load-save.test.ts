/**
 * berth load / save / import against the real tools: archives written by podman and skopeo
 * load with the same image IDs and names; archives berth writes load in podman with the same
 * IDs and names and look the same to skopeo; compressed archives and import work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { berth, dockerArchive, makeImage, makeTar, sha256, storeImages, tarBuffer, type BuiltImage } from '../helpers/archives.js';
import { haveTool, rmrf, scratchPodman, skipUnlessTools, writeTinyOciLayout, type ScratchPodman, scratchDir } from '../helpers/tools.js';
import { indexTarFile, TarMembers } from '../../src/util/tar.js';
import { readMember } from '../../src/util/archive-input.js';

/** The fields of an image config these tests compare. */
interface ImageConfigJSON {
  config: unknown;
  rootfs: unknown;
  history: { comment?: string; created_by?: string }[];
  architecture: string;
  os: string;
}

const skip = skipUnlessTools('podman', 'skopeo');

type Images = { id: string; names: string[] }[];

/** podman's view: `podman images --format '{{.ID}} {{.Repository}}:{{.Tag}}' --no-trunc`. */
async function podmanImages(p: ScratchPodman): Promise<Images> {
  const r = await p.run(['images', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}', '--no-trunc']);
  assert.equal(r.code, 0, r.stderr);
  const m = new Map<string, string[]>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [id, name] = line.split(' ') as [string, string];
    const key = id.replace(/^sha256:/, '');
    const names = m.get(key) ?? [];
    if (name !== '<none>:<none>') names.push(name);
    m.set(key, names);
  }
  return [...m].map(([id, names]) => ({ id, names: names.sort() })).sort((a, b) => a.id.localeCompare(b.id));
}

/** "Loaded image: X" lines of a load, as a sorted list. */
function loadedLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('Loaded image'))
    .map((l) => l.replace(/^Loaded image\(s\): /, 'Loaded image: '))
    .sort();
}

/** manifest.json of a docker-archive plus a reader for its members (by our own safe tar index). */
function readArchive(file: string): {
  manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[];
  member(name: string): Buffer;
} {
  const members = new TarMembers(indexTarFile(file, file), file);
  const member = (name: string) => {
    const e = members.resolve(name);
    return readMember(file, e.offset, e.size);
  };
  return { manifest: JSON.parse(member('manifest.json').toString('utf8')), member };
}

describe('interop with podman and skopeo', { skip }, () => {
  let p: ScratchPodman;
  let dir: string;
  let n = 0;
  const newRoot = () => path.join(dir, `store-${++n}`);
  const multiLayer: BuiltImage = makeImage({
    repoTags: ['example.com/multi/layers:v1'],
    layers: [
      makeTar({ 'etc/os-release': 'ID=test\n' }),
      makeTar({ 'usr/bin/tool': '#!/bin/sh\necho tool\n' }),
      makeTar({ 'srv/data.bin': Buffer.alloc(5000, 7) }),
    ],
  });
  const names = ['docker.io/library/alpine:3', 'localhost/foo:latest', 'quay.io/x/y:tag'];

  before(async () => {
    dir = await scratchDir('berth-interop-');
    p = await scratchPodman();
    for (const [i, name] of names.entries()) {
      const oci = path.join(dir, `oci-${i}`);
      await writeTinyOciLayout(oci, { tag: 'v1', files: { [`file-${i}.txt`]: `file ${i}\n` } });
      const r = await p.skopeo(['copy', '-q', `oci:${oci}:v1`, p.storageRef(name)]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await p.run(['tag', 'quay.io/x/y:tag', 'quay.io/x/y:other'])).code, 0);
    const ml = path.join(dir, 'multilayer.tar');
    await fsp.writeFile(ml, dockerArchive([multiLayer]));
    const r = await p.run(['load', '-i', ml]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await p?.cleanup();
    if (dir) await rmrf(dir);
  });

  test('podman save of each image -> berth load: same ID and name', async () => {
    const all = await podmanImages(p);
    assert.equal(all.length, 4);
    for (const name of [...names, 'quay.io/x/y:other', 'example.com/multi/layers:v1']) {
      const file = path.join(dir, `podman-${name.replace(/[/:]/g, '_')}.tar`);
      const s = await p.run(['save', '-o', file, name]);
      assert.equal(s.code, 0, s.stderr);
      const root = newRoot();
      const r = await berth(root, ['load', '-i', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(loadedLines(r.stdout), [`Loaded image: ${name}`]);
      const id = all.find((x) => x.names.includes(name))!.id;
      assert.deepEqual(storeImages(root), [{ id, names: [name] }]);
      const c = await berth(root, ['system', 'check']);
      assert.equal(c.code, 0, c.stdout);
    }
  });

  test('podman save -m (multi-image) -> berth load keeps every image and every name', async () => {
    const file = path.join(dir, 'podman-multi.tar');
    const s = await p.run([
      'save',
      '-m',
      '-o',
      file,
      'alpine:3',
      'foo',
      'quay.io/x/y:tag',
      'quay.io/x/y:other',
      'example.com/multi/layers:v1',
    ]);
    assert.equal(s.code, 0, s.stderr);
    const root = newRoot();
    const r = await berth(root, ['load', '-q', '-i', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', '-q prints nothing on stderr');
    assert.deepEqual(storeImages(root), await podmanImages(p));
    // podman loading the same archive reports the same names
    const p2 = await scratchPodman();
    try {
      const pl = await p2.run(['load', '-i', file]);
      assert.equal(pl.code, 0, pl.stderr);
      assert.deepEqual(loadedLines(r.stdout), loadedLines(pl.stdout));
      assert.deepEqual(storeImages(root), await podmanImages(p2));
    } finally {
      await p2.cleanup();
    }
  });

  test('skopeo copy oci: -> docker-archive (tagged and untagged) -> berth load matches podman load', async () => {
    const tagged = path.join(dir, 'skopeo-tagged.tar');
    const untagged = path.join(dir, 'skopeo-untagged.tar');
    const oci = path.join(dir, 'oci-skopeo');
    const tiny = await writeTinyOciLayout(oci, { tag: 'v1', files: { 'skopeo.txt': 'via skopeo\n' } });
    assert.equal((await p.skopeo(['copy', '-q', `oci:${oci}:v1`, `docker-archive:${tagged}:bar:v2`])).code, 0);
    assert.equal((await p.skopeo(['copy', '-q', `oci:${oci}:v1`, `docker-archive:${untagged}`])).code, 0);
    const id = tiny.configDigest.slice(7);
    const root = newRoot();
    const r1 = await berth(root, ['load', '-i', tagged]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.deepEqual(loadedLines(r1.stdout), ['Loaded image: docker.io/library/bar:v2']);
    const root2 = newRoot();
    const r2 = await berth(root2, ['load', '-i', untagged]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(loadedLines(r2.stdout), [`Loaded image: sha256:${id}`]);
    assert.deepEqual(storeImages(root), [{ id, names: ['docker.io/library/bar:v2'] }]);
    assert.deepEqual(storeImages(root2), [{ id, names: [] }]);
    const p2 = await scratchPodman();
    try {
      const a = await p2.run(['load', '-i', tagged]);
      assert.deepEqual(loadedLines(a.stdout), loadedLines(r1.stdout));
      const b = await p2.run(['load', '-i', untagged]);
      assert.deepEqual(loadedLines(b.stdout), loadedLines(r2.stdout));
      assert.deepEqual(await podmanImages(p2), [{ id, names: ['docker.io/library/bar:v2'] }]);
    } finally {
      await p2.cleanup();
    }
  });

  test('berth save -> podman load gives the same ID and name; skopeo sees the same config and layers', async () => {
    const src = path.join(dir, 'podman-all.tar');
    assert.equal((await p.run(['save', '-m', '-o', src, 'alpine:3', 'foo', 'quay.io/x/y:tag', 'example.com/multi/layers:v1'])).code, 0);
    const root = newRoot();
    assert.equal((await berth(root, ['load', '-q', '-i', src])).code, 0);
    const all = await podmanImages(p);
    for (const name of [...names, 'example.com/multi/layers:v1']) {
      const id = all.find((x) => x.names.includes(name))!.id;
      const ours = path.join(dir, `berth-${name.replace(/[/:]/g, '_')}.tar`);
      const theirs = path.join(dir, `podman1-${name.replace(/[/:]/g, '_')}.tar`);
      const s = await berth(root, ['save', '-o', ours, name]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal((await p.run(['save', '-o', theirs, name])).code, 0);
      // no temp files left next to the output
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
      );
      const p2 = await scratchPodman();
      try {
        const l = await p2.run(['load', '-i', ours]);
        assert.equal(l.code, 0, l.stderr);
        assert.deepEqual(loadedLines(l.stdout), [`Loaded image: ${name}`]);
        assert.deepEqual(await podmanImages(p2), [{ id, names: [name] }]);
      } finally {
        await p2.cleanup();
      }
      const io = JSON.parse((await p.skopeo(['inspect', `docker-archive:${ours}`])).stdout) as { Digest: string; Layers: string[] };
      const it = JSON.parse((await p.skopeo(['inspect', `docker-archive:${theirs}`])).stdout) as { Digest: string; Layers: string[] };
      assert.deepEqual(io.Layers, it.Layers);
      assert.equal(io.Digest, it.Digest, 'same synthesized manifest digest');
      const raw = JSON.parse((await p.skopeo(['inspect', '--raw', `docker-archive:${ours}`])).stdout) as { config: { digest: string } };
      assert.equal(raw.config.digest, `sha256:${id}`);
      const cfg = (await p.skopeo(['inspect', '--config', '--raw', `docker-archive:${ours}`])).stdoutBuf;
      assert.equal(sha256(cfg), `sha256:${id}`, 'config bytes unchanged');
    }
  });

  test('berth save keeps layer and config bytes exactly', async () => {
    const root = newRoot();
    const src = path.join(dir, 'exact-src.tar');
    await fsp.writeFile(src, dockerArchive([multiLayer]));
    assert.equal((await berth(root, ['load', '-q', '-i', src])).code, 0);
    const out = path.join(dir, 'exact-out.tar');
    assert.equal((await berth(root, ['save', '-o', out, 'example.com/multi/layers:v1'])).code, 0);
    const a = readArchive(out);
    assert.equal(a.manifest.length, 1);
    assert.deepEqual(a.manifest[0]!.RepoTags, ['example.com/multi/layers:v1']);
    assert.equal(a.manifest[0]!.Config, `${multiLayer.id}.json`);
    assert.deepEqual(a.member(a.manifest[0]!.Config), multiLayer.config);
    assert.deepEqual(
      a.manifest[0]!.Layers,
      multiLayer.diffIDs.map((d) => `${d.slice(7)}.tar`),
    );
    a.manifest[0]!.Layers.forEach((l, i) => assert.deepEqual(a.member(l), multiLayer.layers[i]));
    // to stdout: the same archive content
    const s = await berth(root, ['save', 'example.com/multi/layers:v1']);
    assert.equal(s.code, 0, s.stderr);
    const viaStdout = path.join(dir, 'exact-stdout.tar');
    await fsp.writeFile(viaStdout, s.stdoutBuf);
    const b = readArchive(viaStdout);
    assert.deepEqual(b.manifest, a.manifest);
    b.manifest[0]!.Layers.forEach((l, i) => assert.deepEqual(b.member(l), multiLayer.layers[i]));
  });

  test('berth save -m -> podman load keeps every image and name', async () => {
    const src = path.join(dir, 'podman-m2.tar');
    assert.equal(
      (await p.run(['save', '-m', '-o', src, 'alpine:3', 'foo', 'quay.io/x/y:tag', 'quay.io/x/y:other', 'example.com/multi/layers:v1']))
        .code,
      0,
    );
    const root = newRoot();
    assert.equal((await berth(root, ['load', '-q', '-i', src])).code, 0);
    const out = path.join(dir, 'berth-m.tar');
    const s = await berth(root, [
      'save',
      '-m',
      '-o',
      out,
      'alpine:3',
      'foo',
      'quay.io/x/y:tag',
      'quay.io/x/y:other',
      'example.com/multi/layers:v1',
    ]);
    assert.equal(s.code, 0, s.stderr);
    const p2 = await scratchPodman();
    try {
      const l = await p2.run(['load', '-i', out]);
      assert.equal(l.code, 0, l.stderr);
      assert.deepEqual(await podmanImages(p2), await podmanImages(p));
      assert.deepEqual(storeImages(root), await podmanImages(p));
    } finally {
      await p2.cleanup();
    }
  });

  for (const [alg, tool, args] of [
    ['gzip', 'gzip', ['-c']],
    ['zstd', 'zstd', ['-q', '-c']],
    ['xz', 'xz', ['-c']],
  ] as const) {
    test(`${alg}-compressed archive loads via -i and via stdin`, { skip: haveTool(tool) ? false : `${tool} not installed` }, async () => {
      const plain = path.join(dir, `for-${alg}.tar`);
      assert.equal((await p.run(['save', '-o', plain, 'example.com/multi/layers:v1'])).code, 0);
      const compressed = execFileSync(tool, [...args, plain], { maxBuffer: 1 << 28 });
      const file = `${plain}.${alg}`;
      await fsp.writeFile(file, compressed);
      const expected = [{ id: multiLayer.id, names: ['example.com/multi/layers:v1'] }];
      const r1root = newRoot();
      const r1 = await berth(r1root, ['load', '-i', file]);
      assert.equal(r1.code, 0, r1.stderr);
      assert.deepEqual(storeImages(r1root), expected);
      const r2root = newRoot();
      const r2 = await berth(r2root, ['load'], { input: compressed });
      assert.equal(r2.code, 0, r2.stderr);
      assert.deepEqual(loadedLines(r2.stdout), ['Loaded image: example.com/multi/layers:v1']);
      assert.deepEqual(storeImages(r2root), expected);
      assert.equal((await berth(r2root, ['system', 'check'])).code, 0);
    });
  }

  test('docker-style archive (legacy layer dirs, familiar RepoTags) loads like podman loads it', async () => {
    const img = makeImage({
      repoTags: [
        'alpine:latest',
        'someone/tool:1.0',
        'library/bar:2',
        'docker.io/foo:1',
        'index.docker.io/y:1',
        'localhost:5000/x:1',
        'localhost/w:1',
      ],
      seed: 'legacy',
    });
    const file = path.join(dir, 'docker-legacy.tar');
    await fsp.writeFile(file, dockerArchive([img], { layout: 'legacy' }));
    const root = newRoot();
    const r = await berth(root, ['load', '-i', file]);
    assert.equal(r.code, 0, r.stderr);
    // podman's rule: short RepoTags go under localhost/, docker.io names are normalized
    assert.deepEqual(storeImages(root), [
      {
        id: img.id,
        names: [
          'docker.io/library/foo:1',
          'docker.io/library/y:1',
          'localhost/alpine:latest',
          'localhost/library/bar:2',
          'localhost/someone/tool:1.0',
          'localhost/w:1',
          'localhost:5000/x:1',
        ],
      },
    ]);
    const p2 = await scratchPodman();
    try {
      const l = await p2.run(['load', '-i', file]);
      assert.equal(l.code, 0, l.stderr);
      assert.deepEqual(loadedLines(r.stdout), loadedLines(l.stdout));
      assert.deepEqual(storeImages(root), await podmanImages(p2));
    } finally {
      await p2.cleanup();
    }
  });

  test('archive with gzip-compressed layer members loads with the right diffIDs', async () => {
    const img = makeImage({ repoTags: ['example.com/gzlayers:1'], layers: [makeTar({ 'a.txt': 'a\n' }), makeTar({ 'b.txt': 'b\n' })] });
    const file = path.join(dir, 'gz-layers.tar');
    await fsp.writeFile(file, dockerArchive([img], { gzipLayers: true }));
    const root = newRoot();
    const r = await berth(root, ['load', '-i', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/gzlayers:1'] }]);
    // saved back uncompressed: layers are the original tars, and podman agrees on the ID
    const out = path.join(dir, 'gz-layers-out.tar');
    assert.equal((await berth(root, ['save', '-o', out, 'example.com/gzlayers:1'])).code, 0);
    const a = readArchive(out);
    a.manifest[0]!.Layers.forEach((l, i) => assert.deepEqual(a.member(l), img.layers[i]));
    const p2 = await scratchPodman();
    try {
      assert.equal((await p2.run(['load', '-i', out])).code, 0);
      assert.deepEqual(await podmanImages(p2), [{ id: img.id, names: ['example.com/gzlayers:1'] }]);
    } finally {
      await p2.cleanup();
    }
  });

  test('duplicate member names: the first copy is used, as podman does', async () => {
    const good = makeTar({ 'dup.txt': 'good\n' });
    const evil = makeTar({ 'dup.txt': 'evil\n' });
    const img = makeImage({ repoTags: ['example.com/dup:1'], layers: [good] });
    const layerName = `${img.diffIDs[0]!.slice(7)}.tar`;
    const withDup = (first: Buffer, second: Buffer) =>
      tarBuffer([
        { name: layerName, data: first },
        { name: layerName, data: second },
        { name: `${img.id}.json`, data: img.config },
        {
          name: 'manifest.json',
          data: JSON.stringify([{ Config: `${img.id}.json`, RepoTags: ['example.com/dup:1'], Layers: [layerName] }]),
        },
      ]);
    const goodFirst = path.join(dir, 'dup-good-first.tar');
    const badFirst = path.join(dir, 'dup-bad-first.tar');
    await fsp.writeFile(goodFirst, withDup(good, evil));
    await fsp.writeFile(badFirst, withDup(evil, good));
    const root = newRoot();
    assert.equal((await berth(root, ['load', '-q', '-i', goodFirst])).code, 0);
    assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/dup:1'] }]);
    const root2 = newRoot();
    const r = await berth(root2, ['load', '-q', '-i', badFirst]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: layer 1\/1 .* does not match expected/);
    assert.deepEqual(storeImages(root2), []);
    const p2 = await scratchPodman();
    try {
      assert.equal((await p2.run(['load', '-i', goodFirst])).code, 0);
      assert.deepEqual(await podmanImages(p2), [{ id: img.id, names: ['example.com/dup:1'] }]);
    } finally {
      await p2.cleanup();
    }
    const p3 = await scratchPodman();
    try {
      assert.notEqual((await p3.run(['load', '-i', badFirst])).code, 0, 'podman refuses it too');
    } finally {
      await p3.cleanup();
    }
  });

  test('empty layers (1024-byte empty tar, zero-byte member) load with the same ID as in podman', async () => {
    const img = makeImage({ repoTags: ['example.com/empty:1'], layers: [Buffer.alloc(1024), Buffer.alloc(0), makeTar({ x: 'x' })] });
    const file = path.join(dir, 'empty-layers.tar');
    await fsp.writeFile(file, dockerArchive([img]));
    const root = newRoot();
    const r = await berth(root, ['load', '-i', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/empty:1'] }]);
    assert.equal((await berth(root, ['system', 'check'])).code, 0);
    const out = path.join(dir, 'empty-layers-out.tar');
    assert.equal((await berth(root, ['save', '-o', out, 'example.com/empty:1'])).code, 0);
    const a = readArchive(out);
    a.manifest[0]!.Layers.forEach((l, i) => assert.deepEqual(a.member(l), img.layers[i]));
    const p2 = await scratchPodman();
    try {
      assert.equal((await p2.run(['load', '-i', file])).code, 0);
      assert.deepEqual(await podmanImages(p2), storeImages(root));
      const p3 = await scratchPodman();
      try {
        assert.equal((await p3.run(['load', '-i', out])).code, 0);
        assert.deepEqual(await podmanImages(p3), storeImages(root));
      } finally {
        await p3.cleanup();
      }
    } finally {
      await p2.cleanup();
    }
  });

  for (const compressed of [false, true]) {
    test(`berth import of a ${compressed ? 'gzip' : 'plain'} tarball -> podman loads berth's save with the same ID`, async () => {
      const tar = makeTar({ 'etc/hostname': 'imported\n', 'bin/hello': '#!/bin/sh\necho hello\n' });
      const file = path.join(dir, `rootfs-${compressed ? 'gz' : 'plain'}.tar${compressed ? '.gz' : ''}`);
      await fsp.writeFile(file, compressed ? gzipSync(tar) : tar);
      const root = newRoot();
      const changes = [
        'CMD ["/bin/echo","hi"]',
        'ENV FOO=bar',
        'LABEL a=b',
        'EXPOSE 8080',
        'WORKDIR /srv',
        'USER nobody',
        'ENTRYPOINT /bin/sh',
        'VOLUME /data',
      ];
      const changeArgs = changes.flatMap((c) => ['--change', c]);
      const r = await berth(root, ['import', ...changeArgs, '--message', 'imported by test', file, 'example.com/imported:1']);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout
        .trim()
        .split('\n')
        .pop()!
        .replace(/^sha256:/, '');
      assert.match(id, /^[a-f0-9]{64}$/);
      assert.deepEqual(storeImages(root), [{ id, names: ['example.com/imported:1'] }]);
      const out = path.join(dir, `imported-${compressed}.tar`);
      assert.equal((await berth(root, ['save', '-o', out, 'example.com/imported:1'])).code, 0);
      const p2 = await scratchPodman();
      try {
        const l = await p2.run(['load', '-i', out]);
        assert.equal(l.code, 0, l.stderr);
        assert.deepEqual(await podmanImages(p2), [{ id, names: ['example.com/imported:1'] }]);
        // the layer is the tarball, uncompressed
        const a = readArchive(out);
        assert.deepEqual(a.member(a.manifest[0]!.Layers[0]!), tar);
        // --change and --message land in the config as podman import puts them there
        const ours = JSON.parse((await p2.skopeo(['inspect', '--config', `docker-archive:${out}`])).stdout) as ImageConfigJSON;
        const pi = await p2.run(['import', ...changeArgs, '--message', 'imported by test', file, 'example.com/podman-imported:1']);
        assert.equal(pi.code, 0, pi.stderr);
        const theirsFile = path.join(dir, `podman-imported-${compressed}.tar`);
        assert.equal((await p2.run(['save', '-o', theirsFile, 'example.com/podman-imported:1'])).code, 0);
        const theirs = JSON.parse((await p2.skopeo(['inspect', '--config', `docker-archive:${theirsFile}`])).stdout) as ImageConfigJSON;
        assert.deepEqual(ours.config, theirs.config);
        assert.deepEqual(ours.config, {
          User: 'nobody',
          ExposedPorts: { '8080/tcp': {} },
          Env: ['FOO=bar'],
          Entrypoint: ['/bin/sh', '-c', '/bin/sh'],
          Cmd: ['/bin/echo', 'hi'],
          Volumes: { '/data': {} },
          WorkingDir: '/srv',
          Labels: { a: 'b' },
        });
        assert.deepEqual(ours.rootfs, theirs.rootfs);
        assert.equal(ours.history.length, 1);
        assert.equal(ours.history[0].comment, 'imported by test');
        assert.equal(ours.history[0].created_by, theirs.history[0].created_by);
        assert.equal(ours.architecture, theirs.architecture);
        assert.equal(ours.os, theirs.os);
      } finally {
        await p2.cleanup();
      }
    });
  }
});

describe('load/save without external tools', () => {
  let dir: string;
  before(async () => {
    dir = await scratchDir('berth-ls-');
  });
  after(async () => {
    await rmrf(dir);
  });

  test('loading the same archive twice keeps one image; loading a retagged one adds the name', async () => {
    const root = path.join(dir, 'twice');
    const img = makeImage({ repoTags: ['example.com/twice:1'], seed: 'twice' });
    const f1 = path.join(dir, 'twice.tar');
    await fsp.writeFile(f1, dockerArchive([img]));
    assert.equal((await berth(root, ['load', '-i', f1])).code, 0);
    const r = await berth(root, ['load', '--progress=json', '-i', f1]);
    assert.equal(r.code, 0, r.stderr);
    // every blob of the second load was already in the store
    const blobs = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { kind: string; state?: string })
      .filter((e) => e.kind === 'blob');
    assert.ok(blobs.length > 0);
    assert.deepEqual(new Set(blobs.map((e) => e.state)), new Set(['exists']));
    assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/twice:1'] }]);
    const f2 = path.join(dir, 'twice2.tar');
    await fsp.writeFile(f2, dockerArchive([{ ...img, repoTags: ['example.com/twice:2'] }]));
    assert.equal((await berth(root, ['load', '-i', f2])).code, 0);
    assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/twice:1', 'example.com/twice:2'] }]);
  });

  test('manifest.json may name a member through one symlink inside the archive (legacy layout)', async () => {
    const root = path.join(dir, 'symlinked');
    const img = makeImage({ repoTags: ['example.com/symlinked:1'], seed: 'symlinked' });
    const hex = img.diffIDs[0]!.slice(7);
    const f = path.join(dir, 'symlinked.tar');
    await fsp.writeFile(
      f,
      dockerArchive([img], {
        extra: [
          { name: `${hex}`, type: 'dir' },
          { name: `${hex}/layer.tar`, type: 'symlink', linkname: `../${hex}.tar` },
        ],
        mutate: (m) => {
          m[0]!.Layers = [`${hex}/layer.tar`];
        },
      }),
    );
    const r = await berth(root, ['load', '-q', '-i', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/symlinked:1'] }]);
  });

  test('a name moves to the image loaded last', async () => {
    const root = path.join(dir, 'move');
    const a = makeImage({ repoTags: ['example.com/moving:latest'], seed: 'move-a' });
    const b = makeImage({ repoTags: ['example.com/moving:latest'], seed: 'move-b' });
    for (const [i, img] of [a, b].entries()) {
      const f = path.join(dir, `move-${i}.tar`);
      await fsp.writeFile(f, dockerArchive([img]));
      assert.equal((await berth(root, ['load', '-q', '-i', f])).code, 0);
    }
    assert.deepEqual(
      storeImages(root),
      [
        { id: a.id, names: [] },
        { id: b.id, names: ['example.com/moving:latest'] },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
  });
});
