/**
 * What the machine can do to a store: a full disk, a read-only mount, an index owned by
 * another user, a damaged or missing index, a write lock held too long. Every failure is
 * one line with a stable meaning (no stack trace, exit 125), the store is left as it was,
 * commands that only read keep working where they can, and on a full disk rmi, image prune
 * and system gc still free space. Mount and ownership cases run as root only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  BERTH_MAIN,
  assertOneLineError,
  berth,
  blobsOnDisk,
  dockerArchive,
  listDir,
  makeImage,
  makeTar,
  sha256,
  storeImages,
  storeSnapshot,
  type BuiltImage,
} from '../helpers/archives.js';
import { rmrf, run, runOk, type RunResult } from '../helpers/tools.js';

const isRoot = process.getuid?.() === 0;
const skipUnlessRoot = isRoot ? false : 'needs root (mount, chown)';
const MB = 1024 * 1024;

let dir: string;
/** Small images (a few KB each), a 2 MB one (for freeing space), a 3 MB one (never fits). */
let small: BuiltImage, other: BuiltImage, medium: BuiltImage, big: BuiltImage;
const archives: Record<string, string> = {};

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-store-failures-'));
  await fsp.chmod(dir, 0o755); // other users (the ownership tests) must reach stores inside
  small = makeImage({ repoTags: ['example.com/small:1'], seed: 'small' });
  other = makeImage({ repoTags: ['example.com/other:1'], seed: 'other' });
  medium = makeImage({ repoTags: ['example.com/medium:1'], layers: [makeTar({ 'm.bin': randomBytes(2 * MB) })] });
  big = makeImage({ repoTags: ['example.com/big:1'], layers: [makeTar({ 'b.bin': randomBytes(3 * MB) })] });
  for (const [name, img] of Object.entries({ small, other, medium, big })) {
    archives[name] = path.join(dir, `${name}.tar`);
    await fsp.writeFile(archives[name]!, dockerArchive([img]));
  }
});

after(async () => {
  await rmrf(dir);
});

let n = 0;
/** A new store holding the given images. */
async function storeWith(imgs: string[], root = path.join(dir, `store-${n++}`)): Promise<string> {
  for (const name of imgs) {
    const r = await berth(root, ['load', '-q', '-i', archives[name]!]);
    assert.equal(r.code, 0, r.stderr);
  }
  return root;
}

/** Every file of a store with its size and content hash (everything a failed command must keep). */
function fileTree(root: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(root, p);
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(p);
      else out[rel] = sha256(fs.readFileSync(p));
    }
  };
  walk(root);
  return out;
}

function freeBytes(p: string): number {
  const s = fs.statfsSync(p);
  return s.bavail * s.bsize;
}

/** Fill the file system of `p` to the last byte with FILE (returns its size). */
function fillUp(file: string): number {
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let size = chunk.length; size >= 512; size = size / 2) {
      for (;;) {
        try {
          fs.writeSync(fd, chunk.subarray(0, size));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}

async function mount(args: string[]): Promise<void> {
  await runOk('mount', args);
}
async function umount(target: string): Promise<void> {
  const r = await run('umount', [target]);
  if (r.code !== 0) await run('umount', ['-l', target]);
}

describe('full disk', { skip: skipUnlessRoot }, () => {
  let mnt: string;
  let root: string;
  let fill: string;
  before(async () => {
    mnt = path.join(dir, 'tmpfs');
    await fsp.mkdir(mnt);
    await mount(['-t', 'tmpfs', '-o', 'size=10m', 'tmpfs', mnt]);
    root = await storeWith(['small', 'other', 'medium'], path.join(mnt, 'store'));
    fill = path.join(mnt, 'fill');
  });
  after(async () => {
    await umount(mnt);
  });

  /** Fill the disk, run `args`, and return the bytes it freed (the disk refilled first). */
  async function onFullDisk(args: string[]): Promise<{ r: RunResult; freed: number }> {
    fillUp(fill);
    assert.ok(freeBytes(mnt) < 4096, `disk is full (${freeBytes(mnt)} bytes free)`);
    const r = await berth(root, args);
    return { r, freed: freeBytes(mnt) };
  }

  test('load of an image that does not fit fails with STORE_FULL in one line; the store stays as it was', async () => {
    fillUp(fill);
    const before = await storeSnapshot(root);
    assert.equal(before.check.code, 0, before.check.stdout);
    // index.db is compared by content above (the failed load's lease came and went)
    const tree = fileTree(root, (rel) => rel.startsWith('index.db'));
    const r = await berth(root, ['load', '-i', archives.big!]);
    assertOneLineError(r, root, /no space left on device \(free space on that file system, e\.g\. with "berth rmi"/);
    assert.equal(r.code, 125);
    const afterSnap = await storeSnapshot(root);
    assert.deepEqual(afterSnap, before);
    assert.equal(afterSnap.check.code, 0, 'system check passes');
    assert.deepEqual(
      fileTree(root, (rel) => rel.startsWith('index.db')),
      tree,
      'no blob, temp or reserve file changed',
    );
  });

  test('commands that only read work on a full disk', async () => {
    fillUp(fill);
    const r = await berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['example.com/medium:1', 'example.com/other:1', 'example.com/small:1']);
    const i = await berth(root, ['inspect', '--format', '{{.Id}}', 'example.com/small:1']);
    assert.equal(i.code, 0, i.stderr);
    assert.equal(i.stdout, `${small.id}\n`);
    const c = await berth(root, ['system', 'check']);
    assert.equal(c.code, 0, c.stdout + c.stderr);
  });

  test('rmi, image prune and system gc succeed on a full disk and free space', async () => {
    const rmi = await onFullDisk(['rmi', 'example.com/medium:1']);
    assert.equal(rmi.r.code, 0, rmi.r.stderr);
    assert.match(rmi.r.stdout, new RegExp(`Deleted: ${medium.id}`));
    assert.ok(rmi.freed > 1.9 * MB, `rmi freed ${rmi.freed} bytes`);
    assert.ok(fs.existsSync(path.join(root, 'reserve')), 'the reserve file is back');

    await fsp.rm(fill);
    const untag = await berth(root, ['untag', 'example.com/other:1']);
    assert.equal(untag.code, 0, untag.stderr);
    const prune = await onFullDisk(['image', 'prune', '-f']);
    assert.equal(prune.r.code, 0, prune.r.stderr);
    assert.equal(prune.r.stdout, `${other.id}\n`);
    assert.ok(prune.freed > 0, 'prune freed space');

    // an unreferenced blob (as a killed writer leaves): gc removes it on a full disk
    await fsp.rm(fill);
    const orphan = randomBytes(MB);
    const orphanPath = path.join(root, 'blobs', 'sha256', sha256(orphan).slice(7));
    await fsp.writeFile(orphanPath, orphan);
    const gc = await onFullDisk(['system', 'gc']);
    assert.equal(gc.r.code, 0, gc.r.stderr);
    assert.match(gc.r.stdout, /^Removed 1 unreferenced blob\(s\), 1048576 bytes$/m);
    assert.ok(gc.freed >= MB, `gc freed ${gc.freed} bytes`);
    assert.ok(!fs.existsSync(orphanPath));

    assert.deepEqual(storeImages(root), [{ id: small.id, names: ['example.com/small:1'] }]);
    const c = await berth(root, ['system', 'check']);
    assert.equal(c.code, 0, c.stdout + c.stderr);
  });
});

describe('read-only store (read-only bind mount)', { skip: skipUnlessRoot }, () => {
  let rw: string;
  let ro: string;
  before(async () => {
    rw = await storeWith(['small', 'other']);
    ro = path.join(dir, 'ro-view');
    await fsp.mkdir(ro);
    await mount(['--bind', rw, ro]);
    await mount(['-o', 'remount,bind,ro', ro]);
  });
  after(async () => {
    await umount(ro);
  });

  test('images, inspect, history, image exists, image tree, save and system check work and match the writable store', async () => {
    const tree = fileTree(rw);
    for (const args of [
      ['images', '--format', '{{.ID}} {{.Repository}}:{{.Tag}} {{.Size}}'],
      ['inspect', 'example.com/small:1'],
      ['history', '--format', '{{.ID}} {{.CreatedBy}}', 'example.com/other:1'],
      ['image', 'tree', 'example.com/small:1'],
    ]) {
      const a = await berth(ro, args);
      assert.equal(a.code, 0, `${args.join(' ')}: ${a.stderr}`);
      assert.equal(a.stderr, '');
      const b = await berth(rw, args);
      assert.equal(a.stdout, b.stdout, args.join(' '));
    }
    assert.equal((await berth(ro, ['image', 'exists', 'example.com/small:1'])).code, 0);
    assert.equal((await berth(ro, ['image', 'exists', 'example.com/nothere:1'])).code, 1);
    const check = await berth(ro, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /^Checked 2 image\(s\), 6 blob\(s\): no problems$/m);

    const out = path.join(dir, 'from-ro.tar');
    const save = await berth(ro, ['save', '-q', '-o', out, 'example.com/small:1']);
    assert.equal(save.code, 0, save.stderr);
    const copy = await storeWith([]);
    const load = await berth(copy, ['load', '-q', '-i', out]);
    assert.equal(load.code, 0, load.stderr);
    assert.deepEqual(storeImages(copy), [{ id: small.id, names: ['example.com/small:1'] }]);
    assert.deepEqual(fileTree(rw), tree, 'reading changed nothing');
  });

  test('tag, untag, rmi, load, image prune and system gc fail with STORE_READONLY in one line; nothing changes', async () => {
    const before = await storeSnapshot(rw);
    const tree = fileTree(rw);
    for (const args of [
      ['tag', 'example.com/small:1', 'example.com/new:1'],
      ['untag', 'example.com/small:1'],
      ['rmi', 'example.com/small:1'],
      ['load', '-i', archives.big!],
      ['image', 'prune', '-a', '-f'],
      ['system', 'gc'],
      ['system', 'check', '--repair'],
    ]) {
      const r = await berth(ro, args);
      assert.equal(r.code, 125, args.join(' '));
      assertOneLineError(r, ro, /^Error: cannot write \S+: read-only file system \(the store is read-only/);
    }
    assert.deepEqual(await storeSnapshot(rw), before);
    assert.deepEqual(fileTree(rw), tree);
  });
});

/** Run berth as another (non-root) user. */
function berthAs(uid: number, root: string, args: string[]): Promise<RunResult> {
  return run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, BERTH_MAIN, '--root', root, ...args], {
    env: { HOME: dir, BERTH_ROOT: undefined, XDG_DATA_HOME: undefined },
  });
}

describe('ownership and permissions (as another user)', { skip: skipUnlessRoot }, () => {
  test('index.db of another uid with mode 0600: PERMISSION in one line naming the file and its owner', async () => {
    const root = await storeWith(['small']);
    await fsp.chmod(root, 0o755);
    const file = path.join(root, 'index.db');
    await fsp.chown(file, 40001, 40001);
    await fsp.chmod(file, 0o600);
    const tree = fileTree(root);
    for (const args of [['images'], ['inspect', 'example.com/small:1'], ['tag', 'example.com/small:1', 'x:1'], ['system', 'gc']]) {
      const r = await berthAs(40002, root, args);
      assert.equal(r.code, 125, args.join(' '));
      assertOneLineError(
        r,
        file,
        /^Error: cannot read \S+index\.db: permission denied \(owned by uid 40001, mode 0600\) \(run berth as the owner/,
      );
    }
    assert.deepEqual(fileTree(root), tree);
  });

  test('a store its owner made read-only (chmod -w): reads work, writes fail with STORE_READONLY', async () => {
    const root = await storeWith(['small']);
    await runOk('chown', ['-R', '40003:40003', root]);
    await runOk('chmod', ['-R', 'a-w', root]);
    const tree = fileTree(root);
    const i = await berthAs(40003, root, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(i.code, 0, i.stderr);
    assert.equal(i.stdout, 'example.com/small:1\n');
    const h = await berthAs(40003, root, ['inspect', '--format', '{{.Id}}', 'example.com/small:1']);
    assert.equal(h.stdout, `${small.id}\n`, h.stderr);
    for (const args of [
      ['tag', 'example.com/small:1', 'x:1'],
      ['rmi', 'example.com/small:1'],
      ['load', '-i', archives.other!],
    ]) {
      const r = await berthAs(40003, root, args);
      assert.equal(r.code, 125, args.join(' '));
      assertOneLineError(
        r,
        root,
        /^Error: cannot write \S+: permission denied \(owned by uid 40003, mode 0[0-7]{3}\) \(the store is read-only/,
      );
    }
    assert.deepEqual(fileTree(root), tree);
  });
});

describe('damaged or missing index', () => {
  test('garbage or truncated index.db: STORE_CORRUPT in one line pointing to system recover; nothing changes', async () => {
    const good = await storeWith(['small', 'other', 'medium']);
    const original = await fsp.readFile(path.join(good, 'index.db'));
    const variants: [string, Buffer][] = [
      ['garbage', Buffer.from('this is not a database\n'.repeat(200))],
      ['truncated', original.subarray(0, 8192)],
      ['half', original.subarray(0, Math.floor(original.length / 2))],
    ];
    for (const [name, bytes] of variants) {
      const root = path.join(dir, `corrupt-${name}`);
      await fsp.cp(good, root, { recursive: true });
      await fsp.writeFile(path.join(root, 'index.db'), bytes);
      const tree = fileTree(root);
      for (const args of [
        ['images'],
        ['tag', 'example.com/small:1', 'x:1'],
        ['rmi', '-a'],
        ['system', 'check'],
        ['system', 'gc'],
        ['load', '-i', archives.big!],
      ]) {
        const r = await berth(root, args);
        assert.equal(r.code, 125, `${name}: ${args.join(' ')}`);
        assertOneLineError(r, path.join(root, 'index.db'), /is damaged: .*\(run "berth system recover" to rebuild it from the blobs\)$/);
      }
      assert.deepEqual(fileTree(root), tree, `${name}: the store is unchanged`);
    }
  });

  test('deleted or empty index.db next to blobs: an error, never a new empty store; gc deletes nothing', async () => {
    for (const how of ['deleted', 'empty'] as const) {
      const root = await storeWith(['small', 'other']);
      const blobs = blobsOnDisk(root);
      assert.equal(blobs.length, 6);
      const file = path.join(root, 'index.db');
      if (how === 'deleted') await fsp.rm(file);
      else await fsp.writeFile(file, '');
      const tree = fileTree(root);
      for (const args of [
        ['system', 'gc'],
        ['system', 'check'],
        ['images'],
        ['load', '-i', archives.big!],
        ['image', 'prune', '-a', '-f'],
      ]) {
        const r = await berth(root, args);
        assert.equal(r.code, 125, `${how}: ${args.join(' ')}`);
        assertOneLineError(
          r,
          file,
          new RegExp(
            `^Error: the image index \\S+ is ${how === 'deleted' ? 'missing' : 'empty'} but the store holds 6 blob\\(s\\); refusing to start a new empty index \\(run "berth system recover"`,
          ),
        );
      }
      assert.deepEqual(blobsOnDisk(root), blobs, 'gc deleted nothing');
      assert.deepEqual(fileTree(root), tree, 'no new index was created');
      // what the message says to do works: images and names come back
      const rec = await berth(root, ['system', 'recover']);
      assert.equal(rec.code, 0, rec.stderr);
      assert.deepEqual(
        storeImages(root),
        [small, other].map((i) => ({ id: i.id, names: i.repoTags! })).sort((a, b) => a.id.localeCompare(b.id)),
      );
    }
  });
});

describe('write lock held past the timeout', () => {
  let holder: ChildProcess | undefined;
  after(() => {
    holder?.kill('SIGKILL');
  });

  test('writers fail with STORE_LOCKED naming the file; readers keep working; the lock going away ends it', async () => {
    const root = await storeWith(['small']);
    const file = path.join(root, 'index.db');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    holder = spawn(
      process.execPath,
      [
        '-e',
        `
      const D = require(${JSON.stringify(sqlite)});
      const db = new D(${JSON.stringify(file)});
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      process.stdin.on('data', () => {}); process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    `,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder!.stdout!.once('data', () => resolve());
      holder!.once('exit', (c) => reject(new Error(`lock holder exited ${c}`)));
    });
    const tree = fileTree(root, (rel) => rel.startsWith('index.db-'));
    const env = { BERTH_LOCK_TIMEOUT: '1' };
    for (const args of [
      ['tag', 'example.com/small:1', 'x:1'],
      ['rmi', 'example.com/small:1'],
      ['load', '-i', archives.other!],
      ['system', 'gc'],
    ]) {
      const t0 = Date.now();
      const r = await berth(root, args, { env });
      assert.equal(r.code, 125, args.join(' '));
      assertOneLineError(
        r,
        file,
        /^Error: the image index \S+ is locked by another berth process \(waited 1s\) \(retry when it has finished, or stop it\)$/,
      );
      assert.ok(Date.now() - t0 >= 1000, 'it waited for the lock first');
    }
    const images = await berth(root, ['images', '--format', '{{.Repository}}'], { env });
    assert.equal(images.code, 0, images.stderr);
    assert.equal(images.stdout, 'example.com/small\n');
    assert.deepEqual(
      fileTree(root, (rel) => rel.startsWith('index.db-')),
      tree,
    );

    holder.stdin!.end();
    await new Promise((r) => holder!.once('exit', r));
    holder = undefined;
    const tag = await berth(root, ['tag', 'example.com/small:1', 'x:1'], { env });
    assert.equal(tag.code, 0, tag.stderr);
  });

  test('a bad BERTH_LOCK_TIMEOUT is a one-line error', async () => {
    const r = await berth(path.join(dir, 'unused'), ['images'], { env: { BERTH_LOCK_TIMEOUT: '1e20' } });
    assertOneLineError(r, 'BERTH_LOCK_TIMEOUT', /is not a number of seconds/);
    assert.deepEqual(listDir(path.join(dir, 'unused')), []);
  });
});
