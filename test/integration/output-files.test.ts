/**
 * Output files of save (and push --digestfile): a device, a FIFO or a link into /proc such as
 * /dev/stdout is written in place and never replaced by a regular file; a symbolic link keeps
 * pointing at its file; an empty path is refused; an interrupted save (SIGINT/SIGTERM) leaves no temp file beside the
 * target or in the temp directory, and the store as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  assertOneLineError,
  BERTH_MAIN,
  berth,
  dockerArchive,
  makeImage,
  makeTar,
  spawnBerth,
  storeImages,
  storeSnapshot,
  type BuiltImage,
} from '../helpers/archives.js';
import { rmrf } from '../helpers/tools.js';

const FORMATS = ['docker-archive', 'oci-archive'] as const;
const isRoot = process.getuid?.() === 0;

let dir: string;
let root: string;
let img: BuiltImage;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-outfiles-'));
  root = path.join(dir, 'store');
  img = makeImage({ repoTags: ['example.com/out:1'], layers: [makeTar({ 'a.txt': 'a\n' }), makeTar({ 'b.txt': 'b\n' })] });
  const src = path.join(dir, 'src.tar');
  await fsp.writeFile(src, dockerArchive([img]));
  const r = await berth(root, ['load', '-q', '-i', src]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await rmrf(dir);
});

/** A fresh directory for one test's output (so "nothing else was left" can be asserted). */
async function outDir(name: string): Promise<string> {
  const d = path.join(dir, name);
  await fsp.mkdir(d);
  return d;
}

/** Load `archive` into a fresh store and return its images. */
async function loadsBack(archive: string, name: string): Promise<{ id: string; names: string[] }[]> {
  const other = path.join(dir, `check-${name}`);
  const l = await berth(other, ['load', '-q', '-i', archive]);
  assert.equal(l.code, 0, l.stderr);
  return storeImages(other);
}

describe('targets that are not regular files are written in place', () => {
  for (const format of FORMATS) {
    test(`${format}: a character device (mknod c 1 3) stays a device`, { skip: isRoot ? false : 'mknod needs root' }, async () => {
      const d = await outDir(`dev-${format}`);
      const dev = path.join(d, 'X');
      execFileSync('mknod', [dev, 'c', '1', '3']);
      const r = await berth(root, ['save', '-q', '--format', format, '-o', dev, 'example.com/out:1']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const st = fs.lstatSync(dev);
      assert.ok(st.isCharacterDevice(), 'X must still be a character device');
      assert.equal(st.rdev, fs.statSync('/dev/null').rdev);
      assert.deepEqual(fs.readdirSync(d), ['X'], 'no temp file or staging directory left');
    });

    test(`${format}: a FIFO is written for a concurrent reader`, async () => {
      const d = await outDir(`fifo-${format}`);
      const fifo = path.join(d, 'F');
      execFileSync('mkfifo', [fifo]);
      // the reader is a child process, so that a reader left waiting can be killed
      const got = path.join(dir, `from-fifo-${format}.tar`);
      const out = fs.openSync(got, 'w');
      const cat = spawn('cat', [fifo], { stdio: ['ignore', out, 'inherit'] });
      fs.closeSync(out);
      const catDone = new Promise<number | null>((resolve) => cat.on('close', resolve));
      const r = await berth(root, ['save', '-q', '--format', format, '-o', fifo, 'example.com/out:1']);
      assert.equal(r.code, 0, r.stderr);
      const timer = setTimeout(() => cat.kill('SIGKILL'), 10_000);
      const catCode = await catDone;
      clearTimeout(timer);
      assert.equal(catCode, 0, 'the reader never got the end of the archive');
      assert.ok(fs.lstatSync(fifo).isFIFO(), 'F must still be a FIFO');
      assert.deepEqual(fs.readdirSync(d), ['F']);
      assert.deepEqual(await loadsBack(got, `fifo-${format}`), [{ id: img.id, names: ['example.com/out:1'] }]);
    });

    // a link like /dev/stdout (-> /proc/self/fd/1) of our own, so a broken berth cannot
    // replace the machine's /dev/stdout
    test(`${format}: a link into /proc/self/fd (as /dev/stdout) writes to the redirected stdout and stays a link`, async () => {
      const d = await outDir(`stdout-${format}`);
      const link = path.join(d, 'stdout');
      fs.symlinkSync('/proc/self/fd/1', link);
      const file = path.join(d, 'redirected.tar');
      const fd = fs.openSync(file, 'w');
      const code = await new Promise<number | null>((resolve, reject) => {
        const c = spawn(process.execPath, [BERTH_MAIN, '--root', root, 'save', '-q', '--format', format, '-o', link, 'example.com/out:1'], {
          stdio: ['ignore', fd, 'inherit'],
        });
        c.on('error', reject);
        c.on('close', resolve);
      });
      fs.closeSync(fd);
      assert.equal(code, 0);
      assert.equal(fs.readlinkSync(link), '/proc/self/fd/1');
      assert.deepEqual(fs.readdirSync(d).sort(), ['redirected.tar', 'stdout']);
      assert.deepEqual(await loadsBack(file, `stdout-${format}`), [{ id: img.id, names: ['example.com/out:1'] }]);
    });

    test(`${format}: a symbolic link keeps pointing at the file, which gets the archive`, async () => {
      const d = await outDir(`link-${format}`);
      const real = path.join(d, 'real.tar');
      fs.writeFileSync(real, 'old');
      fs.symlinkSync('real.tar', path.join(d, 'link.tar'));
      const r = await berth(root, ['save', '-q', '--format', format, '-o', path.join(d, 'link.tar'), 'example.com/out:1']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fs.lstatSync(path.join(d, 'link.tar')).isSymbolicLink());
      assert.deepEqual(fs.readdirSync(d).sort(), ['link.tar', 'real.tar']);
      assert.deepEqual(await loadsBack(real, `link-${format}`), [{ id: img.id, names: ['example.com/out:1'] }]);
    });
  }
});

describe('a reader that goes away is an error, not a success', () => {
  for (const format of FORMATS) {
    test(`${format} to stdout whose reader closed the pipe: one-line error, non-zero exit`, async () => {
      const child = spawnBerth(root, ['save', '-q', '--format', format, 'example.com/out:1']);
      child.stdout!.destroy(); // nobody reads: the first write fails with EPIPE
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.equal(code, 125, stderr);
      assertOneLineError(
        { code, signal: null, stderr, stdout: '', stdoutBuf: Buffer.alloc(0), stderrBuf: Buffer.from(stderr), timedOut: false },
        'stdout',
        /reader closed the pipe|EPIPE/,
      );
    });
  }
});

describe('empty output paths are refused', () => {
  for (const format of [...FORMATS, 'oci-dir', 'docker-dir']) {
    test(`save --format ${format} -o ""`, async () => {
      const d = await outDir(`empty-${format}`);
      const before = await storeSnapshot(root);
      const r = await berth(root, ['save', '--format', format, '-o', '', 'example.com/out:1'], { cwd: d });
      assertOneLineError(r, 'output path', /output path is empty/);
      assert.equal(r.code, 125);
      assert.deepEqual(fs.readdirSync(d), [], 'nothing written in the current directory');
      assert.deepEqual(await storeSnapshot(root), before);
    });
  }

  test('push --digestfile "" is refused before anything is pushed', async () => {
    const d = await outDir('empty-digestfile');
    const r = await berth(root, ['push', '--digestfile', '', 'example.com/out:1', `oci-archive:${path.join(d, 'pushed.tar')}`], { cwd: d });
    assertOneLineError(r, 'digest file', /digest file path is empty/);
    assert.deepEqual(fs.readdirSync(d), []);
  });

  test('push --digestfile writes the digest to a file, and to a device in place', async () => {
    const d = await outDir('digestfile');
    const file = path.join(d, 'digest');
    const r = await berth(root, ['push', '-q', '--digestfile', file, 'example.com/out:1', `oci-archive:${path.join(d, 'pushed.tar')}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(fs.readFileSync(file, 'utf8'), /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(fs.readdirSync(d).sort(), ['digest', 'pushed.tar']);
    if (isRoot) {
      const dev = path.join(d, 'null');
      execFileSync('mknod', [dev, 'c', '1', '3']);
      const r2 = await berth(root, ['push', '-q', '--digestfile', dev, 'example.com/out:1', `oci-archive:${path.join(d, 'pushed2.tar')}`]);
      assert.equal(r2.code, 0, r2.stderr);
      assert.ok(fs.lstatSync(dev).isCharacterDevice());
    }
  });
});

describe('an interrupted save leaves no temp file', () => {
  // A layer blob replaced by a FIFO makes the save wait, deterministically, while its temp
  // file and staging directory exist; the blob is restored afterwards.
  const layerBlob = () => path.join(root, 'blobs', 'sha256', img.diffIDs[1]!.slice(7));
  let saved: Buffer;
  before(() => {
    saved = fs.readFileSync(layerBlob());
    fs.rmSync(layerBlob());
    execFileSync('mkfifo', [layerBlob()]);
  });
  after(() => {
    fs.rmSync(layerBlob(), { force: true });
    fs.writeFileSync(layerBlob(), saved);
  });

  for (const format of FORMATS) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`${format}: ${signal} while saving`, async () => {
        const d = await outDir(`sig-${format}-${signal}`);
        const tmp = path.join(d, 'tmpdir');
        await fsp.mkdir(tmp);
        const target = path.join(d, 'x.tar');
        const child = spawnBerth(root, ['save', '-q', '--format', format, '-o', target, 'example.com/out:1'], { env: { TMPDIR: tmp } });
        let stderr = '';
        child.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString();
        });
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.on('close', (code, sig) => resolve({ code, signal: sig })),
        );
        // wait until the save has created something beside the target (it then blocks on the
        // FIFO blob, or is about to)
        const deadline = Date.now() + 30_000;
        while (!fs.readdirSync(d).some((n) => n.startsWith('.'))) {
          assert.ok(Date.now() < deadline, `the save never created its temp file: ${stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        child.kill(signal);
        const res = await exited;
        assert.equal(res.signal, signal, `berth should die of ${signal} (code ${res.code}, stderr ${stderr})`);
        assert.doesNotMatch(stderr, /^\s+at /m);
        assert.deepEqual(fs.readdirSync(d), ['tmpdir'], 'no temp file, staging directory or archive left');
        assert.deepEqual(fs.readdirSync(tmp), []);
      });
    }
  }
});

test('the store is unchanged and sound after all of the above', async () => {
  assert.deepEqual(storeImages(root), [{ id: img.id, names: ['example.com/out:1'] }]);
  const c = await berth(root, ['system', 'check']);
  assert.equal(c.code, 0, c.stdout + c.stderr);
});
