/**
 * Container commands side by side with podman (scratch vfs store, the same image loaded into
 * both): create's --env/--env-file/--label-file/--entrypoint/--workdir/--user/--hostname and
 * trailing command as container inspect shows them, inspect --type, ps's COMMAND column,
 * --size, --pod, --ns and filters, rm --filter, container prune and rename — outputs and error
 * words compared with podman's, and every failure leaves berth's store as it was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH_MAIN, dockerArchive, makeImage, storeSnapshot } from '../helpers/archives.js';
import { LAYER1, LAYER2, layerTar } from '../helpers/container-fixture.js';
import { rmrf, run, scratchPodman, skipUnlessTools, type RunResult, type ScratchPodman } from '../helpers/tools.js';

// podman creates containers only as root here (as its own tests)
const skip = skipUnlessTools('podman') || (process.getuid?.() !== 0 ? 'podman create needs root' : false);
const IMAGE = 'localhost/rich:1';
const PLAIN = 'localhost/plain:1';
let dir: string;
let podman: ScratchPodman;

/**
 * berth on store `root`. Node 20 reads `--env-file FILE` anywhere in its arguments as its own
 * option unless `--` ends them, so node is given `--` before the CLI (as the launcher should be).
 */
function berth(root: string, args: string[]): Promise<RunResult> {
  return run(process.execPath, ['--', BERTH_MAIN, '--root', root, ...args]);
}

/** berth's output (exit 0, nothing on stderr). */
async function ok(root: string, args: string[]): Promise<string> {
  const r = await berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, '', `berth ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}
async function pok(args: string[]): Promise<string> {
  const r = await podman.run(args);
  assert.equal(r.code, 0, `podman ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
/** A new berth store with both images loaded, and podman's store emptied of containers. */
async function fresh(name: string): Promise<string> {
  const root = path.join(dir, name);
  for (const a of ['rich.tar', 'plain.tar']) await ok(root, ['load', '-q', '-i', path.join(dir, a)]);
  await pok(['rm', '-a', '-f']);
  return root;
}
const lines = (s: string) => s.split('\n').filter((l) => l !== '');

/** The same failure from both: podman's stderr words (with "podman" as "berth"), the exit code, berth's store unchanged. */
async function sameError(root: string, args: string[], code = 125): Promise<string> {
  const before = await storeSnapshot(root);
  const b = await berth(root, args);
  const p = await podman.run(args);
  assert.equal(p.code, code, `podman ${args.join(' ')}: ${p.stderr}`);
  assert.equal(b.code, code, `berth ${args.join(' ')}: ${b.stderr}`);
  const ids = (s: string) => s.replace(/[0-9a-f]{64}/g, 'ID');
  const pErr = p.stderr.replace(/^time=.*\n/gm, '').replaceAll('podman', 'berth');
  assert.equal(ids(b.stderr), ids(pErr), `berth ${args.join(' ')}`);
  assert.equal(lines(b.stderr).length, 1);
  assert.deepEqual(await storeSnapshot(root), before, `berth ${args.join(' ')} changed the store`);
  return b.stderr;
}

before(async () => {
  if (skip) return;
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-parity-'));
  podman = await scratchPodman();
  const rich = makeImage({
    repoTags: [IMAGE],
    layers: [layerTar(LAYER1), layerTar(LAYER2)],
    config: {
      config: {
        Entrypoint: ['/bin/tool'],
        Cmd: ['--serve', 'x'],
        Env: ['PATH=/usr/bin:/bin', 'FOO=bar'],
        WorkingDir: '/srv',
        User: '1000:1000',
        Labels: { a: 'b', 'org.x': 'y' },
        StopSignal: 'SIGINT',
      },
    },
  });
  fs.writeFileSync(path.join(dir, 'rich.tar'), dockerArchive([rich]));
  fs.writeFileSync(path.join(dir, 'plain.tar'), dockerArchive([makeImage({ repoTags: [PLAIN], seed: 'plain' })]));
  for (const a of ['rich.tar', 'plain.tar']) await pok(['load', '-q', '-i', path.join(dir, a)]);
  fs.writeFileSync(path.join(dir, 'env.txt'), '# a comment\nA=1\n\n  B_FROM_HOST\nC=x=y\nUNSET_HERE\n');
  fs.writeFileSync(path.join(dir, 'labels.txt'), 'l1=v1\n# x\nl2=\n');
});
after(async () => {
  if (skip) return;
  await podman.cleanup();
  await rmrf(dir);
});

/** What inspect shows of a container's config, the same template for both tools. */
const FIELDS =
  '{{.Path}}|{{json .Args}}|{{.State.Status}}|{{.ImageName}}|{{.Image}}|{{.Name}}|{{.RestartCount}}|{{.Driver}}|{{.GraphDriver.Name}}|' +
  '{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{json .Config.Labels}}|{{.Config.StopSignal}}|{{.Config.Image}}|{{json .Mounts}}';
/** The environment, without the variables podman adds to run a container (berth runs nothing). */
async function env(run: (a: string[]) => Promise<string>, name: string): Promise<string[]> {
  const all = JSON.parse(await run(['container', 'inspect', '--format', '{{json .Config.Env}}', name])) as string[];
  return all.filter((e) => !/^(container|TERM|HOSTNAME)=/.test(e)).sort();
}

test('create records what podman create records: inspect, ps COMMAND and JSON agree', { skip }, async () => {
  const root = await fresh('create');
  const both = async (args: string[]) => {
    await ok(root, args);
    await pok(args);
  };
  process.env.B_FROM_HOST = 'host value';
  delete process.env.UNSET_HERE;
  await both(['create', '--name', 'plain', IMAGE]);
  await both(['create', '--name', 'cmd', PLAIN, 'echo', 'hi', 'there']);
  await both([
    'create',
    '--name',
    'flags',
    '--env-file',
    path.join(dir, 'env.txt'),
    '-e',
    'D=4',
    '-e',
    'B_FROM_HOST',
    '-e',
    'NOPE_UNSET',
    '-e',
    'A=override',
    '--label-file',
    path.join(dir, 'labels.txt'),
    '-l',
    'l3=v3',
    '--entrypoint',
    '["/bin/sh","-c"]',
    '-w',
    '/work',
    '-u',
    'nobody',
    '--hostname',
    'hh',
    IMAGE,
    'echo 1',
  ]);
  await both(['create', '--name', 'ep', '--entrypoint', '/bin/a b', IMAGE]);
  await both(['create', '--name', 'sig', '--stop-signal', 'kill', '--annotation', 'a.b=c', '--annotation', 'd=e=f', PLAIN]);
  // podman adds its own io.* annotations (run-time settings berth has none of)
  const notes = (s: string) => Object.entries(JSON.parse(s) as Record<string, string>).filter(([k]) => !k.startsWith('io.'));
  const sigFmt = ['container', 'inspect', '--format', '{{.Config.StopSignal}}', 'sig'];
  assert.equal(await ok(root, sigFmt), await pok(sigFmt));
  assert.equal(await ok(root, sigFmt), '9\n');
  const noteFmt = ['container', 'inspect', '--format', '{{json .Config.Annotations}}', 'sig'];
  assert.deepEqual(notes(await ok(root, noteFmt)), notes(await pok(noteFmt)));
  assert.deepEqual(notes(await ok(root, noteFmt)), [
    ['a.b', 'c'],
    ['d', 'e=f'],
  ]);
  for (const name of ['plain', 'cmd', 'flags', 'ep']) {
    const mine = await ok(root, ['container', 'inspect', '--format', FIELDS, name]);
    assert.equal(mine, await pok(['container', 'inspect', '--format', FIELDS, name]), name);
    assert.deepEqual(await env((a) => ok(root, a), name), await env(pok, name), `${name}: Env`);
  }
  assert.deepEqual(await env((a) => ok(root, a), 'flags'), [
    'A=override',
    'B_FROM_HOST=host value',
    'C=x=y',
    'D=4',
    'FOO=bar',
    'PATH=/usr/bin:/bin',
  ]);
  assert.equal(await ok(root, ['inspect', '--format', '{{.Config.Hostname}}', 'flags']), 'hh\n');
  const id = (await ok(root, ['inspect', '--format', '{{.Id}}', 'plain'])).trim();
  assert.equal(await ok(root, ['inspect', '--format', '{{.Config.Hostname}}', 'plain']), `${id.slice(0, 12)}\n`);

  // ps: podman 4's COMMAND is the Cmd alone
  const psFmt = ['ps', '-a', '--format', '{{.Names}} {{.Command}}'];
  assert.deepEqual(lines(await ok(root, psFmt)).sort(), lines(await pok(psFmt)).sort());
  const cmds = (s: string) =>
    (JSON.parse(s) as { Names: string[]; Command: string[] | null }[]).map((c) => `${c.Names[0]} ${JSON.stringify(c.Command)}`).sort();
  assert.deepEqual(cmds(await ok(root, ['ps', '-a', '--format', 'json'])), cmds(await pok(['ps', '-a', '--format', 'json'])));

  // the JSON's shape: podman's fields for a container that never ran
  const [j] = JSON.parse(await ok(root, ['container', 'inspect', 'plain'])) as Record<string, unknown>[];
  assert.deepEqual(Object.keys(j!).slice(0, 8), ['Id', 'Created', 'Path', 'Args', 'State', 'Image', 'ImageDigest', 'ImageName']);
  assert.equal((j!.State as Record<string, unknown>).StartedAt, '0001-01-01T00:00:00Z');
  const [pj] = JSON.parse(await pok(['container', 'inspect', 'plain'])) as Record<string, unknown>[];
  assert.equal(j!.ImageDigest, pj!.ImageDigest);
  assert.equal((j!.Config as Record<string, unknown>).StopSignal, 2);

  // the config survives system recover (it lives in the container's own file)
  await ok(root, ['system', 'recover']);
  assert.equal(
    await ok(root, ['container', 'inspect', '--format', FIELDS, 'flags']),
    await pok(['container', 'inspect', '--format', FIELDS, 'flags']),
  );
});

test('create: bad input in podman words, store unchanged', { skip }, async () => {
  const root = await fresh('create-errors');
  await sameError(root, ['create', '--env-file', path.join(dir, 'nosuch.txt'), IMAGE]);
  await sameError(root, ['create', '--label-file', path.join(dir, 'nosuch.txt'), IMAGE]);
  await sameError(root, ['create', '-e', '=x', IMAGE]);
  await sameError(root, ['create', '--entrypoint', '', IMAGE]);
  await sameError(root, ['create', '--stop-signal', 'BOGUS', IMAGE]);
  await sameError(root, ['create', '--stop-signal', '99', IMAGE]);
  await sameError(root, ['create', '--annotation', 'x', IMAGE]);
  // through the executable users run: its --env-file, not node's
  const exe = await run(BERTH_MAIN, ['--root', root, 'create', '--env-file', path.join(dir, 'nosuch.txt'), IMAGE]);
  assert.equal(exe.code, 125, exe.stderr);
  assert.match(exe.stderr, /^Error: parsing env file ".*nosuch.txt": open .*nosuch.txt: no such file or directory\n$/);
  const b = await berth(root, ['create', '-p', '80:80', IMAGE]);
  assert.notEqual(b.code, 0, 'a run-time flag is refused, never ignored');
  assert.equal(await ok(root, ['ps', '-a', '-q']), '');
});

test('inspect: containers first, --type, podman words for what is not found', { skip }, async () => {
  const root = await fresh('inspect');
  await ok(root, ['create', '--name', 'c1', IMAGE]);
  await pok(['create', '--name', 'c1', IMAGE]);
  const fmt = ['--format', '{{.Name}}'];
  assert.equal(await ok(root, ['inspect', ...fmt, 'c1']), 'c1\n');
  assert.equal(await ok(root, ['inspect', '--format', '{{.Id}}', IMAGE]), await pok(['inspect', '--format', '{{.Id}}', IMAGE]));
  for (const args of [
    ['container', 'inspect', 'nope'],
    ['inspect', 'nope'],
    ['inspect', '--type', 'container', IMAGE],
    ['inspect', '--type', 'image', 'c1'],
    ['container', 'inspect'],
  ]) {
    const b = await berth(root, args);
    const p = await podman.run(args);
    assert.equal(b.code, p.code, args.join(' '));
    assert.equal(b.stderr, p.stderr, args.join(' '));
    assert.equal(b.stdout, p.stdout, args.join(' '));
  }
  // found and missing together: the found ones printed, the missing reported, exit 125
  const b = await berth(root, ['container', 'inspect', ...fmt, 'c1', 'nope']);
  const p = await podman.run(['container', 'inspect', ...fmt, 'c1', 'nope']);
  assert.deepEqual([b.code, b.stdout, b.stderr], [p.code, p.stdout, p.stderr]);
  const bad = await berth(root, ['inspect', '--type', 'bogus', 'c1']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /^Error: invalid type "bogus": must be "image", "container", or "all"\n$/);

  // --size: nothing changed yet, then one file written in the container's tree
  const sizes = async () =>
    (await ok(root, ['container', 'inspect', '--size', '--format', '{{.SizeRw}} {{.SizeRootFs}}', 'c1'])).trim().split(' ');
  const [rw0, total0] = (await sizes()).map(Number);
  assert.equal(rw0, 0);
  const [, ptotal] = (await pok(['container', 'inspect', '--size', '--format', '{{.SizeRw}} {{.SizeRootFs}}', 'c1'])).trim().split(' ');
  assert.ok(total0! > 0 && Number(ptotal) > 0);
  const mp = (await ok(root, ['mount', 'c1'])).trim();
  fs.writeFileSync(path.join(mp, 'new-file'), 'x'.repeat(1000));
  assert.deepEqual((await sizes()).map(Number), [1000, total0! + 1000]);
  assert.equal((await ok(root, ['ps', '-a', '--size', '--format', '{{.Size}}'])).trim(), `1kB (virtual ${fmtKB(total0! + 1000)})`);
  const head = lines(await ok(root, ['ps', '-a', '--size']))[0]!;
  assert.match(head, /NAMES {7}SIZE$/);
});

/** go-units' HumanSize for a size between 1 kB and 1 MB. */
function fmtKB(n: number): string {
  return `${Number((n / 1000).toPrecision(3))}kB`;
}

test('ps: --pod, --ns, the filter keys podman takes, podman words for bad values', { skip }, async () => {
  const root = await fresh('ps');
  await ok(root, ['create', '--name', 'c1', IMAGE]);
  await pok(['create', '--name', 'c1', IMAGE]);
  const heads = async (args: string[]) => [lines(await ok(root, args))[0], lines(await pok(args))[0]];
  const [bp, pp] = await heads(['ps', '-a', '--pod']);
  assert.equal(bp!.replace(/ +/g, ' '), pp!.replace(/ +/g, ' '));
  const [bn, pn] = await heads(['ps', '-a', '--ns']);
  assert.equal(bn, pn);
  assert.match(lines(await ok(root, ['ps', '-a', '--ns']))[1]!, /^[0-9a-f]{12} {2}c1 +0 *$/);
  for (const f of ['exited=0', 'volume=/data', 'pod=x', 'health=healthy', 'restart-policy=no', 'status=created', 'label=a=b', 'name=c'])
    assert.equal(
      await ok(root, ['ps', '-a', '--filter', f, '--format', '{{.Names}}']),
      await pok(['ps', '-a', '--filter', f, '--format', '{{.Names}}']),
      f,
    );
  for (const f of ['exited=abc', 'restart-policy=bogus', 'publish=80', 'since=nope', 'until=abc', 'status=bogus', 'label!=a', 'label!=a=b'])
    await sameError(root, ['ps', '-a', '--filter', f]);
});

test('rm --filter, container prune, rename: podman outputs and words', { skip }, async () => {
  const root = await fresh('rm');
  const ids: Record<string, string> = {};
  for (const [name, extra] of [
    ['keep', []],
    ['e1', ['-l', 'k=v']],
    ['e2', ['-l', 'k=v']],
    ['x', []],
  ] as const) {
    ids[name] = (await ok(root, ['create', '--name', name, ...extra, PLAIN])).trim();
    await pok(['create', '--name', name, ...extra, PLAIN]);
  }
  // rename: podman's words for each failure, nothing changed
  await sameError(root, ['rename', 'e1', 'keep']);
  await sameError(root, ['rename', 'nope', 'y']);
  await sameError(root, ['rename', 'e1', 'bad name']);
  await sameError(root, ['rename', 'e1']);
  await sameError(root, ['rm', '--filter', 'bogus=1']);
  await sameError(root, ['rm', '--filter', 'label!=k=v']);
  await sameError(root, ['rm', '--filter', 'name=x', 'keep']);
  assert.equal(await ok(root, ['rename', 'x', 'y']), await pok(['rename', 'x', 'y']));
  assert.equal(await ok(root, ['inspect', '--format', '{{.Name}} {{.Id}}', 'y']), `y ${ids.x}\n`);
  // the new name is what recover gives back
  await ok(root, ['system', 'recover']);
  assert.equal(await ok(root, ['ps', '-a', '--format', '{{.Names}}', '--filter', `id=${ids.x}`]), 'y\n');

  // rm --filter prints the full IDs it removed (podman: in no particular order)
  assert.deepEqual(lines(await ok(root, ['rm', '--filter', 'name=^e'])).sort(), [ids.e1, ids.e2].sort());
  assert.equal(lines(await pok(['rm', '--filter', 'name=^e'])).length, 2);
  assert.equal(await ok(root, ['rm', '--filter', 'name=zz']), '');

  // container prune: podman's filter keys; every container goes (none runs)
  await sameError(root, ['container', 'prune', '-f', '--filter', 'name=y']);
  await sameError(root, ['container', 'prune', '-f', '--filter', 'until=abc']);
  await sameError(root, ['container', 'prune', 'x']);
  assert.equal(await ok(root, ['container', 'prune', '-f', '--filter', 'until=1h']), '');
  const none = await berth(root, ['container', 'prune']);
  assert.equal(none.code, 125, 'no answer on a non-terminal: nothing removed');
  assert.equal(lines(await ok(root, ['ps', '-a', '-q'])).length, 2);
  assert.deepEqual(lines(await ok(root, ['container', 'prune', '-f'])).sort(), [ids.keep, ids.x].sort());
  assert.equal(lines(await pok(['container', 'prune', '-f'])).length, 2);
  assert.equal(await ok(root, ['ps', '-a', '-q']), '');
});
