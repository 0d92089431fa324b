/**
 * Bad input for load / import / save: every case must fail with a non-zero exit code, one
 * line of stderr "Error: ..." naming the input (no stack trace), and leave the store exactly
 * as it was (blobs, temp dir, image list, leases, `system check` output).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import {
  assertOneLineError,
  berth,
  dockerArchive,
  makeImage,
  makeTar,
  sha256,
  storeImages,
  storeSnapshot,
  type BuiltImage,
} from '../helpers/archives.js';
import { haveTool, rmrf } from '../helpers/tools.js';

let dir: string;
let root: string;
let good: BuiltImage;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-bad-'));
  root = path.join(dir, 'store');
  // a store that already holds an image, so "unchanged" means something
  good = makeImage({ repoTags: ['example.com/base:1'], seed: 'baseline' });
  const p = path.join(dir, 'baseline.tar');
  await fsp.writeFile(p, dockerArchive([good]));
  const r = await berth(root, ['load', '-q', '-i', p]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(storeImages(root), [{ id: good.id, names: ['example.com/base:1'] }]);
});

after(async () => {
  await rmrf(dir);
});

let n = 0;
/** Write `data` as a new archive file, run berth, check error contract + unchanged store. */
async function expectRejected(
  name: string,
  data: Buffer,
  pattern: RegExp,
  opts: { stdin?: boolean; cmd?: string[] } = {},
): Promise<string> {
  const file = path.join(dir, `${String(++n).padStart(2, '0')}-${name}`);
  await fsp.writeFile(file, data);
  const before = await storeSnapshot(root);
  const args = opts.cmd ?? (opts.stdin ? ['load', '-q'] : ['load', '-q', '-i', file]);
  const r = await berth(root, args, opts.stdin ? { input: data } : {});
  const line = assertOneLineError(r, opts.stdin ? 'stdin' : file, pattern);
  const afterSnap = await storeSnapshot(root);
  assert.deepEqual(afterSnap, before, 'store changed');
  assert.deepEqual(afterSnap.tmp, [], 'temp files left behind');
  assert.equal(afterSnap.leases, 0, 'lease left open');
  assert.equal(afterSnap.check.code, 0, afterSnap.check.stdout);
  return line;
}

const img = (seed: string, repoTags: string[] | null = [`example.com/${seed}:1`]) => makeImage({ repoTags, seed });

describe('load rejects malformed archives', () => {
  test('truncated in the middle of a layer', async () => {
    const a = dockerArchive([img('trunc', ['example.com/trunc:1'])]);
    await expectRejected('trunc-layer.tar', a.subarray(0, 700), /truncated/);
  });

  test('truncated in the middle of manifest.json', async () => {
    const a = dockerArchive([img('trunc2')]);
    await expectRejected('trunc-manifest.tar', a.subarray(0, a.length - 1024 - 400), /truncated/);
  });

  test('truncated archive on stdin', async () => {
    const a = dockerArchive([img('trunc3')]);
    await expectRejected('trunc-stdin.tar', a.subarray(0, 700), /truncated/, { stdin: true });
  });

  test('truncated gzip-compressed archive', async () => {
    const gz = gzipSync(dockerArchive([img('trunc4')]));
    await expectRejected('trunc.tar.gz', gz.subarray(0, Math.floor(gz.length / 2)), /unexpected end|truncated/i);
  });

  test('layer path outside the archive (../x)', async () => {
    const a = dockerArchive([img('dotdot')], {
      mutate: (m) => {
        m[0]!.Layers = ['../x'];
      },
    });
    await expectRejected('dotdot.tar', a, /outside the archive/);
  });

  test('config path outside the archive (a/../../x)', async () => {
    const a = dockerArchive([img('dotdot2')], {
      mutate: (m) => {
        m[0]!.Config = 'a/../../x.json';
      },
    });
    await expectRejected('dotdot-config.tar', a, /outside the archive/);
  });

  test('absolute layer path', async () => {
    const a = dockerArchive([img('abs')], {
      mutate: (m) => {
        m[0]!.Layers = ['/etc/passwd'];
      },
    });
    await expectRejected('abs.tar', a, /absolute/);
  });

  test('layer member is a symlink leading out', async () => {
    const a = dockerArchive([img('symout')], {
      extra: [{ name: 'evil.tar', type: 'symlink', linkname: '../../../../etc/passwd' }],
      mutate: (m) => {
        m[0]!.Layers = ['evil.tar'];
      },
    });
    await expectRejected('symlink-out.tar', a, /link leading outside/);
  });

  test('layer member is a symlink to an absolute path', async () => {
    const a = dockerArchive([img('symabs')], {
      extra: [{ name: 'evil.tar', type: 'symlink', linkname: '/etc/passwd' }],
      mutate: (m) => {
        m[0]!.Layers = ['evil.tar'];
      },
    });
    await expectRejected('symlink-abs.tar', a, /link leading outside/);
  });

  test('config member is a hardlink leading out', async () => {
    const a = dockerArchive([img('hardout')], {
      extra: [{ name: 'evil.json', type: 'hardlink', linkname: '../evil.json' }],
      mutate: (m) => {
        m[0]!.Config = 'evil.json';
      },
    });
    await expectRejected('hardlink-out.tar', a, /link leading outside/);
  });

  test('layer member is a directory', async () => {
    const a = dockerArchive([img('isdir')], {
      extra: [{ name: 'somedir', type: 'dir' }],
      mutate: (m) => {
        m[0]!.Layers = ['somedir'];
      },
    });
    await expectRejected('dir-member.tar', a, /not a regular file/);
  });

  test('layer content does not match the config diff_ids (uncompressed layer)', async () => {
    const real = makeTar({ 'real.txt': 'real\n' });
    const claimed = makeTar({ 'claimed.txt': 'claimed\n' });
    const i = makeImage({ repoTags: ['example.com/diffid:1'], layers: [claimed] });
    // the member is named after the claimed diffID but holds other bytes
    await expectRejected('diffid.tar', dockerArchive([{ ...i, layers: [real] }]), /does not match/);
  });

  test('layer content does not match the config diff_ids (gzip layer member)', async () => {
    const real = makeTar({ 'real.txt': 'real\n' });
    const claimed = makeTar({ 'claimed.txt': 'claimed\n' });
    const i = makeImage({ repoTags: ['example.com/diffidgz:1'], layers: [claimed] });
    const a = dockerArchive([{ ...i, layers: [real] }], { gzipLayers: true });
    await expectRejected('diffid-gz.tar', a, /DiffID/);
  });

  test('more layers than diff_ids', async () => {
    const l1 = makeTar({ 'one.txt': '1' });
    const l2 = makeTar({ 'two.txt': '2' });
    const i = makeImage({
      repoTags: ['example.com/count:1'],
      layers: [l1, l2],
      config: { rootfs: { type: 'layers', diff_ids: [sha256(l1)] } },
    });
    await expectRejected('layer-count.tar', dockerArchive([i]), /2 layers but its config has 1 diff_ids/);
  });

  test('fewer layers than diff_ids', async () => {
    const l1 = makeTar({ 'one.txt': '1' });
    const l2 = makeTar({ 'two.txt': '2' });
    const i = makeImage({
      repoTags: ['example.com/count2:1'],
      layers: [l1],
      config: { rootfs: { type: 'layers', diff_ids: [sha256(l1), sha256(l2)] } },
    });
    await expectRejected('layer-count2.tar', dockerArchive([i]), /1 layers but its config has 2 diff_ids/);
  });

  test('missing layer member', async () => {
    const i = img('missing');
    await expectRejected(
      'missing-layer.tar',
      dockerArchive([i], { omit: [`${i.diffIDs[0]!.slice(7)}.tar`] }),
      /is missing from the archive/,
    );
  });

  test('missing config member', async () => {
    const i = img('missingcfg');
    await expectRejected('missing-config.tar', dockerArchive([i], { omit: [`${i.id}.json`] }), /is missing from the archive/);
  });

  test('no manifest.json at all', async () => {
    await expectRejected(
      'no-manifest.tar',
      dockerArchive([img('nomanifest')], { noManifest: true }),
      /does not match any of the supported image formats/,
    );
  });

  test('garbage manifest.json (multi-line)', async () => {
    await expectRejected(
      'garbage-manifest.tar',
      dockerArchive([img('garbage')], { manifestText: 'garbage\nmore garbage\n{' }),
      /manifest\.json is not valid JSON/,
    );
  });

  test('manifest.json is null', async () => {
    await expectRejected('null-manifest.tar', dockerArchive([img('null')], { manifestText: 'null' }), /must be a JSON array/);
  });

  test('manifest.json is an empty list', async () => {
    await expectRejected('empty-manifest.tar', dockerArchive([img('emptylist')], { manifestText: '[]' }), /lists no images/);
  });

  test('duplicate keys in manifest.json', async () => {
    const i = img('dupkeys');
    const text = `[{"Config":"${i.id}.json","RepoTags":["example.com/dupkeys:1"],"Layers":["${i.diffIDs[0]!.slice(7)}.tar"],"Layers":["../x"]}]`;
    await expectRejected('dup-keys.tar', dockerArchive([i], { manifestText: text }), /duplicate key "Layers"/);
  });

  test('duplicate keys in the config', async () => {
    const layer = makeTar({ 'x.txt': 'x' });
    const cfg = Buffer.from(
      `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["${sha256(layer)}"]},"os":"windows"}`,
    );
    const i = makeImage({ repoTags: ['example.com/dupcfg:1'], layers: [layer], configBytes: cfg });
    await expectRejected('dup-config.tar', dockerArchive([i]), /duplicate key "os"/);
  });

  test('invalid reference in RepoTags: uppercase', async () => {
    await expectRejected(
      'upper-tag.tar',
      dockerArchive([img('upper', ['Uppercase:tag'])]),
      /"Uppercase:tag".*repository name must be lowercase/,
    );
  });

  test('invalid reference in RepoTags: space', async () => {
    await expectRejected('space-tag.tar', dockerArchive([img('space', ['a b'])]), /invalid reference "a b"/);
  });

  test('RepoTags entry with a digest', async () => {
    await expectRejected(
      'digest-tag.tar',
      dockerArchive([img('dig', [`example.com/x@sha256:${'a'.repeat(64)}`])]),
      /must not contain a digest/,
    );
  });

  test('oversized config (> 4 MiB)', async () => {
    const layer = makeTar({ 'x.txt': 'x' });
    const i = makeImage({
      repoTags: ['example.com/bigcfg:1'],
      layers: [layer],
      config: { config: { Labels: { pad: 'x'.repeat(4 * 1024 * 1024) } } },
    });
    assert.ok(i.config.length > 4 * 1024 * 1024);
    await expectRejected('big-config.tar', dockerArchive([i]), /over the 4194304-byte limit/);
  });

  test('oversized manifest.json (> 1 MiB)', async () => {
    const i = img('bigmanifest');
    const items = [
      {
        Config: `${i.id}.json`,
        RepoTags: ['example.com/bigmanifest:1'],
        Layers: [`${i.diffIDs[0]!.slice(7)}.tar`],
        Pad: 'x'.repeat(1024 * 1024),
      },
    ];
    await expectRejected(
      'big-manifest.tar',
      dockerArchive([i], { manifestText: JSON.stringify(items) }),
      /manifest\.json is \d+ bytes, over the 1048576-byte limit/,
    );
  });

  test('config diff_ids holding an invalid digest', async () => {
    const layer = makeTar({ 'x.txt': 'x' });
    const i = makeImage({
      repoTags: ['example.com/baddiff:1'],
      layers: [layer],
      config: { rootfs: { type: 'layers', diff_ids: ['sha256:../../etc/passwd'] } },
    });
    await expectRejected(
      'bad-diffid.tar',
      dockerArchive([i], {
        mutate: (m) => {
          m[0]!.Layers = [`${sha256(layer).slice(7)}.tar`];
        },
      }),
      /invalid .*diff_ids\[0\]/,
    );
  });

  test('junk payload (random bytes)', async () => {
    await expectRejected('junk.bin', junk(64 * 1024), /invalid tar header|not a tar archive/);
  });

  test('junk payload shorter than a tar header', async () => {
    await expectRejected('short-junk.bin', junk(100), /empty or not a tar archive/);
  });

  test('junk payload on stdin', async () => {
    await expectRejected('junk-stdin.bin', junk(64 * 1024), /invalid tar header|not a tar archive/, { stdin: true });
  });

  test('empty input on stdin', async () => {
    await expectRejected('empty-stdin.bin', Buffer.alloc(0), /is empty/, { stdin: true });
  });

  test('gzip of junk', async () => {
    await expectRejected('junk.gz', gzipSync(junk(64 * 1024)), /invalid tar header|not a tar archive/);
  });

  test('gzip header followed by junk', async () => {
    await expectRejected(
      'bad.gz',
      Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), junk(4096)]),
      /cannot read archive|corrupt gzip|invalid/i,
    );
  });

  test('zstd header followed by junk', async () => {
    await expectRejected('bad.zst', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), junk(4096)]), /zstd/i);
  });

  test('xz of junk', { skip: haveTool('xz') ? false : 'xz not installed' }, async () => {
    const j = junk(64 * 1024);
    const xz = execFileSync('xz', ['-c'], { input: j });
    await expectRejected('junk.xz', xz, /invalid tar header|not a tar archive/);
  });

  test('truncated xz-compressed archive', { skip: haveTool('xz') ? false : 'xz not installed' }, async () => {
    const xz = execFileSync('xz', ['-c', '-0'], { input: dockerArchive([img('truncxz')]) });
    await expectRejected('trunc.tar.xz', xz.subarray(0, Math.floor(xz.length * 0.6)), /xz/);
  });

  test('xz header followed by junk', { skip: haveTool('xz') ? false : 'xz not installed' }, async () => {
    await expectRejected('bad.xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), junk(4096)]), /xz/i);
  });

  test('multi-image archive whose 2nd image is bad: the 1st is not recorded either', async () => {
    const first = img('first');
    const claimed = makeTar({ 'claimed.txt': 'claimed\n' });
    const second = makeImage({ repoTags: ['example.com/second:1'], layers: [claimed] });
    const a = dockerArchive([first, { ...second, layers: [makeTar({ 'other.txt': 'other\n' })] }]);
    const line = await expectRejected('multi-bad.tar', a, /does not match/);
    assert.match(line, /@1/, 'names the bad image');
    assert.deepEqual(
      storeImages(root).map((x) => x.id),
      [good.id],
    );
  });

  test('multi-image archive whose 2nd image has an unsafe path', async () => {
    const a = dockerArchive([img('okfirst'), img('badsecond')], {
      mutate: (m) => {
        m[1]!.Layers = ['../../x'];
      },
    });
    await expectRejected('multi-unsafe.tar', a, /outside the archive/);
  });
});

describe('import rejects bad tarballs', () => {
  test('import of a non-tar', async () => {
    const file = path.join(dir, 'not-a-tar.bin');
    await fsp.writeFile(file, junk(10000));
    const before = await storeSnapshot(root);
    const r = await berth(root, ['import', file, 'example.com/imported:1']);
    assertOneLineError(r, file, /not a valid tar archive/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('import of gzip-compressed junk', async () => {
    const file = path.join(dir, 'not-a-tar.gz');
    await fsp.writeFile(file, gzipSync(junk(10000)));
    const before = await storeSnapshot(root);
    const r = await berth(root, ['import', file]);
    assertOneLineError(r, file, /not a valid tar archive/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('import of a corrupt gzip stream', async () => {
    const file = path.join(dir, 'corrupt.gz');
    await fsp.writeFile(file, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), junk(4096)]));
    const before = await storeSnapshot(root);
    const r = await berth(root, ['import', file]);
    assertOneLineError(r, file, /gzip|invalid|corrupt/i);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('import of a truncated xz tarball', { skip: haveTool('xz') ? false : 'xz not installed' }, async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`f${i}.bin`] = randomBytes(3000);
    const xz = execFileSync('xz', ['-c', '-0'], { input: makeTar(files) });
    const file = path.join(dir, 'rootfs-trunc.tar.xz');
    await fsp.writeFile(file, xz.subarray(0, Math.floor(xz.length / 2)));
    const before = await storeSnapshot(root);
    const r = await berth(root, ['import', file, 'example.com/partial:1']);
    assertOneLineError(r, file, /xz|truncated/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('import of a missing file', async () => {
    const file = path.join(dir, 'does-not-exist.tar');
    const before = await storeSnapshot(root);
    const r = await berth(root, ['import', file]);
    assertOneLineError(r, file, /no such file/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('import with an invalid reference', async () => {
    const file = path.join(dir, 'ok-rootfs.tar');
    await fsp.writeFile(file, makeTar({ 'etc/hostname': 'x\n' }));
    const before = await storeSnapshot(root);
    const r = await berth(root, ['import', file, 'Bad Name']);
    assertOneLineError(r, 'Bad Name', /invalid reference format/);
    assert.deepEqual(await storeSnapshot(root), before);
  });
});

describe('save rejects bad requests', () => {
  test('save of a missing image', async () => {
    const out = path.join(dir, 'missing-image.tar');
    const before = await storeSnapshot(root);
    const r = await berth(root, ['save', '-o', out, 'example.com/nope:1']);
    assertOneLineError(r, 'example.com/nope:1', /image not known/);
    assert.equal(fs.existsSync(out), false, 'no output file');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('missing-image')),
      [],
    );
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('save FOOBAR: repository name must be lowercase', async () => {
    const out = path.join(dir, 'foobar.tar');
    const r = await berth(root, ['save', '-o', out, 'FOOBAR']);
    // podman's words, which do not repeat the name
    assertOneLineError(r, '', /^Error: repository name must be lowercase$/);
    assert.equal(fs.existsSync(out), false);
  });

  test('save --format bogus', async () => {
    const out = path.join(dir, 'bogus.tar');
    const before = await storeSnapshot(root);
    const r = await berth(root, ['save', '--format', 'bogus', '-o', out, 'example.com/base:1']);
    assertOneLineError(r, 'format', /^Error: format value must be one of oci-dir oci-archive docker-dir docker-archive$/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('save into a missing directory', async () => {
    const out = path.join(dir, 'no-such-dir', 'x.tar');
    const before = await storeSnapshot(root);
    const r = await berth(root, ['save', '-o', out, 'example.com/base:1']);
    assertOneLineError(r, out, /does not exist/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('save onto a directory', async () => {
    const out = path.join(dir, 'a-directory');
    fs.mkdirSync(out);
    const r = await berth(root, ['save', '-o', out, 'example.com/base:1']);
    assertOneLineError(r, out, /is a directory/);
    assert.deepEqual(fs.readdirSync(out), []);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('save of an image whose layer blob was damaged: fails, leaves no file', async () => {
    const other = path.join(dir, 'damaged-store');
    const img = makeImage({ repoTags: ['example.com/damaged:1'], seed: 'damaged' });
    const f = path.join(dir, 'damaged-src.tar');
    await fsp.writeFile(f, dockerArchive([img]));
    assert.equal((await berth(other, ['load', '-q', '-i', f])).code, 0);
    const blob = path.join(other, 'blobs', 'sha256', img.diffIDs[0]!.slice(7));
    const bytes = fs.readFileSync(blob);
    bytes[600] ^= 1;
    fs.writeFileSync(blob, bytes);
    const out = path.join(dir, 'damaged-out.tar');
    const r = await berth(other, ['save', '-q', '-o', out, 'example.com/damaged:1']);
    assertOneLineError(r, img.diffIDs[0]!, /does not match/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(
      fs.readdirSync(dir).filter((x) => x.endsWith('.tmp')),
      [],
    );
  });

  test('load -i of a missing file', async () => {
    const file = path.join(dir, 'nope.tar');
    const before = await storeSnapshot(root);
    const r = await berth(root, ['load', '-i', file]);
    assertOneLineError(r, file, /no such file/);
    assert.deepEqual(await storeSnapshot(root), before);
  });
});

// the store is still intact and usable after all of the above
test('after all failures the baseline image is intact and loadable archives still load', async () => {
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout);
  assert.match(c.stdout, /Checked 1 image\(s\), 3 blob\(s\): no problems/);
  assert.doesNotMatch(c.stdout, /unreferenced/);
});

function junk(n: number): Buffer {
  // never starts with a compression magic or a valid tar header
  const b = randomBytes(n);
  b[0] = 0x00;
  b[1] = 0x42;
  return b;
}
