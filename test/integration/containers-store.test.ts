/**
 * Containers and the store through the real CLI: bad input (one line, podman's words and exit
 * codes, store unchanged), system recover / check / gc with containers, and SIGKILL in the
 * middle of create.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertOneLineError, berth, dockerArchive, listDir, makeImage, spawnBerth, storeSnapshot } from '../helpers/archives.js';
import { berthOk, layerTar, loadedStore, writeContainerTestArchive } from '../helpers/container-fixture.js';
import { rmrf, type RunResult } from '../helpers/tools.js';

let dir: string;
let archive: string;
const IMAGE = 'localhost/ctr-test:1';

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-store-'));
  archive = path.join(dir, 'img.tar');
  writeContainerTestArchive(archive, IMAGE);
});
after(() => rmrf(dir));

const ok = berthOk;
const freshStore = (name: string) => loadedStore(dir, name, archive);

test('bad input: one line, podman words and exit codes, store unchanged', async () => {
  const root = await freshStore('bad');
  const id = (await ok(root, ['create', '--name', 'c1', IMAGE])).trim();
  const taken = path.join(dir, 'taken.cid');
  fs.writeFileSync(taken, 'not-an-id\nsecond line\n');
  const before = await storeSnapshot(root);
  const cases: [string[], number, RegExp][] = [
    [
      ['create', '--name', 'c1', IMAGE],
      125,
      new RegExp(
        `^Error: creating container storage: the container name "c1" is already in use by ${id}\\. You have to remove that container to be able to reuse that name: that name is already in use$`,
      ),
    ],
    [
      ['create', '--name', 'bad name', IMAGE],
      125,
      /^Error: running container create option: names must match \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]\*: invalid argument$/,
    ],
    [['create', '--pull', 'never', 'nosuch:1'], 125, /^Error: nosuch:1: image not known$/],
    [['create', '--pull', 'sometimes', IMAGE], 125, /--pull/],
    [['create'], 125, /requires at least 1 arg/],
    [['rm'], 125, /^Error: you must provide at least one name or id$/],
    [['rm', 'nosuch'], 1, /^Error: no container with name or ID "nosuch" found: no such container$/],
    [['rm', 'c1', 'nosuch'], 1, /^Error: no container with name or ID "nosuch" found: no such container$/],
    [['rm', '-a', 'c1'], 125, /^Error: no arguments are needed with --all$/],
    [['rm', '-t', '3', 'c1'], 125, /^Error: --force option must be specified to use the --time option$/],
    [['mount', 'nosuch'], 125, /^Error: no container with name or ID "nosuch" found: no such container$/],
    [['mount', '-a', 'c1'], 125, /^Error: no arguments are needed with --all$/],
    [['mount', '--format', 'yaml'], 125, /^Error: unknown --format argument: "yaml"$/],
    [['umount'], 125, /^Error: you must provide at least one name or id$/],
    [['umount', 'nosuch'], 125, /^Error: no container with name or ID "nosuch" found: no such container$/],
    [['diff', 'nosuch'], 125, /^Error: nosuch not found: layer not known$/],
    [['container', 'diff', 'nosuch'], 125, /^Error: nosuch not found: container not known$/],
    [['image', 'diff', 'nosuch'], 125, /^Error: nosuch not found: nosuch: image not known$/],
    [['diff', '--format', 'yaml', 'c1'], 125, /^Error: only supported value for '--format' is 'json'$/],
    [['diff', 'c1', 'nosuch'], 125, /^Error: nosuch not found: layer not known$/],
    [['diff', '-l', 'c1'], 125, /^Error: --latest and containers cannot be used together$/],
    [['diff'], 125, /^Error: "berth diff" requires a name, id, or the "--latest" flag$/],
    [['container', 'diff'], 125, /^Error: "berth container diff" requires a name, id, or the "--latest" flag$/],
    [['diff', 'a', 'b', 'c'], 125, /^Error: accepts between 1 and 2 arg\(s\), received 3$/],
    [['container', 'diff', 'c1', IMAGE], 125, new RegExp(`^Error: ${IMAGE} not found: container not known$`)],
    [['image', 'diff', IMAGE, 'c1'], 125, /^Error: c1 not found: c1: image not known$/],
    [['image', 'diff', '-l', IMAGE], 125, /^Error: unknown shorthand flag: 'l' in -l$/],
    [['export', 'nosuch'], 125, /^Error: no container with name or ID "nosuch" found: no such container$/],
    [['export', '-o', '', 'c1'], 125, /^Error: output path is empty/],
    [['export', '-o', path.join(dir, 'no/such/dir/x.tar'), 'c1'], 125, /^Error: cannot write the archive to/],
    [['ps', '--filter', 'bogus'], 125, /^Error: invalid filter "bogus"$/],
    [['ps', '--filter', 'bogus=1'], 125, /^Error: bogus is an invalid filter$/],
    [['ps', '-a', '--filter', 'status=sleepy'], 125, /^Error: unknown container state: sleepy: invalid argument$/],
    [['ps', '-a', '--filter', 'before=nosuch'], 125, /^Error: no container with name or ID "nosuch" found: no such container$/],
    [['ps', '-n', '1', '-l'], 125, /^Error: last and latest are mutually exclusive$/],
    [['container', 'exists', ''], 125, /^Error: name or ID cannot be empty$/],
    [
      ['create', '--cidfile', taken, IMAGE],
      125,
      new RegExp(`^Error: container id file exists\\. Ensure another container is not using it or delete ${taken}$`),
    ],
    [['create', '--replace', IMAGE], 125, /^Error: cannot replace container without --name being set$/],
    [['rm', '-a', '-l'], 125, /^Error: --all and --latest cannot be used together$/],
    [['rm', '-l', '--cidfile', taken], 125, /^Error: --all, --latest, and --cidfile cannot be used together$/],
    [['rm', '-l', 'c1'], 125, /^Error: --latest and containers cannot be used together$/],
    [['rm', '--cidfile', taken, 'c1'], 125, /^Error: no arguments are needed with --latest or --cidfile$/],
    [
      ['rm', '--cidfile', path.join(dir, 'nosuch-cid')],
      125,
      new RegExp(`^Error: reading CIDFile: open ${dir}/nosuch-cid: no such file or directory$`),
    ],
    [['rm', '--cidfile', taken], 1, /^Error: no container with name or ID "not-an-id" found: no such container$/],
    [['mount', '-l', 'c1'], 125, /^Error: --latest and containers cannot be used together$/],
    [['mount', '-a', '-l'], 125, /^Error: --all and --latest cannot be used together$/],
    [['umount', '-l', 'c1'], 125, /^Error: --latest and containers cannot be used together$/],
    [['inspect', '-l', 'c1'], 125, /^Error: --latest and arguments cannot be used together$/],
    [['container', 'inspect', '-l', 'c1'], 125, /^Error: --latest and arguments cannot be used together$/],
    [['inspect', '-l', '--type', 'image'], 125, /^Error: latest is not supported for type "image"$/],
    [
      ['ps', '--sort', 'size-desc'],
      125,
      /^Error: invalid argument "size-desc" for "--sort" flag: "size-desc" is not a valid value\. {2}Choose from: "command, created, id, image, names, runningfor, size, status"$/,
    ],
  ];
  for (const [args, code, pattern] of cases) {
    const r: RunResult = await berth(root, args);
    assert.equal(r.code, code, `berth ${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r, '', pattern);
  }
  assert.deepEqual(await storeSnapshot(root), before);
  assert.deepEqual(listDir(path.join(root, 'containers')), [id]);
  assert.equal(fs.readFileSync(taken, 'utf8'), 'not-an-id\nsecond line\n', 'an existing cidfile is left as it was');
  // nothing to act on: podman's words (rm exits 1, mount 125)
  const empty = path.join(dir, 'empty-store');
  await ok(empty, ['load', '-q', '-i', archive]);
  for (const [args, code] of [
    [['rm', '-l'], 1],
    [['mount', '-l'], 125],
    [['umount', '-l'], 125],
  ] as const) {
    const r = await berth(empty, [...args]);
    assert.equal(r.code, code, `berth ${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r, '', /^Error: no such container$/);
  }
  // inspect --latest prints podman's empty result before its error
  for (const args of [
    ['inspect', '-l'],
    ['container', 'inspect', '-l'],
  ]) {
    const r = await berth(empty, args);
    assert.equal(r.code, 125, `berth ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '[]\n');
    assertOneLineError(r, '', /^Error: inspecting object: no containers to inspect: no such container$/);
  }
  // and the container created last when there is one
  const second = (await ok(root, ['create', IMAGE])).trim();
  assert.equal(await ok(root, ['inspect', '-l', '--format', '{{.Id}}']), `${second}\n`);
  assert.equal(await ok(root, ['inspect', '--latest', '--type', 'container', '--format', '{{.Id}}']), `${second}\n`);
});

test('system recover keeps containers whose image comes back; gc and check see container directories', async () => {
  const root = await freshStore('recover');
  const id = (await ok(root, ['create', '--name', 'keep', IMAGE, 'a', 'b'])).trim();
  const row = '{{.ID}} {{.Names}} {{.Image}} {{.Command}}';
  const listing = await ok(root, ['ps', '-a', '--no-trunc', '--format', row]);
  assert.equal(listing, `${id} keep ${IMAGE} a b\n`);
  // readable index: rebuilt in place
  assert.match(await ok(root, ['system', 'recover']), /^Recovered 1 image\(s\), 1 name\(s\)$/m);
  assert.equal(await ok(root, ['ps', '-a', '--no-trunc', '--format', row]), listing);
  // lost index: rebuilt from the blobs, containers from their directories
  for (const f of listDir(root)) if (f.startsWith('index.db')) fs.rmSync(path.join(root, f));
  await ok(root, ['system', 'recover']);
  assert.equal(await ok(root, ['ps', '-a', '--no-trunc', '--format', row]), listing);
  assert.equal((await berth(root, ['rmi', IMAGE])).code, 2, 'the recovered container still protects its image');

  // a container directory without a record (a create that died after moving it): gc removes it
  const orphan = path.join(root, 'containers', 'f'.repeat(64));
  fs.mkdirSync(path.join(orphan, 'rootfs'), { recursive: true });
  await ok(root, ['system', 'gc']);
  assert.equal(fs.existsSync(orphan), false);
  assert.deepEqual(listDir(path.join(root, 'containers')), [id]);

  // a container whose root filesystem vanished: check reports it, --repair removes the record
  fs.rmSync(path.join(root, 'containers', id, 'rootfs'), { recursive: true });
  let r = await berth(root, ['system', 'check']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^container ${id.slice(0, 12)}: root filesystem containers/${id}/rootfs is missing$`, 'm'));
  r = await berth(root, ['system', 'check', '--repair']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(await ok(root, ['ps', '-aq']), '');
  assert.match(await ok(root, ['rmi', IMAGE]), /^Untagged: /);
});

test('SIGKILL during create leaves no container, and the next command cleans up', async () => {
  const root = path.join(dir, 'crash');
  // one big layer (128 MiB in 64 files) so that copying the root filesystem takes a while
  const files = Array.from({ length: 64 }, (_, i) => ({ name: `data/f${i}`, type: '0' as const, data: String(i).padEnd(2 << 20, 'x') }));
  const img = makeImage({ repoTags: ['localhost/big:1'], layers: [layerTar([{ name: 'data/', type: '5' }, ...files])] });
  const bigArchive = path.join(dir, 'big.tar');
  fs.writeFileSync(bigArchive, dockerArchive([img]));
  await ok(root, ['load', '-q', '-i', bigArchive]);
  fs.rmSync(bigArchive);
  await ok(root, ['create', '--name', 'warm', 'localhost/big:1']); // unpacks the layer into the cache
  const before = await ok(root, ['ps', '-a', '--no-trunc', '-q']);

  let killedMidway = false;
  for (let attempt = 0; attempt < 5 && !killedMidway; attempt++) {
    const child = spawnBerth(root, ['create', '--name', 'victim', 'localhost/big:1']);
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    // wait until the root filesystem is being copied in the store's temp directory
    for (let i = 0; i < 2000; i++) {
      const work = listDir(path.join(root, 'tmp')).filter((n) => n.endsWith('-container'));
      if (work.length && listDir(path.join(root, 'tmp', work[0]!, 'rootfs', 'data')).length > 0) {
        child.kill('SIGKILL');
        killedMidway = true;
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    await exited;
    if (!killedMidway) await ok(root, ['rm', '-i', 'victim']);
  }
  assert.ok(killedMidway, 'create was killed while copying');
  assert.equal(await ok(root, ['ps', '-a', '--no-trunc', '-q']), before, 'no half container is visible');
  assert.equal((await berth(root, ['container', 'exists', 'victim'])).code, 1);
  // the next writer removes the dead process's work directory
  const id = (await ok(root, ['create', '--name', 'victim', 'localhost/big:1'])).trim();
  assert.deepEqual(listDir(path.join(root, 'tmp')), []);
  assert.equal(listDir(path.join(root, 'containers', id, 'rootfs', 'data')).length, 64);
  assert.equal((await berth(root, ['system', 'check'])).code, 0);
});
