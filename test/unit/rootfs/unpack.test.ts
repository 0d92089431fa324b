/**
 * The layer unpacker against hostile and tricky tars: every escape attempt leaves a victim
 * directory beside the root untouched (and the ones that cannot be resolved inside the root fail
 * with a one-line INVALID_ARCHIVE error); whiteouts, links and metadata as containers/storage.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { unpackLayer } from '../../../src/rootfs/unpack.js';
import { applyCachedLayer } from '../../../src/rootfs/layer-cache.js';
import { tarBuffer, sha256, type TarEntrySpec } from '../../helpers/archives.js';
import { expectError } from '../../helpers/expect-error.js';
import type { ErrorCode } from '../../../src/errors.js';
import type { Digest } from '../../../src/digest/digest.js';

const isRoot = process.getuid?.() === 0;
const rejects = (p: Promise<unknown>, code: ErrorCode, message: RegExp) => assert.rejects(p, expectError(code, message));
let tmp: string;
let root: string;
let victim: string;

/** Every path under `dir` with its type, mode and content or link target. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(dir, r);
      const st = fs.lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(r);
      } else if (st.isSymbolicLink()) out[r] = `symlink -> ${fs.readlinkSync(p)}`;
      else if (st.isFile()) out[r] = `file ${mode} ${fs.readFileSync(p, 'utf8')}`;
      else out[r] = `other ${mode}`;
    }
  };
  walk('');
  return out;
}

const layer = (entries: TarEntrySpec[], gzip = false) => {
  const b = tarBuffer(entries);
  return gzip ? gzipSync(b) : b;
};
const unpack = (entries: TarEntrySpec[], opts: Parameters<typeof unpackLayer>[2] = {}) =>
  unpackLayer(Readable.from([layer(entries)]), root, { what: 'test layer', ...opts });

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unpack-'));
  root = path.join(tmp, 'root');
  victim = path.join(tmp, 'victim');
  fs.mkdirSync(root);
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'keep'), 'precious');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const victimIntact = () => assert.deepEqual(snapshot(victim), { keep: 'file 644 precious' });

describe('bad-tar catalogue: the victim beside the root stays untouched', () => {
  test('"../" entries are refused', async () => {
    await rejects(
      unpack([{ name: '../victim/evil', data: 'x' }]),
      'INVALID_ARCHIVE',
      /test layer: "\.\.\/victim\/evil": path points outside the root/,
    );
    await rejects(unpack([{ name: 'a/../../victim/keep', data: 'x' }]), 'INVALID_ARCHIVE', /outside the root/);
    victimIntact();
  });

  test('absolute names are taken relative to the root', async () => {
    await unpack([{ name: `${victim}/keep`, data: 'overwritten?' }]);
    victimIntact();
    assert.equal(fs.readFileSync(path.join(root, victim, 'keep'), 'utf8'), 'overwritten?');
  });

  test('a symlink then a write through it stays inside the root (relative and absolute targets)', async () => {
    await unpack([
      { name: 'rel', type: 'symlink', linkname: '../victim' },
      { name: 'rel/keep', data: 'via relative' },
      { name: 'abs', type: 'symlink', linkname: victim },
      { name: 'abs/keep', data: 'via absolute' },
      { name: 'up', type: 'symlink', linkname: '../../../../../..' },
      { name: `up${victim}/new`, data: 'via dotdot' },
    ]);
    victimIntact();
    assert.equal(fs.readFileSync(path.join(root, 'victim', 'keep'), 'utf8'), 'via relative');
    assert.equal(fs.readFileSync(path.join(root, victim, 'keep'), 'utf8'), 'via absolute');
    assert.equal(fs.readFileSync(path.join(root, victim, 'new'), 'utf8'), 'via dotdot');
    assert.equal(fs.readlinkSync(path.join(root, 'rel')), '../victim');
  });

  test('an entry named like an existing symlink replaces the link, never writes through it', async () => {
    await unpack([
      { name: 'l', type: 'symlink', linkname: `${victim}/keep` },
      { name: 'l', data: 'replaced' },
      { name: 'd', type: 'symlink', linkname: victim },
      { name: 'd', type: 'dir' },
      { name: 'd/keep', data: 'inside' },
    ]);
    victimIntact();
    assert.equal(fs.lstatSync(path.join(root, 'l')).isFile(), true);
    assert.equal(fs.lstatSync(path.join(root, 'd')).isDirectory(), true);
    assert.equal(fs.readFileSync(path.join(root, 'd', 'keep'), 'utf8'), 'inside');
  });

  test('a hard link out of the root is refused', async () => {
    await rejects(
      unpack([{ name: 'hl', type: 'hardlink', linkname: '../victim/keep' }]),
      'INVALID_ARCHIVE',
      /"hl": hard link target "\.\.\/victim\/keep" points outside the root/,
    );
    await rejects(
      unpack([{ name: 'hl2', type: 'hardlink', linkname: `${victim}/keep` }]),
      'INVALID_ARCHIVE',
      /hard link target .* does not exist/,
    );
    // through a symlinked directory: resolved inside the root, where nothing is
    await rejects(
      unpack([
        { name: 's', type: 'symlink', linkname: victim },
        { name: 'hl3', type: 'hardlink', linkname: 's/keep' },
      ]),
      'INVALID_ARCHIVE',
      /does not exist/,
    );
    victimIntact();
    assert.equal(fs.statSync(path.join(victim, 'keep')).nlink, 1);
  });

  test('a symlink planted in layer N is resolved inside the root in layer N+1', async () => {
    await unpack([
      { name: 'etc', type: 'symlink', linkname: victim },
      { name: 'rel', type: 'symlink', linkname: '../victim' },
    ]);
    await unpack([
      { name: 'etc/keep', data: 'layer 2' },
      { name: 'rel/keep', data: 'layer 2 rel' },
    ]);
    victimIntact();
    assert.equal(fs.readFileSync(path.join(root, victim, 'keep'), 'utf8'), 'layer 2');
    assert.equal(fs.readFileSync(path.join(root, 'victim', 'keep'), 'utf8'), 'layer 2 rel');
  });

  test('a symlink loop is an error, not a hang', async () => {
    await rejects(
      unpack([
        { name: 'a', type: 'symlink', linkname: 'b' },
        { name: 'b', type: 'symlink', linkname: 'a' },
        { name: 'a/x', data: 'x' },
      ]),
      'INVALID_ARCHIVE',
      /too many levels of symbolic links/,
    );
  });

  test('a whiteout naming a parent (or nothing) is refused', async () => {
    fs.mkdirSync(path.join(root, 'a'));
    fs.writeFileSync(path.join(root, 'a', 'f'), 'f');
    for (const name of ['a/.wh..', '.wh..', '.wh.', 'a/.wh.']) {
      await rejects(unpack([{ name, data: '' }]), 'INVALID_ARCHIVE', /whiteout names no file \(or a parent directory\)/);
    }
    await rejects(unpack([{ name: '../.wh.victim', data: '' }]), 'INVALID_ARCHIVE', /outside the root/);
    victimIntact();
    assert.equal(fs.readFileSync(path.join(root, 'a', 'f'), 'utf8'), 'f');
  });

  test('a whiteout behind a symlink removes inside the root only', async () => {
    fs.mkdirSync(path.join(root, 'victim'));
    fs.writeFileSync(path.join(root, 'victim', 'keep'), 'inner');
    await unpack([{ name: 'l', type: 'symlink', linkname: victim }]);
    await unpack([{ name: 'l/.wh.keep', data: '' }]);
    victimIntact();
    assert.equal(fs.existsSync(path.join(root, 'victim', 'keep')), true);
  });
});

const lower: TarEntrySpec[] = [
  { name: 'd/', type: 'dir' },
  { name: 'd/old1', data: 'o1' },
  { name: 'd/old2', data: 'o2' },
  { name: 'd/sub/', type: 'dir' },
  { name: 'd/sub/oldx', data: 'ox' },
  { name: 'keep/', type: 'dir' },
  { name: 'keep/a', data: 'a' },
  { name: 'gone', data: 'g' },
  { name: 'gonedir/x', data: 'x' },
];
const upper: TarEntrySpec[] = [
  { name: 'd/new1', data: 'n1' },
  { name: 'd/sub/newy', data: 'ny' },
  { name: 'd/.wh..wh..opq', data: '' },
  { name: 'd/new2', data: 'n2' },
  { name: '.wh.gone', data: '' },
  { name: '.wh.gonedir', data: '' },
  { name: 'gone2', data: 'not a whiteout target' },
];
const merged = {
  d: 'dir 755',
  'd/new1': 'file 644 n1',
  'd/new2': 'file 644 n2',
  'd/sub': 'dir 755',
  'd/sub/newy': 'file 644 ny',
  keep: 'dir 755',
  'keep/a': 'file 644 a',
  gone2: 'file 644 not a whiteout target',
};

describe('whiteouts', () => {
  test('opaque whiteout keeps this layer’s siblings written before and after it', async () => {
    await unpack(lower);
    await unpack(upper);
    assert.deepEqual(snapshot(root), merged);
  });

  test('recorded layers applied in order give the same tree (the layer cache)', async () => {
    const dirs = [path.join(tmp, 'l1'), path.join(tmp, 'l2')];
    const metas = [];
    for (const [i, entries] of [lower, upper].entries()) {
      fs.mkdirSync(dirs[i]!);
      const r = await unpackLayer(Readable.from([layer(entries, true)]), dirs[i]!, {
        whiteouts: 'record',
        diffID: sha256(layer(entries)) as Digest,
      });
      metas.push(r.meta);
    }
    assert.deepEqual(metas[1]!.opaque, ['d']);
    assert.deepEqual(metas[1]!.whiteouts.sort(), ['gone', 'gonedir']);
    for (const how of ['copy', 'link'] as const) {
      const t = path.join(tmp, `t-${how}`);
      fs.mkdirSync(t);
      for (const [i, d] of dirs.entries()) await applyCachedLayer({ diffID: 'sha256:0' as Digest, diff: d, meta: metas[i]! }, t, how);
      assert.deepEqual(snapshot(t), merged, how);
    }
  });

  test('gzip, zstd and plain layers give the same tree', async () => {
    const plain = layer(lower);
    const zstd = spawnSync('zstd', ['-q', '-c'], { input: plain });
    assert.equal(zstd.status, 0);
    for (const [name, bytes] of [
      ['plain', plain],
      ['gzip', gzipSync(plain)],
      ['zstd', zstd.stdout],
    ] as const) {
      const d = path.join(tmp, name);
      fs.mkdirSync(d);
      await unpackLayer(Readable.from([bytes]), d, { diffID: sha256(plain) as Digest });
      assert.deepEqual(snapshot(d), snapshot(path.join(tmp, 'plain')), name);
    }
    assert.equal(snapshot(path.join(tmp, 'zstd'))['d/sub/oldx'], 'file 644 ox');
  });

  test('a wrong diffID is DIGEST_MISMATCH', async () => {
    await rejects(
      unpack([{ name: 'f', data: 'x' }], { diffID: `sha256:${'0'.repeat(64)}` as Digest }),
      'DIGEST_MISMATCH',
      /uncompressed content has digest sha256:/,
    );
  });

  test('a truncated layer is INVALID_ARCHIVE', async () => {
    const b = layer([{ name: 'f', data: 'x'.repeat(2000) }]);
    await rejects(
      unpackLayer(Readable.from([b.subarray(0, 1200)]), root, { what: 'cut' }),
      'INVALID_ARCHIVE',
      /cut: unexpected end of tar data/,
    );
  });
});

describe('links, metadata', () => {
  test('hard links within a layer and to a lower layer (recorded as cross-layer links)', async () => {
    await unpack([
      { name: 'a', data: 'shared' },
      { name: 'b', type: 'hardlink', linkname: 'a' },
      { name: './c', type: 'hardlink', linkname: './a' },
    ]);
    assert.equal(fs.statSync(path.join(root, 'a')).nlink, 3);
    const d = path.join(tmp, 'own');
    fs.mkdirSync(d);
    const r = await unpackLayer(Readable.from([layer([{ name: 'x', type: 'hardlink', linkname: 'a' }])]), d, { whiteouts: 'record' });
    assert.deepEqual(r.meta.crossLinks, [{ path: 'x', target: 'a', header: { uid: 0, gid: 0, mode: 0o644, mtime: 0 } }]);
    await applyCachedLayer({ diffID: 'sha256:0' as Digest, diff: d, meta: r.meta }, root, 'copy');
    assert.equal(fs.statSync(path.join(root, 'x')).ino, fs.statSync(path.join(root, 'a')).ino);
  });

  test("a hard link's own header applies to the inode (as containers/storage), never to the layer cache", async () => {
    const d = path.join(tmp, 'cache');
    fs.mkdirSync(d);
    const r = await unpackLayer(Readable.from([layer([{ name: 'a', data: 'x', mode: 0o755, mtime: 100 }])]), d, { whiteouts: 'record' });
    await applyCachedLayer({ diffID: 'sha256:0' as Digest, diff: d, meta: r.meta }, root, 'link');
    assert.equal(fs.statSync(path.join(root, 'a')).ino, fs.statSync(path.join(d, 'a')).ino);
    const d2 = path.join(tmp, 'cache2');
    fs.mkdirSync(d2);
    const r2 = await unpackLayer(Readable.from([layer([{ name: 'b', type: 'hardlink', linkname: 'a', mode: 0o600, mtime: 200 }])]), d2, {
      whiteouts: 'record',
    });
    await applyCachedLayer({ diffID: 'sha256:1' as Digest, diff: d2, meta: r2.meta }, root, 'link');
    const [a, b, cached] = [path.join(root, 'a'), path.join(root, 'b'), path.join(d, 'a')].map((p) => fs.statSync(p));
    assert.equal(a!.ino, b!.ino);
    assert.notEqual(a!.ino, cached!.ino, 'the tree got its own copy');
    assert.deepEqual([a!.mode & 0o777, a!.mtimeMs], [0o600, 200_000]);
    assert.deepEqual([cached!.mode & 0o777, cached!.mtimeMs], [0o755, 100_000], 'the cache is unchanged');
  });

  test(
    'modes (setuid, sticky), owners, mtimes (symlinks and directories after their contents), xattrs',
    { skip: !isRoot && 'needs root' },
    async () => {
      await unpack([
        { name: 'bin/', type: 'dir', mode: 0o755, mtime: 1000 },
        { name: 'bin/su', data: 'su', mode: 0o4755, uid: 0, gid: 0, mtime: 2000 },
        { name: 'tmp/', type: 'dir', mode: 0o1777, mtime: 3000 },
        { name: 'home/', type: 'dir', mode: 0o700, uid: 1234, gid: 5678, mtime: 4000 },
        { name: 'home/f', data: 'f', mode: 0o640, uid: 1234, gid: 5678, mtime: 5000 },
        { name: 'link', type: 'symlink', linkname: 'bin/su', mtime: 6000, uid: 42, gid: 43 },
        {
          name: 'bin/ping',
          data: 'p',
          mode: 0o755,
          pax: {
            'SCHILY.xattr.user.note': 'hello',
            'SCHILY.xattr.security.capability': Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
          },
        },
        { name: 'dev/', type: 'dir' },
        { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
        { name: 'dev/fifo', type: 'fifo', mode: 0o600 },
      ]);
      const st = (p: string) => fs.lstatSync(path.join(root, p));
      assert.equal(st('bin/su').mode & 0o7777, 0o4755);
      assert.equal(st('tmp').mode & 0o7777, 0o1777);
      assert.deepEqual([st('home/f').uid, st('home/f').gid, st('home/f').mode & 0o777], [1234, 5678, 0o640]);
      assert.deepEqual([st('link').uid, st('link').gid], [42, 43]);
      assert.equal(st('link').mtimeMs, 6000_000);
      assert.equal(st('bin').mtimeMs, 1000_000, 'directory time set after its contents were written');
      assert.equal(st('home').mtimeMs, 4000_000);
      assert.equal(st('dev/null').isCharacterDevice(), true);
      assert.equal(st('dev/fifo').isFIFO(), true);
      const get = spawnSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', path.join(root, 'bin/ping')], { encoding: 'utf8' });
      assert.match(get.stdout, /user\.note=0x68656c6c6f/);
      assert.match(get.stdout, /security\.capability=0x0100000200200000/);
    },
  );
});
