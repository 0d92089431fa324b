/**
 * images --format json prints what podman prints (one entry per name, each with all the
 * image's names) without holding the document in memory: an image with 10,000 names lists
 * in well under 150 MB of peak RSS (the output itself is many gigabytes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH_MAIN, berth, dockerArchive, makeImage, makeTar } from '../helpers/archives.js';
import { rmrf, scratchPodman, skipUnlessTools } from '../helpers/tools.js';

const TIME = '/usr/bin/time';
const skipTime = fs.existsSync(TIME) ? false : `${TIME} not installed`;
const img = makeImage({ repoTags: ['example.com/many:0'], layers: [makeTar({ 'm.txt': 'many\n' })] });

let dir: string;
let archive: string;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-images-json-'));
  archive = path.join(dir, 'img.tar');
  await fsp.writeFile(archive, dockerArchive([img]));
});
after(async () => {
  await rmrf(dir);
});

/** A store with `img` named example.com/many:0 plus `extra` more names. */
async function storeWithNames(name: string, extra: number): Promise<string> {
  const root = path.join(dir, name);
  // generous but bounded: a loaded 2-core machine is slow, a hung berth still fails the test
  assert.equal((await berth(root, ['load', '-q', '-i', archive], { timeoutMs: 600_000 })).code, 0);
  const names = Array.from({ length: extra }, (_, i) => `example.com/many${i + 1}:t`);
  const t = await berth(root, ['tag', 'example.com/many:0', ...names], { timeoutMs: 600_000 });
  assert.equal(t.code, 0, t.stderr);
  return root;
}

type Entry = { Id: string; Names: string[]; RepoDigests: string[]; History: string[] };

test('one entry per name, each with every name (as podman)', async () => {
  const root = await storeWithNames('small', 299);
  const r = await berth(root, ['images', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const entries = JSON.parse(r.stdout) as Entry[];
  assert.equal(entries.length, 300);
  for (const e of entries) {
    assert.equal(e.Id, img.id);
    assert.equal(e.Names.length, 300);
    assert.equal(e.RepoDigests.length, 300);
  }
  assert.ok(entries.every((e) => JSON.stringify(e) === JSON.stringify(entries[0])));
  // the document is json.MarshalIndent's: a 4-space indented array
  assert.ok(r.stdout.startsWith('[\n    {\n        "Id": '));
  assert.ok(r.stdout.endsWith('\n    }\n]\n'));
});

test('podman prints the same entries for an image with several names', { skip: skipUnlessTools('podman') }, async () => {
  const root = await storeWithNames('vs-podman', 2);
  const p = await scratchPodman();
  try {
    assert.equal((await p.run(['load', '-q', '-i', archive])).code, 0);
    assert.equal((await p.run(['tag', 'example.com/many:0', 'example.com/many1:t', 'example.com/many2:t'])).code, 0);
    const theirs = await p.run(['images', '--format', 'json']);
    assert.equal(theirs.code, 0, theirs.stderr);
    const ours = await berth(root, ['images', '--format', 'json']);
    assert.equal(ours.code, 0, ours.stderr);
    const pick = (s: string) => (JSON.parse(s) as Entry[]).map((e) => ({ Id: e.Id, Names: e.Names, History: e.History }));
    assert.deepEqual(pick(ours.stdout), pick(theirs.stdout));
  } finally {
    await p.cleanup();
  }
});

let fifos = 0;

/**
 * Run berth with stdout on a non-blocking pipe that nobody reads for a while: the first write
 * that finds the pipe full hands the rest to process.stdout's stream, and the light commands
 * end the process early only once that stream holds nothing unwritten. (A spawned child's
 * stdio is made blocking by libuv, so python sets O_NONBLOCK and then runs berth in its place.)
 */
async function toSlowReader(root: string, args: string[]): Promise<{ code: number | null; out: Buffer; stderr: string }> {
  const fifo = path.join(dir, `fifo-${fifos++}`);
  execFileSync('mkfifo', [fifo]);
  // the reading end, opened first (a writer's open waits for a reader)
  const keep = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(fifo, fs.constants.O_WRONLY);
  const nonBlocking = 'import os, sys; os.set_blocking(1, False); os.execv(sys.argv[1], sys.argv[1:])';
  const child = spawn('python3', ['-c', nonBlocking, process.execPath, BERTH_MAIN, '--root', root, ...args], {
    stdio: ['ignore', w, 'pipe'],
  });
  fs.closeSync(w);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  await new Promise((r) => setTimeout(r, 700));
  // then read it all: end of file once the pipe is empty and its last writer (berth) has gone
  const parts: Buffer[] = [];
  for (;;) {
    const b = Buffer.alloc(1 << 16);
    let n: number;
    try {
      n = fs.readSync(keep, b);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    if (n === 0) break;
    parts.push(b.subarray(0, n));
  }
  fs.closeSync(keep);
  const code = await exited;
  return { code, out: Buffer.concat(parts), stderr };
}

test('a slow reader on a non-blocking pipe gets the whole output', { skip: skipUnlessTools('python3', 'mkfifo') }, async () => {
  const big = await storeWithNames('slow-reader', 999);
  const small = await storeWithNames('slow-reader-json', 59);
  // a table and an inspect written at once, a JSON listing written in chunks: each more than a pipe holds
  for (const [root, args] of [
    [big, ['images']],
    [big, ['inspect', 'example.com/many:0']],
    [small, ['images', '--format', 'json']],
  ] as const) {
    const whole = await berth(root, [...args]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.ok(whole.stdoutBuf.length > 65536, `${args.join(' ')}: ${whole.stdoutBuf.length} bytes, more than a pipe holds`);
    const slow = await toSlowReader(root, [...args]);
    assert.equal(slow.code, 0, slow.stderr);
    assert.equal(slow.stderr, '');
    assert.equal(slow.out.length, whole.stdoutBuf.length, args.join(' '));
    assert.ok(slow.out.equals(whole.stdoutBuf), args.join(' '));
  }
});

test('10,000 names: images --format json stays under 150 MB peak RSS', { skip: skipTime }, async () => {
  const root = await storeWithNames('huge', 9_999);
  const stats = path.join(dir, 'time.txt');
  const devnull = fs.openSync('/dev/null', 'w');
  const errs: Buffer[] = [];
  // gigabytes of JSON: minutes on a loaded machine; bounded so that a hang fails instead of stalling the suite
  let timedOut = false;
  const code = await new Promise<number | null>((resolve, reject) => {
    const c = spawn(TIME, ['-v', '-o', stats, process.execPath, BERTH_MAIN, '--root', root, 'images', '--format', 'json'], {
      stdio: ['ignore', devnull, 'pipe'],
      detached: true, // its own process group: a kill reaches berth under time(1) too
    });
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-c.pid!, 'SIGKILL');
    }, 1_200_000);
    c.stderr!.on('data', (b: Buffer) => errs.push(b));
    c.on('error', reject);
    c.on('close', (status) => {
      clearTimeout(timer);
      resolve(status);
    });
  });
  assert.equal(timedOut, false, 'images --format json did not finish within 20 minutes');
  fs.closeSync(devnull);
  assert.equal(Buffer.concat(errs).toString(), '');
  assert.equal(code, 0);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(stats, 'utf8'));
  assert.ok(m, 'no RSS figure from time -v');
  const kb = Number(m[1]);
  assert.ok(kb < 150 * 1024, `peak RSS ${Math.round(kb / 1024)} MB, limit 150 MB`);
});
