/**
 * Root file systems of stored images, end to end through the CLI: `image mount` of a
 * three-layer image (real files from this machine plus setuid/sticky modes, owners, xattrs,
 * devices, FIFOs, long names, whiteouts, an opaque directory, a hard link into a lower layer, a
 * symlink planted in one layer and written through in the next) gives the same tree as
 * `umoci unpack` and as podman's `image mount`; mounts are counted and removed with the image;
 * as a user who is not root the tree is owned by the user and the image's owners are in
 * user.containers.override_stat; a killed unpack leaves no layer that looks complete; layers and
 * mounts never synced before a reboot are not trusted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { run, runOk, scratchPodman, skipUnlessTools, type ScratchPodman } from '../helpers/tools.js';
import { BERTH_CLI, scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { dockerArchive, makeImage, tarBuffer, type TarEntrySpec } from '../helpers/archives.js';

const isRoot = process.getuid?.() === 0;
const T = { timeout: 120_000 };

/** One line per path: type, mode, owner, size, content digest or link target, link count, user xattrs. */
function listing(dir: string, opts: { owners?: boolean } = {}): string[] {
  const out: string[] = [];
  // hard links as groups of paths within the tree (the link count also counts the layer cache)
  const inodes = new Map<number, string>();
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(dir, r);
      const st = fs.lstatSync(p);
      const own = opts.owners === false ? '' : ` ${st.uid}:${st.gid}`;
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push(`${r} dir ${mode}${own}`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`${r} symlink${own} -> ${fs.readlinkSync(p)}`);
      else if (st.isFile()) {
        const first = inodes.get(st.ino) ?? r;
        inodes.set(st.ino, first);
        out.push(
          `${r} file ${mode}${own} ${st.size} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16)} ${first === r ? '' : `= ${first}`}`,
        );
      } else if (st.isCharacterDevice() || st.isBlockDevice()) out.push(`${r} dev ${mode}${own} ${st.rdev}`);
      else if (st.isFIFO()) out.push(`${r} fifo ${mode}${own}`);
      else out.push(`${r} other`);
    }
  };
  walk('');
  return out;
}

/** user.* xattrs of every file under dir (getfattr), as "path name=value" lines. */
async function userXattrs(dir: string): Promise<string[]> {
  const r = await run('getfattr', ['-R', '-h', '-d', '-m', '^user\\.note', '--absolute-names', '-e', 'text', dir]);
  const lines: string[] = [];
  let file = '';
  for (const l of r.stdout.split('\n')) {
    if (l.startsWith('# file: ')) file = path.relative(dir, l.slice(8));
    else if (l.includes('=')) lines.push(`${file} ${l}`);
  }
  return lines.sort();
}

/** A base layer of real files from this machine (tar as GNU tar writes it, numeric owners). */
async function hostLayer(): Promise<Buffer> {
  const parts = ['etc/ssl', 'usr/share/zoneinfo/Europe', 'usr/bin/passwd', 'usr/bin/su', 'bin', 'usr/share/doc/tar'].filter((p) =>
    fs.existsSync(path.join('/', p)),
  );
  // blocking factor 1: the archive ends with exactly the two zero blocks, so more members can follow
  const r = await runOk('tar', ['--numeric-owner', '--xattrs', '-b', '1', '-C', '/', '-cf', '-', ...parts], { timeoutMs: 60_000 });
  assert.ok(r.stdoutBuf.subarray(-1024).every((x) => x === 0));
  return r.stdoutBuf.subarray(0, -1024);
}

const long = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.txt`;
const synthetic: TarEntrySpec[] = [
  { name: 'opt/', type: 'dir', mode: 0o755, mtime: 1_600_000_000 },
  { name: 'opt/app/', type: 'dir', mode: 0o750, uid: 1234, gid: 5678, mtime: 1_600_000_000 },
  { name: 'opt/app/run', data: '#!/bin/sh\n', mode: 0o4755, mtime: 1_600_000_001 },
  { name: 'opt/app/conf', data: 'secret', mode: 0o640, uid: 1234, gid: 5678, mtime: 1_600_000_002 },
  { name: 'opt/app/conf-link', type: 'hardlink', linkname: 'opt/app/conf', mode: 0o640, uid: 1234, gid: 5678, mtime: 1_600_000_002 },
  { name: 'opt/app/noted', data: 'x', mode: 0o644, pax: { 'SCHILY.xattr.user.note': 'kept' } },
  { name: 'opt/shared/', type: 'dir', mode: 0o1777 },
  { name: 'opt/sgid', data: 'g', mode: 0o2755, gid: 50 },
  { name: 'opt/rel-link', type: 'symlink', linkname: 'app/run', uid: 7, gid: 8 },
  { name: 'opt/abs-link', type: 'symlink', linkname: '/etc/ssl' },
  { name: 'opt/dangling', type: 'symlink', linkname: '../nowhere' },
  { name: 'opt/fifo', type: 'fifo', mode: 0o620 },
  { name: 'dev/', type: 'dir' },
  { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
  { name: 'opaque/', type: 'dir' },
  { name: 'opaque/lower-a', data: 'a' },
  { name: 'opaque/lower-sub/lower-b', data: 'b' },
  { name: 'gone', data: 'g' },
  { name: 'gonedir/x', data: 'x' },
  { name: 'becomes-dir', data: 'file' },
  { name: 'becomes-link/', type: 'dir' },
  { name: 'becomes-link/inner', data: 'i' },
  { name: 'planted', type: 'symlink', linkname: '/opt/app' },
  { name: 'unicode-é-名前', data: 'ü' },
  { name: long, data: 'long name' },
  { name: 'pax/placeholder', data: 'pax path', pax: { path: `pax/${'p'.repeat(120)}/${'q'.repeat(150)}` } },
];
const layer2: TarEntrySpec[] = [
  { name: 'opaque/new-1', data: 'n1' },
  { name: 'opaque/.wh..wh..opq', data: '' },
  { name: 'opaque/new-2', data: 'n2' },
  { name: '.wh.gone', data: '' },
  { name: '.wh.gonedir', data: '' },
  { name: 'becomes-dir/', type: 'dir', mode: 0o700 },
  { name: 'becomes-dir/f', data: 'f' },
  { name: 'becomes-link', type: 'symlink', linkname: 'opt' },
  { name: 'opt/app/cross-link', type: 'hardlink', linkname: 'opt/app/run', mode: 0o4755, mtime: 1_600_000_001 },
  { name: 'planted/written-through', data: 'through the symlink planted below', uid: 3, gid: 4 },
];
const layer3: TarEntrySpec[] = [
  { name: 'opt/app/conf', data: 'replaced in layer 3', mode: 0o600, uid: 1234, gid: 5678 },
  { name: 'etc/ssl/.wh.openssl.cnf', data: '' },
];

const skip = !isRoot ? 'needs root (owners, devices)' : skipUnlessTools('umoci', 'podman', 'getfattr', 'setfattr', 'tar', 'setpriv');

describe('image mount: the rootfs of a layered image', { skip }, () => {
  let b: ScratchBerth;
  let podman: ScratchPodman;
  let archive: string;
  let imageId: string;
  let mounted: string;
  const ref = 'localhost/rootfs-test:1';

  before(async () => {
    b = await scratchBerth();
    podman = await scratchPodman();
    const img = makeImage({
      repoTags: [ref],
      layers: [Buffer.concat([await hostLayer(), tarBuffer(synthetic)]), tarBuffer(layer2), tarBuffer(layer3)],
    });
    imageId = img.id;
    archive = path.join(b.dir, 'image.tar');
    fs.writeFileSync(archive, dockerArchive([img]));
    const r = await b.run(['load', '-q', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await b?.cleanup();
    await podman?.cleanup();
  });

  test('image mount prints the path of a tree holding every layer', T, async () => {
    const r = await b.run(['image', 'mount', ref]);
    assert.equal(r.code, 0, r.stderr);
    mounted = r.stdout.trim();
    assert.equal(mounted, path.join(b.root, 'mounts', imageId, 'merged'));
    assert.equal(fs.readFileSync(path.join(mounted, 'opt/app/conf'), 'utf8'), 'replaced in layer 3');
    assert.equal(fs.readFileSync(path.join(mounted, 'opt/app/written-through'), 'utf8'), 'through the symlink planted below');
    assert.deepEqual(fs.readdirSync(path.join(mounted, 'opaque')).sort(), ['new-1', 'new-2']);
    assert.equal(fs.existsSync(path.join(mounted, 'gone')), false);
    assert.equal(fs.statSync(path.join(mounted, 'opt/app/cross-link')).ino, fs.statSync(path.join(mounted, 'opt/app/run')).ino);
    assert.equal(fs.readFileSync(path.join(mounted, long), 'utf8'), 'long name');
  });

  test('the tree equals umoci unpack of the same image', T, async () => {
    const layout = path.join(b.dir, 'oci');
    let r = await b.run(['push', ref, `oci:${layout}:t`]);
    assert.equal(r.code, 0, r.stderr);
    const bundle = path.join(b.dir, 'bundle');
    await runOk('umoci', ['unpack', '--image', `${layout}:t`, bundle]);
    const mine = listing(mounted);
    const theirs = listing(path.join(bundle, 'rootfs'));
    assert.ok(mine.length > 100, `a real tree (${mine.length} entries)`);
    assert.deepEqual(mine, theirs);
    assert.deepEqual(await userXattrs(mounted), await userXattrs(path.join(bundle, 'rootfs')));
    assert.deepEqual(await userXattrs(mounted), ['opt/app/noted user.note="kept"']);
    r = await run('getfattr', ['-h', '-n', 'user.note', '--only-values', path.join(mounted, 'opt/app/noted')]);
    assert.equal(r.stdout, 'kept');
  });

  test("the tree equals podman's image mount (vfs)", T, async () => {
    let r = await podman.run(['load', '-q', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    r = await podman.run(['image', 'mount', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listing(mounted), listing(r.stdout.trim()));
  });

  test('prepareRootfs(writable): a private copy; changing it changes neither the cache nor the mount', T, async () => {
    const { Store, prepareRootfs } = await import('../../src/index.js');
    const store = Store.open({ root: b.root });
    const dir = path.join(b.dir, 'container-rootfs');
    try {
      assert.equal(await prepareRootfs(store, ref, dir, { writable: true }), dir);
      await assert.rejects(prepareRootfs(store, ref, dir, { writable: true }), /already exists/);
    } finally {
      store.close();
    }
    assert.deepEqual(listing(dir), listing(mounted));
    assert.notEqual(fs.statSync(path.join(dir, 'opt/app/noted')).ino, fs.statSync(path.join(mounted, 'opt/app/noted')).ino);
    fs.writeFileSync(path.join(dir, 'opt/app/noted'), 'changed');
    fs.chmodSync(path.join(dir, 'opt/app/run'), 0o700);
    assert.equal(fs.readFileSync(path.join(mounted, 'opt/app/noted'), 'utf8'), 'x');
    assert.equal(fs.statSync(path.join(mounted, 'opt/app/run')).mode & 0o7777, 0o4755);
    const x = await run('getfattr', ['-h', '-n', 'user.note', '--only-values', path.join(dir, 'opt/app/noted')]);
    assert.equal(x.stdout, 'kept', 'xattrs are copied');
    fs.rmSync(dir, { recursive: true });
  });

  test('mounts are counted; unmount prints the ID; rmi removes the mount and the cached layers', T, async () => {
    let r = await b.run(['image', 'mount', ref]);
    assert.equal(r.stdout.trim(), mounted);
    r = await b.run(['image', 'mount']);
    assert.match(r.stdout, new RegExp(`^${ref} +${mounted}\n$`));
    r = await b.run(['image', 'mount', '--format', 'json']);
    const js = JSON.parse(r.stdout) as { id: string; Repositories: string[]; mountpoint: string }[];
    assert.deepEqual([js[0]!.id, js[0]!.Repositories, js[0]!.mountpoint], [imageId, [ref], mounted]);
    r = await b.run(['image', 'umount', ref]);
    assert.equal(r.stdout, `${imageId}\n`);
    assert.ok(fs.existsSync(mounted), 'still mounted once');
    r = await b.run(['image', 'unmount', ref]);
    assert.equal(r.stdout, `${imageId}\n`);
    assert.equal(fs.existsSync(mounted), false);
    r = await b.run(['image', 'umount', ref]);
    assert.deepEqual([r.code, r.stdout], [0, ''], 'not mounted: nothing to do');
    r = await b.run(['image', 'umount', 'no-such-image']);
    assert.deepEqual([r.code, r.stderr.trim()], [125, 'Error: no-such-image: image not known']);
    r = await b.run(['image', 'umount']);
    assert.deepEqual([r.code, r.stderr.trim()], [125, 'Error: image name or ID must be specified']);
    r = await b.run(['image', 'mount', '-a', ref]);
    assert.deepEqual([r.code, r.stderr.trim()], [125, 'Error: when using the --all switch, you may not pass any image names or IDs']);

    r = await b.run(['image', 'mount', ref]);
    assert.equal(r.stdout.trim(), mounted);
    assert.equal(fs.readdirSync(path.join(b.root, 'layers')).filter((n) => n !== 'tmp').length, 3);
    r = await b.run(['rmi', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(mounted), false);
    assert.deepEqual(
      fs.readdirSync(path.join(b.root, 'layers')).filter((n) => n !== 'tmp'),
      [],
    );
    assert.deepEqual(fs.readdirSync(path.join(b.root, 'layers', 'tmp')), []);
    r = await b.run(['image', 'mount']);
    assert.deepEqual([r.code, r.stdout], [0, '']);
  });

  test('as a user who is not root: owned by the user, the image’s owners in user.containers.override_stat', T, async () => {
    const dir = fs.mkdtempSync(path.join(b.dir, 'user-'));
    fs.chmodSync(b.dir, 0o755);
    fs.chownSync(dir, 65534, 65534);
    fs.copyFileSync(archive, path.join(dir, 'image.tar'));
    fs.chownSync(path.join(dir, 'image.tar'), 65534, 65534);
    const store = path.join(dir, 'store');
    const asUser = (args: string[]) =>
      run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BERTH_CLI, '--root', store, ...args], {
        env: { HOME: dir, TMPDIR: dir, XDG_RUNTIME_DIR: '', PATH: process.env.PATH },
        timeoutMs: 90_000,
      });
    let r = await asUser(['load', '-q', '-i', path.join(dir, 'image.tar')]);
    assert.equal(r.code, 0, r.stderr);
    r = await asUser(['image', 'mount', ref]);
    assert.equal(r.code, 0, r.stderr);
    const tree = r.stdout.trim();
    const st = fs.lstatSync(path.join(tree, 'opt/app/conf'));
    assert.deepEqual([st.uid, st.gid], [65534, 65534]);
    const stat = await run('getfattr', ['-h', '-n', 'user.containers.override_stat', '--only-values', path.join(tree, 'opt/app/conf')]);
    assert.equal(stat.stdout, '1234:5678:0600:file');
    const suid = await run('getfattr', ['-h', '-n', 'user.containers.override_stat', '--only-values', path.join(tree, 'opt/app/run')]);
    assert.equal(suid.stdout, '0:0:4755:file');
    const dirStat = await run('getfattr', ['-h', '-n', 'user.containers.override_stat', '--only-values', path.join(tree, 'opt/app')]);
    assert.equal(dirStat.stdout, '1234:5678:0750:dir');
    assert.equal(fs.existsSync(path.join(tree, 'dev/null')), false, 'no device without privileges');
    // the same files, links and contents as root's tree (owners and modes aside)
    const strip = (l: string[]) => l.filter((x) => !x.startsWith('dev/null')).map((x) => x.replace(/ (dir|file|fifo) [0-7]+/, ' $1'));
    const rootTree = path.join(b.dir, 'root-tree');
    r = await b.run(['load', '-q', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    r = await b.run(['image', 'mount', ref]);
    assert.equal(r.code, 0, r.stderr);
    fs.renameSync(r.stdout.trim(), rootTree);
    fs.mkdirSync(r.stdout.trim());
    assert.deepEqual(strip(listing(tree, { owners: false })), strip(listing(rootTree, { owners: false })));
    r = await asUser(['image', 'umount', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(tree), false);
  });
});

describe('image mount: crash safety', { skip: skipUnlessTools('gzip') }, () => {
  let b: ScratchBerth;
  before(async () => {
    b = await scratchBerth();
  });
  after(async () => b?.cleanup());

  test('an unpacked layer or a mount never synced before a reboot is not trusted; a synced one is', T, async () => {
    const img = makeImage({
      repoTags: ['localhost/boots:1'],
      layers: [tarBuffer([{ name: 'etc/motd', data: 'hello from the first layer' }]), tarBuffer([{ name: 'etc/second', data: 'two' }])],
    });
    const archive = path.join(b.dir, 'boots.tar');
    fs.writeFileSync(archive, dockerArchive([img], { gzipLayers: true }));
    let r = await b.run(['load', '-q', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    const layers = path.join(b.root, 'layers');
    const entries = () =>
      fs
        .readdirSync(layers)
        .filter((n) => n !== 'tmp')
        .sort()
        .map((n) => path.join(layers, n));
    const inodes = () => entries().map((e) => fs.statSync(path.join(e, 'layer.json')).ino);
    const inBoot = (boot: string, args: string[]) => b.run(args, { env: { BERTH_BOOT_ID: boot } });

    r = await inBoot('boot-a', ['image', 'mount', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    const tree = r.stdout.trim();
    assert.equal(fs.readFileSync(path.join(tree, 'etc/motd'), 'utf8'), 'hello from the first layer');
    assert.equal(entries().length, 2);
    const stamp = (e: string) => (JSON.parse(fs.readFileSync(path.join(e, 'layer.json'), 'utf8')) as { boot?: string }).boot;
    for (const e of entries()) {
      assert.equal(stamp(e), 'boot-a', 'the record carries its boot');
      assert.equal(fs.existsSync(path.join(e, 'synced')), false, 'not synced on the way');
    }
    const first = inodes();

    // same boot: the cache and the mount are used as they are
    r = await inBoot('boot-a', ['image', 'mount']);
    assert.match(r.stdout, /localhost\/boots:1/);

    // after a reboot: the mount is gone (never synced) and the layers are unpacked again
    r = await inBoot('boot-b', ['image', 'mount']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'a mount of an earlier boot never synced is not listed');
    r = await inBoot('boot-b', ['image', 'unmount', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'nothing to unmount');
    r = await inBoot('boot-b', ['image', 'mount', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), tree);
    assert.equal(fs.readFileSync(path.join(tree, 'etc/second'), 'utf8'), 'two');
    const second = inodes();
    assert.ok(
      second.every((ino, i) => ino !== first[i]),
      'every layer unpacked again',
    );
    for (const e of entries()) assert.equal(stamp(e), 'boot-b');

    // a later command of the same boot that builds a tree syncs entries old enough and marks them: they outlive the next reboot
    r = await inBoot('boot-b', ['image', 'unmount', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    const old = Date.now() / 1000 - 120;
    for (const e of entries()) fs.utimesSync(path.join(e, 'layer.json'), old, old);
    r = await inBoot('boot-b', ['image', 'mount', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    for (const e of entries()) assert.equal(fs.existsSync(path.join(e, 'synced')), true, 'marked synced');
    r = await inBoot('boot-b', ['image', 'unmount', '--force', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    r = await inBoot('boot-c', ['image', 'mount', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(inodes(), second, 'synced layers are trusted after a reboot');
    assert.equal(fs.readFileSync(path.join(r.stdout.trim(), 'etc/motd'), 'utf8'), 'hello from the first layer');
    r = await inBoot('boot-c', ['rmi', 'localhost/boots:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(entries(), [], 'rmi removes the cached layers');
  });

  test('a killed unpack leaves no layer that looks complete; the next mount unpacks again', T, async () => {
    // ~200 MB of files in one layer: long enough to be caught in the middle
    const files: TarEntrySpec[] = [];
    const chunk = Buffer.alloc(4 << 20, 'berth rootfs crash test ');
    for (let i = 0; i < 48; i++) files.push({ name: `big/f${i}`, data: chunk });
    const img = makeImage({ repoTags: ['localhost/crash:1'], layers: [tarBuffer(files)] });
    const archive = path.join(b.dir, 'crash.tar');
    fs.writeFileSync(archive, dockerArchive([img], { gzipLayers: true }));
    let r = await b.run(['load', '-q', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    const layers = path.join(b.root, 'layers');
    const work = path.join(layers, 'tmp');
    const child = spawn(process.execPath, [BERTH_CLI, '--root', b.root, 'image', 'mount', 'localhost/crash:1'], {
      env: { ...process.env, ...b.env } as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    // kill it once some files of the layer were written
    const deadline = Date.now() + 60_000;
    let killed = false;
    while (Date.now() < deadline && child.exitCode === null) {
      const inWork = fs.existsSync(work) ? fs.readdirSync(work) : [];
      const partial = inWork.map((d) => path.join(work, d, 'diff', 'big')).find((d) => fs.existsSync(d) && fs.readdirSync(d).length >= 3);
      if (partial) {
        child.kill('SIGKILL');
        killed = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    await new Promise((res) => child.once('close', res));
    assert.ok(killed, 'the unpack was interrupted');
    assert.deepEqual(
      fs.readdirSync(layers).filter((n) => n !== 'tmp'),
      [],
      'no layer under its final name',
    );
    assert.equal(fs.readdirSync(work).length, 1, 'the work directory of the killed process is left');
    const mounts = path.join(b.root, 'mounts');
    assert.deepEqual(fs.existsSync(mounts) ? fs.readdirSync(mounts) : [], [], 'no mount');

    r = await b.run(['image', 'mount', 'localhost/crash:1']);
    assert.equal(r.code, 0, r.stderr);
    const tree = r.stdout.trim();
    assert.equal(fs.readdirSync(path.join(tree, 'big')).length, 48);
    assert.deepEqual(fs.readFileSync(path.join(tree, 'big/f47')), chunk);
    assert.deepEqual(fs.readdirSync(work), [], 'the dead process’s work directory was removed');
    assert.equal(fs.readdirSync(layers).filter((n) => n !== 'tmp').length, 1);
  });
});
