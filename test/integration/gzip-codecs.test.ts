/**
 * gzip through every codec berth can use (BERTH_GZIP=igzip|pigz|zlib): load, save, push (which
 * compresses) and pull against a real registry give the same verified images whichever codec
 * runs; a codec program that fails is a one-line error, one that lies is caught by the digest
 * and diffID checks; either way the store is left as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { haveTool, toolPath, type RunResult } from '../helpers/tools.js';
import { assertOneLineError, dockerArchive, makeImage, makeTar, sha256, storeImages, storeSnapshot } from '../helpers/archives.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const T = { timeout: 120_000 };
const CODECS = (['igzip', 'pigz', 'zlib'] as const).filter((c) => c === 'zlib' || haveTool(c));

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}

describe('gzip codecs', { skip }, () => {
  let reg: Registry;
  let b: ScratchBerth;
  let plainArchive: string;
  let gzArchive: string;
  let fakes: string;
  // two layers: one that compresses well, one that does not (so the codecs' outputs differ)
  const img = makeImage({
    repoTags: ['localhost/codecs/app:1'],
    layers: [
      makeTar({ 'etc/text.txt': 'all work and no play '.repeat(40_000) }),
      makeTar({ 'bin/random.bin': randomBytes(600_000), 'bin/zeros.bin': Buffer.alloc(300_000) }),
    ],
  });
  const env = (codec: string, extra: Record<string, string> = {}) => ({ env: { BERTH_GZIP: codec, ...extra } });
  /** A directory holding a fake `program` (a shell script), to put first in PATH. */
  const fakeProgram = async (name: string, program: string, body: string): Promise<string> => {
    const dir = path.join(fakes, name);
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, program), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return `${dir}:${process.env.PATH}`;
  };
  const fakeIgzip = (name: string, body: string) => fakeProgram(name, 'igzip', body);

  before(async () => {
    reg = await startRegistry();
    b = await scratchBerth();
    fakes = path.join(b.dir, 'fakes');
    plainArchive = path.join(b.dir, 'plain.tar');
    gzArchive = path.join(b.dir, 'gz.tar');
    await fsp.writeFile(plainArchive, dockerArchive([img]));
    await fsp.writeFile(gzArchive, dockerArchive([img], { gzipLayers: true }));
  });
  after(async () => {
    await reg?.stop();
    await b?.cleanup();
  });

  for (const codec of CODECS) {
    test(`BERTH_GZIP=${codec}: load, save, push and pull give the same verified image`, T, async () => {
      // load of gzip-compressed layers: decompressed (and the diffIDs checked) by the codec
      const root = b.store();
      const loaded = await b.run(['--log-level=debug', 'load', '-i', gzArchive], { ...env(codec), root });
      assertOk(loaded, 'load');
      assert.match(loaded.stderr, new RegExp(`gzip decompress: using ${codec === 'zlib' ? 'node:zlib' : `\\S*/${codec}`}`));
      // a program decompresses: its output goes straight to openssl (when installed), not through node
      const chain = codec !== 'zlib' && haveTool('openssl') && haveTool('dd');
      assert.match(
        loaded.stderr,
        chain ? new RegExp(`gzip diffID: \\S*/${codec} \\| \\S*/dd \\| \\S*/openssl dgst -sha256`) : /gzip diffID: hashed in process/,
      );
      assert.deepEqual(storeImages(root), [{ id: img.id, names: ['localhost/codecs/app:1'] }]);
      const diffIDs = JSON.parse((await b.run(['inspect', '--format', '{{json .RootFS.Layers}}', img.id], { root })).stdout);
      assert.deepEqual(diffIDs, img.diffIDs);

      // save and load again (a fresh store)
      const saved = path.join(b.dir, `saved-${codec}.tar`);
      assertOk(await b.run(['save', '-o', saved, img.id], { ...env(codec), root }), 'save');
      const root2 = b.store();
      assertOk(await b.run(['load', '-i', saved], { ...env(codec), root: root2 }), 'load of the saved archive');
      assert.deepEqual(
        storeImages(root2).map((i) => i.id),
        [img.id],
      );

      // push of uncompressed layers: compressed by the codec, digests of the bytes it produced
      const root3 = b.store();
      assertOk(await b.run(['load', '-i', plainArchive], { root: root3 }), 'load of the plain archive');
      const ref = `${reg.host}/codecs/${codec}:1`;
      const pushed = await b.run(['--log-level=debug', 'push', '--tls-verify=false', img.id, `docker://${ref}`], {
        ...env(codec),
        root: root3,
      });
      assertOk(pushed, 'push');
      assert.match(pushed.stderr, new RegExp(`gzip compress: using ${codec === 'zlib' ? 'node:zlib' : `\\S*/${codec}`}`));
      // a program reads the stored layer files itself (node:zlib is fed the stream)
      const fromFile = pushed.stderr.match(
        new RegExp(`layer \\d/2 \\(blob sha256:[0-9a-f]{64}\\) of \\S+: ${codec} compresses the stored file`, 'g'),
      );
      assert.equal(fromFile?.length ?? 0, codec === 'zlib' ? 0 : 2, pushed.stderr);
      const manifestDigest = pushed.stdout.trim();
      const manifest = JSON.parse(fs.readFileSync(reg.blobPath(manifestDigest), 'utf8')) as { layers: { digest: string; size: number }[] };
      assert.equal(manifest.layers.length, 2);
      for (const [i, l] of manifest.layers.entries()) {
        const blob = fs.readFileSync(reg.blobPath(l.digest));
        assert.equal(sha256(blob), l.digest, 'the registry holds the bytes the manifest names');
        assert.equal(blob.length, l.size);
        assert.ok(gunzipSync(blob).equals(img.layers[i]!), `layer ${i} decompresses to the original tar`);
      }

      // pull it back, decompressing with this codec and with node:zlib
      for (const pullCodec of new Set([codec, 'zlib'])) {
        const root4 = b.store();
        const pulled = await b.run(['pull', '-q', '--tls-verify=false', ref], { ...env(pullCodec), root: root4 });
        assertOk(pulled, `pull with ${pullCodec}`);
        assert.equal(pulled.stdout, `${img.id}\n`);
        assert.deepEqual(
          JSON.parse((await b.run(['inspect', '--format', '{{json .RootFS.Layers}}', img.id], { root: root4 })).stdout),
          img.diffIDs,
        );
      }
    });
  }

  test(
    'a push that compresses a damaged stored layer fails before the manifest is written',
    { ...T, skip: CODECS.length === 1 && 'no gzip program installed' },
    async () => {
      const codec = CODECS[0]!;
      const root = b.store();
      assertOk(await b.run(['load', '-i', plainArchive], { root }), 'load of the plain archive');
      // same size, one byte changed: only hashing tells
      const blob = path.join(root, 'blobs', 'sha256', img.diffIDs[0]!.slice(7));
      const fd = fs.openSync(blob, 'r+');
      fs.writeSync(fd, Buffer.from('X'), 0, 1, 1000);
      fs.closeSync(fd);
      const ref = `${reg.host}/codecs/damaged:1`;
      const pushed = await b.run(['push', '-q', '--tls-verify=false', img.id, `docker://${ref}`], { ...env(codec), root });
      assertOneLineError(pushed, img.diffIDs[0]!, /the stored blob does not match its digest/);
      const root2 = b.store();
      const pull = await b.run(['pull', '-q', '--tls-verify=false', ref], { ...env('zlib'), root: root2 });
      assert.notEqual(pull.code, 0, 'the registry has no manifest for the failed push');
      assert.match(pull.stderr, /manifest unknown|not found/i);
    },
  );

  test(
    'a layer the registry already holds uncompressed is not uploaded again; the compressor started for it is stopped',
    { ...T, skip: CODECS.length === 1 && 'no gzip program installed' },
    async () => {
      const codec = CODECS[0]!;
      // the program logs each compression it starts (decompressions check the output)
      const started = path.join(b.dir, 'compressions.log');
      const PATH = await fakeProgram(
        'logging',
        codec,
        `case "$*" in *-d*) ;; *) echo "$$" >> '${started}' ;; esac\nexec '${toolPath(codec)}' "$@"`,
      );
      const root = b.store();
      assertOk(await b.run(['load', '-i', plainArchive], { root }), 'load of the plain archive');
      // the first layer's tar, uploaded as it is (a monolithic upload)
      const repo = 'codecs/held';
      const post = await fetch(`http://${reg.host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      assert.equal(post.status, 202);
      const loc = new URL(post.headers.get('location')!, `http://${reg.host}`);
      loc.searchParams.set('digest', img.diffIDs[0]!);
      const put = await fetch(loc, {
        method: 'PUT',
        body: new Uint8Array(img.layers[0]!),
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(put.status, 201);

      const pushed = await b.run(['--log-level=debug', 'push', '--tls-verify=false', img.id, `docker://${reg.host}/${repo}:1`], {
        ...env(codec, { PATH }),
        root,
      });
      assertOk(pushed, 'push');
      // both compressions started before the registry was asked; only the second one was used
      assert.equal(fs.readFileSync(started, 'utf8').trim().split('\n').length, 2);
      const fromFile = pushed.stderr.match(/layer (\d)\/2 \(blob sha256:[0-9a-f]{64}\) of \S+: \S+ compresses the stored file/g) ?? [];
      assert.deepEqual(
        fromFile.map((l) => l.slice(0, 9)),
        ['layer 2/2'],
        pushed.stderr,
      );
      const manifest = JSON.parse(fs.readFileSync(reg.blobPath(pushed.stdout.trim()), 'utf8')) as { layers: { digest: string }[] };
      assert.equal(manifest.layers[0]!.digest, img.diffIDs[0], 'the held tar is named as it is');
      const second = fs.readFileSync(reg.blobPath(manifest.layers[1]!.digest));
      assert.ok(gunzipSync(second).equals(img.layers[1]!), 'the second layer was compressed and uploaded');
    },
  );

  test('two pushes of the same layers with the same codec give the same manifest digest', T, async () => {
    const codec = CODECS[0]!;
    const root = b.store();
    assertOk(await b.run(['load', '-i', plainArchive], { root }), 'load of the plain archive');
    const digests: string[] = [];
    for (const repo of ['codecs/same-a', 'codecs/same-b']) {
      const pushed = await b.run(['push', '-q', '--tls-verify=false', img.id, `docker://${reg.host}/${repo}:1`], { ...env(codec), root });
      assertOk(pushed, `push to ${repo}`);
      digests.push(pushed.stdout.trim());
    }
    assert.match(digests[0]!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(digests[1], digests[0]);
  });

  test('an unknown BERTH_GZIP value, or a codec missing from PATH, is a one-line error', T, async () => {
    const root = b.store();
    assertOk(await b.run(['images'], { root }), 'create the store');
    const before = await storeSnapshot(root);
    const bad = await b.run(['load', '-i', gzArchive], { ...env('lzma'), root });
    assertOneLineError(bad, 'BERTH_GZIP', /invalid BERTH_GZIP value "lzma": use igzip, pigz or zlib/);
    const missing = await b.run(['load', '-i', gzArchive], { ...env('igzip', { PATH: path.join(b.dir, 'nowhere') }), root });
    assertOneLineError(missing, 'igzip', /BERTH_GZIP=igzip: igzip was not found in PATH/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('a codec program that fails is a one-line error naming it; the store is unchanged', T, async () => {
    const PATH = await fakeIgzip('failing', 'cat >/dev/null\necho "igzip: simulated disk failure" >&2\nexit 3');
    const root = b.store();
    assertOk(await b.run(['load', '-i', plainArchive], { root }), 'load of the plain archive');
    const before = await storeSnapshot(root);
    const load = await b.run(['load', '-i', gzArchive], { ...env('igzip', { PATH }), root });
    assertOneLineError(load, 'igzip: simulated disk failure', /corrupt gzip data/);
    const ref = `${reg.host}/codecs/zlib:1`;
    const pushed = await b.run(['push', '--tls-verify=false', img.id, `docker://${reg.host}/codecs/failing:1`], {
      ...env('igzip', { PATH }),
      root,
    });
    assertOneLineError(pushed, 'igzip: simulated disk failure', /gzip compression failed/);
    // a pull whose layers go through the failing program
    const root2 = b.store();
    assertOk(await b.run(['images'], { root: root2 }), 'create the store');
    const before2 = await storeSnapshot(root2);
    const pull = await b.run(['pull', '-q', '--tls-verify=false', ref], { ...env('igzip', { PATH }), root: root2 });
    assertOneLineError(pull, 'igzip: simulated disk failure', /corrupt gzip data/);
    assert.deepEqual(await storeSnapshot(root), before);
    assert.deepEqual(await storeSnapshot(root2), before2);
  });

  test(
    'diffIDs hashed in process when openssl is missing, and by openssl, are the same',
    { ...T, skip: !haveTool('igzip') && 'igzip not installed' },
    async () => {
      // a PATH with igzip alone: decompressed by igzip, hashed by node
      const only = path.join(fakes, 'igzip-only');
      await fsp.mkdir(only, { recursive: true });
      await fsp.symlink(toolPath('igzip')!, path.join(only, 'igzip'));
      const ref = `${reg.host}/codecs/hashers:1`;
      const root0 = b.store();
      assertOk(await b.run(['load', '-i', plainArchive], { root: root0 }), 'load of the plain archive');
      assertOk(await b.run(['push', '--tls-verify=false', img.id, `docker://${ref}`], { root: root0 }), 'push');
      const sizes: unknown[] = [];
      for (const PATH of [only, process.env.PATH!]) {
        const root = b.store();
        const pulled = await b.run(['--log-level=debug', 'pull', '-q', '--tls-verify=false', ref], { ...env('igzip', { PATH }), root });
        assertOk(pulled, `pull with PATH=${PATH}`);
        assert.match(pulled.stderr, PATH === only ? /gzip diffID: hashed in process/ : /gzip diffID: \S*\/igzip \| /);
        assert.equal(pulled.stdout, `${img.id}\n`);
        const inspect = await b.run(['inspect', '--format', '{{json .RootFS.Layers}} {{.Size}}', img.id], { root });
        const [layers, size] = inspect.stdout.trim().split(' ');
        assert.deepEqual(JSON.parse(layers!), img.diffIDs);
        sizes.push(Number(size));
      }
      assert.equal(sizes[0], sizes[1], 'the same uncompressed sizes are recorded');
      assert.ok((sizes[0] as number) >= img.layers.reduce((a, l) => a + l.length, 0));
    },
  );

  test(
    'a hashing program that lies or fails is caught; the store is unchanged',
    { ...T, skip: !haveTool('openssl') && 'openssl not installed' },
    async () => {
      const ref = `${reg.host}/codecs/zlib:1`;
      const root = b.store();
      assertOk(await b.run(['images'], { root }), 'create the store');
      const before = await storeSnapshot(root);
      const lying = await fakeProgram('lying-openssl', 'openssl', 'cat >/dev/null\necho "$(printf 0%.0s $(seq 64)) *stdin"');
      const r1 = await b.run(['pull', '-q', '--tls-verify=false', ref], { ...env('igzip', { PATH: lying }), root });
      assertOneLineError(r1, 'DiffID', /does not match the config's DiffID/);
      const failing = await fakeProgram('failing-openssl', 'openssl', 'cat >/dev/null\necho "openssl: simulated failure" >&2\nexit 1');
      const r2 = await b.run(['pull', '-q', '--tls-verify=false', ref], { ...env('igzip', { PATH: failing }), root });
      assertOneLineError(r2, 'openssl', /hashing decompressed gzip data failed: openssl: simulated failure/);
      assert.deepEqual(await storeSnapshot(root), before);

      // a push checks what the compressor wrote with the same programs: a lie or a failure
      // there stops it before the manifest is written
      if (!haveTool('igzip')) return;
      const root2 = b.store();
      assertOk(await b.run(['load', '-i', plainArchive], { root: root2 }), 'load of the plain archive');
      const dest = `${reg.host}/codecs/lying-check:1`;
      const p1 = await b.run(['push', '-q', '--tls-verify=false', img.id, `docker://${dest}`], {
        ...env('igzip', { PATH: lying }),
        root: root2,
      });
      assertOneLineError(p1, 'igzip', /what igzip compressed does not decompress to the layer/);
      const p2 = await b.run(['push', '-q', '--tls-verify=false', img.id, `docker://${dest}`], {
        ...env('igzip', { PATH: failing }),
        root: root2,
      });
      assertOneLineError(
        p2,
        'openssl',
        /does not decompress to the layer \(hashing decompressed gzip data failed: openssl: simulated failure\)/,
      );
      const pull = await b.run(['pull', '-q', '--tls-verify=false', dest], { ...env('zlib'), root: b.store() });
      assert.notEqual(pull.code, 0, 'the registry has no manifest for the failed pushes');
      assert.match(pull.stderr, /manifest unknown|not found/i);
    },
  );

  test('a codec program killed by a signal is a one-line error', T, async () => {
    const PATH = await fakeIgzip('killed', 'kill -9 $$');
    const root = b.store();
    assertOk(await b.run(['images'], { root }), 'create the store');
    const before = await storeSnapshot(root);
    const load = await b.run(['load', '-i', gzArchive], { ...env('igzip', { PATH }), root });
    assertOneLineError(load, 'igzip', /gzip decompression failed: igzip was killed by SIGKILL/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('a codec program that lies is caught by the diffID and digest checks; the store is unchanged', T, async () => {
    // real gzip work, with the output altered on the way out (exit status 0)
    const PATH = await fakeIgzip('lying', 'if [ "$1" = -d ]; then gzip -d -c; else gzip -c -n; fi | tr a b');
    const root = b.store();
    assertOk(await b.run(['images'], { root }), 'create the store');
    const before = await storeSnapshot(root);
    const load = await b.run(['load', '-i', gzArchive], { ...env('igzip', { PATH }), root });
    assertOneLineError(load, 'DiffID', /does not match the config's DiffID/);
    const pull = await b.run(['pull', '-q', '--tls-verify=false', `${reg.host}/codecs/zlib:1`], { ...env('igzip', { PATH }), root });
    assertOneLineError(pull, 'DiffID', /does not match the config's DiffID/);
    assert.deepEqual(await storeSnapshot(root), before);

    // a lying compressor: what it wrote is decompressed on the way out and compared with the
    // layer, so the push fails before the manifest is written
    const root2 = b.store();
    assertOk(await b.run(['load', '-i', plainArchive], { root: root2 }), 'load of the plain archive');
    const ref = `${reg.host}/codecs/lying:1`;
    const pushed = await b.run(['push', '--tls-verify=false', img.id, `docker://${ref}`], { ...env('igzip', { PATH }), root: root2 });
    assertOneLineError(pushed, 'igzip', /what igzip compressed does not decompress to the layer/);
    const root3 = b.store();
    assertOk(await b.run(['images'], { root: root3 }), 'create the store');
    const before3 = await storeSnapshot(root3);
    const pull2 = await b.run(['pull', '-q', '--tls-verify=false', ref], { ...env('zlib'), root: root3 });
    assert.notEqual(pull2.code, 0, 'the registry has no manifest for the failed push');
    assert.match(pull2.stderr, /manifest unknown|not found/i);
    assert.deepEqual(await storeSnapshot(root3), before3);
  });
});
