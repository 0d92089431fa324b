/**
 * Containers side by side with podman (scratch vfs store): the same image loaded into both,
 * `podman create` + `podman export` against `berth create` + `berth export` (byte for byte),
 * berth's export imported back into podman (same file list, types, modes, owners, sizes,
 * link targets), `diff` of both after the same changes to the mounted root filesystems, and
 * berth without privileges (another user): its export lists the image's owners and modes
 * exactly as podman's export as root does. The image carries xattrs (security.capability,
 * user.*): the exports match byte for byte with them, and a capability set is a change in both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { berth } from '../helpers/archives.js';
import { writeContainerTestArchive } from '../helpers/container-fixture.js';
import { rmrf, run, runOk, scratchPodman, skipUnlessTools, toolPath, type ScratchPodman } from '../helpers/tools.js';
import { BERTH_CLI } from '../helpers/berth.js';

// podman mounts container storage only as root (as its own mount tests)
const skip = skipUnlessTools('podman') || (process.getuid?.() !== 0 ? 'podman mount needs root' : false);
const IMAGE = 'localhost/ctr-test:1';
let dir: string;
let root: string;
let podman: ScratchPodman;

async function ok(args: string[]): Promise<string> {
  const r = await berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
async function pok(args: string[]): Promise<string> {
  const r = await podman.run(args);
  assert.equal(r.code, 0, `podman ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  if (skip) return;
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-podman-'));
  root = path.join(dir, 'store');
  podman = await scratchPodman();
  const archive = path.join(dir, 'img.tar');
  writeContainerTestArchive(archive, IMAGE);
  await ok(['load', '-q', '-i', archive]);
  await pok(['load', '-q', '-i', archive]);
});
after(async () => {
  if (skip) return;
  await podman.cleanup();
  await rmrf(dir);
});

/** name, type, mode, uid/gid, size, link target of every member, from GNU tar's verbose listing. */
async function listing(file: string): Promise<string[]> {
  const r = await run('tar', ['-tvf', file, '--numeric-owner', '--full-time']);
  assert.equal(r.code, 0, r.stderr);
  // without the time column: compared on everything else
  return r.stdout
    .split('\n')
    .filter((l) => l)
    .map((l) => l.replace(/ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ' '));
}

test('export: byte-identical to podman export; re-imported by podman with the same files, modes and owners', { skip }, async () => {
  await ok(['create', '--name', 'x1', IMAGE]);
  await pok(['create', '--name', 'x1', IMAGE]);
  const b = path.join(dir, 'berth.tar');
  const p = path.join(dir, 'podman.tar');
  await ok(['export', '-o', b, 'x1']);
  await pok(['export', '-o', p, 'x1']);
  assert.ok(fs.readFileSync(b).equals(fs.readFileSync(p)), 'berth export and podman export differ');

  // podman import of berth's export, a podman container of it, exported again
  await pok(['import', '-q', b, 'localhost/reimported:1']);
  await pok(['create', '--name', 'x2', 'localhost/reimported:1', '/bin/tool']);
  const again = path.join(dir, 'again.tar');
  await pok(['export', '-o', again, 'x2']);
  const want = await listing(p);
  assert.deepEqual(await listing(again), want);
  assert.ok(want.some((l) => l.startsWith('-rwsr-xr-x 0/0') && l.endsWith('bin/su')));
  assert.ok(want.some((l) => l.startsWith('drwxr-x--- 1000/1000') && l.endsWith('home/u/')));
  assert.ok(want.some((l) => l.startsWith('drwxrwxrwt') && l.endsWith('tmp/')));
  assert.ok(want.some((l) => l.startsWith('prw-------') && l.endsWith('run/fifo')));
  assert.ok(!want.some((l) => l.includes('opt/owned') || l.includes('opt/cache/old')), 'whiteouts applied');
});

test('diff: the same changes as podman diff (podman orders them as it walks a map: compared sorted)', { skip }, async () => {
  // container names with a letter no image ID has: diff looks a name up as an image first, and
  // podman's store also holds the image imported above, whose ID (it records the time) could
  // start with an all-hex name such as "d1"
  await ok(['create', '--name', 'dx1', IMAGE]);
  await pok(['create', '--name', 'dx1', IMAGE]);
  const sorted = (s: string) =>
    s
      .split('\n')
      .filter((l) => l)
      .sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
  assert.deepEqual(sorted(await ok(['image', 'diff', IMAGE])), sorted(await pok(['image', 'diff', IMAGE])));
  for (const mp of [(await ok(['mount', 'dx1'])).trim(), (await pok(['mount', 'dx1'])).trim()]) {
    fs.writeFileSync(path.join(mp, 'etc/services'), 'changed\n');
    fs.rmSync(path.join(mp, 'etc/link'));
    fs.mkdirSync(path.join(mp, 'new'));
    fs.writeFileSync(path.join(mp, 'new/f'), '');
    fs.chmodSync(path.join(mp, 'bin'), 0o700);
    fs.chownSync(path.join(mp, 'srv/index.html'), 5, 5);
    fs.rmSync(path.join(mp, 'opt/cache'), { recursive: true });
    // a capability set (nothing else changes): both report the file as changed
    await runOk('setfattr', ['-n', 'security.capability', '-v', '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=', path.join(mp, 'bin/su')]);
  }
  const mine = await ok(['diff', 'dx1']);
  assert.deepEqual(sorted(mine), sorted(await pok(['diff', 'dx1'])));
  assert.equal(sorted(mine).length, 11);
  assert.ok(sorted(mine).includes('C /bin/su'));
  assert.deepEqual(JSON.parse(await ok(['diff', '--format', 'json', 'dx1'])).deleted.sort(), ['/etc/link', '/opt/cache']);
  await pok(['umount', 'dx1']);
});

test('diff with a second name and --latest, and their errors: as podman diff', { skip }, async () => {
  // after the previous test: dx1 (both stores) has the same changes over IMAGE, and is the latest container
  const sorted = (s: string) =>
    s
      .split('\n')
      .filter((l) => l)
      .sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
  const sortedJSON = (s: string) =>
    Object.fromEntries(Object.entries(JSON.parse(s) as Record<string, string[]>).map(([k, v]) => [k, [...v].sort()]));
  for (const args of [
    ['diff', 'dx1', IMAGE],
    ['diff', IMAGE, 'dx1'],
    ['container', 'diff', 'dx1', 'x1'],
    ['diff', '-l'],
    ['container', 'diff', '--latest'],
  ]) {
    const mine = await ok(args);
    assert.deepEqual(sorted(mine), sorted(await pok(args)), args.join(' '));
    assert.ok(sorted(mine).length > 0, args.join(' '));
  }
  for (const args of [
    ['diff', '--format', 'json', IMAGE, 'dx1'],
    ['container', 'diff', '--format', 'json', 'dx1', 'x1'],
  ])
    assert.deepEqual(sortedJSON(await ok(args)), sortedJSON(await pok(args)), args.join(' '));
  for (const args of [
    ['image', 'diff', '--format', 'json', IMAGE, IMAGE],
    ['container', 'diff', 'dx1', 'dx1'],
  ])
    assert.equal(await ok(args), await pok(args), args.join(' '));

  for (const args of [
    ['diff', '-l', 'dx1'],
    ['diff'],
    ['container', 'diff'],
    ['image', 'diff'],
    ['diff', 'a', 'b', 'c'],
    ['container', 'diff', 'dx1', IMAGE],
    ['image', 'diff', IMAGE, 'dx1'],
    ['diff', 'dx1', 'nosuch'],
  ]) {
    const [mine, theirs] = await Promise.all([berth(root, args), podman.run(args)]);
    assert.equal(mine.code, theirs.code, args.join(' '));
    assert.equal(mine.stderr.split('\n')[0], theirs.stderr.split('\n')[0]!.replace('"podman ', '"berth '), args.join(' '));
  }
});

const USER = 'berth-rootless';
const skipRootless = skip || (!toolPath('useradd') || !toolPath('runuser') ? 'useradd/runuser missing' : false);

test('export without privileges: the image owners and modes the unpacker recorded', { skip: skipRootless }, async () => {
  if ((await run('id', ['-u', USER])).code !== 0)
    await runOk('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
  const uid = Number((await runOk('id', ['-u', USER])).stdout.trim());
  const home = path.join(dir, 'user');
  await fsp.mkdir(home, { mode: 0o700 });
  await fsp.chown(home, uid, uid);
  await fsp.chmod(dir, 0o755);
  const archive = path.join(home, 'img.tar');
  writeContainerTestArchive(archive, IMAGE);
  await fsp.chown(archive, uid, uid);
  const asUser = async (args: string[]): Promise<string> => {
    const env = ['/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', `HOME=${home}`, `TMPDIR=${home}`];
    const r = await run('runuser', ['-u', USER, '--', ...env, process.execPath, BERTH_CLI, '--root', path.join(home, 'store'), ...args]);
    assert.equal(r.code, 0, `berth ${args.join(' ')} as ${USER}: ${r.stderr}`);
    return r.stdout;
  };
  await asUser(['load', '-q', '-i', archive]);
  await asUser(['create', '--name', 'r1', IMAGE]);
  const mine = path.join(home, 'r1.tar');
  await asUser(['export', '-o', mine, 'r1']);
  assert.equal(await asUser(['diff', 'r1']), '', 'nothing changed');
  await pok(['create', '--name', 'r1', IMAGE]);
  const theirs = path.join(dir, 'podman-r1.tar');
  await pok(['export', '-o', theirs, 'r1']);
  assert.deepEqual(await listing(mine), await listing(theirs));
});
