/**
 * Progress lines without a terminal, line by line against podman 4.3.1 and skopeo 1.9.3 on the
 * same images and the same registry: "Getting image source signatures" (not for save, nor with
 * --remove-signatures), "Copying blob sha256:<hex>" once per layer whether copied or already
 * present, "Copying config sha256:<hex>", "Writing manifest to image destination", "Storing
 * signatures"; pull, push, load, save and import write them on stderr, copy on stdout (skopeo's);
 * --quiet writes none of them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  haveTool,
  makeTar,
  scratchPodman,
  writeTinyOciLayout,
  type RunResult,
  type ScratchPodman,
  type TinyImage,
} from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { startRegistry, type Registry } from '../helpers/registry.js';

const T = { timeout: 120_000 };
const skipTools = haveTool('podman') && haveTool('skopeo') ? false : 'podman and skopeo are needed';

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

/** The lines with every digest made alike, for outputs whose digests differ by design (compression, timestamps). */
const shape = (s: string) => s.replace(/sha256:[0-9a-f]{64}/g, 'sha256:X');

describe('progress lines without a terminal, as podman and skopeo', { skip: skipTools }, () => {
  let reg: Registry;
  let b: ScratchBerth;
  let p: ScratchPodman;
  let img: TinyImage;
  let ref: string;
  let root: string;
  let n = 0;

  before(async () => {
    reg = await startRegistry();
    b = await scratchBerth();
    p = await scratchPodman();
    root = b.store();
    img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { gzip: true });
    ref = `${reg.host}/pl/tiny:1`;
    ok(await b.run(['copy', '-q', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${ref}`]), 'seed the registry');
  });
  after(async () => {
    await p?.cleanup();
    await b?.cleanup();
    await reg?.stop();
  });

  const layer = () => img.layerDigest;
  const diffID = () => `sha256:${createHash('sha256').update(gunzipSync(img.layer)).digest('hex')}`;
  const lines = (...l: string[]) => l.map((x) => `${x}\n`).join('');
  const copyLines = (blob: string, config: string, signatures = true) =>
    lines(
      ...(signatures ? ['Getting image source signatures'] : []),
      `Copying blob ${blob}`,
      `Copying config ${config}`,
      'Writing manifest to image destination',
      'Storing signatures',
    );

  test('pull: the same stderr and stdout as podman, also when every blob is present', T, async () => {
    for (const pass of ['first', 'again']) {
      const mine = ok(await b.run(['pull', '--tls-verify=false', ref], { root }), `berth pull (${pass})`);
      const theirs = ok(await p.run(['pull', '--tls-verify=false', ref]), `podman pull (${pass})`);
      assert.equal(mine.stderr, lines(`Trying to pull ${ref}...`) + copyLines(layer(), img.configDigest));
      assert.equal(mine.stderr, theirs.stderr, pass);
      assert.equal(mine.stdout, theirs.stdout);
    }
    const q = ok(await b.run(['pull', '-q', '--tls-verify=false', ref], { root: b.store() }), 'pull -q');
    assert.equal(q.stderr, '');
    assert.equal(q.stdout, `${img.configDigest.slice(7)}\n`);
  });

  test("push: podman's lines (a layer of the store named by its uncompressed digest), none with -q; --remove-signatures", T, async () => {
    const dest = `${reg.host}/pl/pushed-${n++}:1`;
    const mine = ok(await b.run(['push', '--tls-verify=false', ref, dest], { root }), 'berth push');
    assert.equal(mine.stderr, copyLines(diffID(), img.configDigest));
    const theirs = ok(await p.run(['push', '--tls-verify=false', ref, `${reg.host}/pl/podman-${n++}:1`]), 'podman push');
    assert.equal(mine.stderr, theirs.stderr);

    const bare = ok(await b.run(['push', '--remove-signatures', '--tls-verify=false', ref, dest], { root }), 'berth push');
    const podBare = ok(await p.run(['push', '--remove-signatures', '--tls-verify=false', ref, `${reg.host}/pl/podman-${n++}:1`]), 'podman');
    assert.equal(bare.stderr, copyLines(diffID(), img.configDigest, false));
    assert.equal(bare.stderr, podBare.stderr);

    const q = ok(await b.run(['push', '-q', '--tls-verify=false', ref, dest], { root }), 'push -q');
    assert.equal(q.stderr, '');
  });

  test('save and load: the same lines as podman; nothing on stderr with -q or an archive on stdout', T, async () => {
    const mine = path.join(b.dir, `b-${n++}.tar`);
    const theirs = path.join(b.dir, `p-${n++}.tar`);
    const s1 = ok(await b.run(['save', '-o', mine, ref], { root }), 'berth save');
    const s2 = ok(await p.run(['save', '-o', theirs, ref]), 'podman save');
    // the layer is named by its uncompressed digest (podman's store keeps layers uncompressed), though
    // berth's store holds it as pulled (gzip)
    assert.equal(s1.stderr, s2.stderr);
    assert.equal(s1.stderr, copyLines(diffID(), img.configDigest, false), 'archives hold no signatures');
    assert.equal(s1.stdout, '');
    for (const [format, ...flags] of [['oci-archive'], ['oci-archive', '--uncompressed'], ['oci-dir'], ['docker-dir']] as const) {
      const out = (who: string) => path.join(b.dir, `${who}-${n++}-${format}`);
      const f1 = ok(await b.run(['save', '--format', format, ...flags, '-o', out('b'), ref], { root }), `berth save ${format}`);
      const f2 = ok(await p.run(['save', '--format', format, '-o', out('p'), ref]), `podman save ${format}`);
      assert.equal(f1.stderr, f2.stderr, format);
      assert.equal(f1.stderr, copyLines(diffID(), img.configDigest, false), format);
    }
    const toStdout = await b.run(['save', ref], { root });
    assert.equal(toStdout.code, 0);
    assert.equal(toStdout.stderr, '');
    assert.equal(ok(await b.run(['save', '-q', '-o', path.join(b.dir, `q-${n++}.tar`), ref], { root }), 'save -q').stderr, '');

    const l1 = ok(await b.run(['load', '-i', mine], { root: b.store() }), 'berth load');
    const other = await scratchPodman();
    try {
      const l2 = ok(await other.run(['load', '-i', mine]), 'podman load');
      assert.equal(l1.stderr, l2.stderr);
      assert.equal(l1.stdout, l2.stdout);
    } finally {
      await other.cleanup();
    }
    assert.equal(l1.stderr, copyLines(diffID(), img.configDigest));
    assert.equal(l1.stdout, `Loaded image: ${ref}\n`);
    const q = ok(await b.run(['load', '-q', '-i', mine], { root: b.store() }), 'load -q');
    assert.equal(q.stderr, '');
    assert.equal(q.stdout, `Loaded image: ${ref}\n`);
  });

  test('import: podman\'s lines and "sha256:ID" on stdout; -q prints only that', T, async () => {
    const tarball = path.join(b.dir, 'rootfs.tar');
    await fsp.writeFile(tarball, makeTar({ 'etc/motd': 'imported\n' }));
    const mine = ok(await b.run(['import', tarball, 'localhost/pl/imported:1'], { root }), 'berth import');
    const theirs = ok(await p.run(['import', tarball, 'localhost/pl/imported:1']), 'podman import');
    // the config differs (its creation time), the layer is the same
    assert.equal(shape(mine.stderr), shape(theirs.stderr));
    assert.match(mine.stderr, /^Getting image source signatures\nCopying blob (sha256:[0-9a-f]{64})\n/);
    assert.equal(/Copying blob (\S+)/.exec(mine.stderr)![1], /Copying blob (\S+)/.exec(theirs.stderr)![1]);
    assert.match(mine.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.match(theirs.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.ok(mine.stderr.includes(`Copying config ${mine.stdout.trim()}\n`), 'the config is the image ID');
    const q = ok(await b.run(['import', '-q', tarball], { root }), 'import -q');
    assert.equal(q.stderr, '');
    assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  test("copy: skopeo's lines on stdout; -q prints none", T, async () => {
    const mine = ok(
      await b.run(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(b.dir, `o-${n++}`)}:x`]),
      'berth copy',
    );
    const theirs = ok(
      await p.skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(b.dir, `s-${n++}`)}:x`]),
      'skopeo copy',
    );
    assert.equal(mine.stdout, theirs.stdout);
    assert.equal(mine.stdout, copyLines(layer(), img.configDigest));
    const bare = ok(
      await b.run(['copy', '--remove-signatures', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(b.dir, `o-${n++}`)}:x`]),
      'copy --remove-signatures',
    );
    assert.equal(bare.stdout, copyLines(layer(), img.configDigest, false));
    const q = ok(
      await b.run(['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(b.dir, `o-${n++}`)}:x`]),
      'copy -q',
    );
    assert.equal(q.stdout, '');
    assert.equal(q.stderr, '');
  });
});
