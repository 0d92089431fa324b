/**
 * Containers through the real CLI: create / ps / mount / umount / rm / diff / export with
 * exact outputs and exit codes, rmi of an image in use (with and without -f), the image
 * filters and prune that see containers, system recover / check / gc with containers, bad
 * input (one line, non-zero, store unchanged) and SIGKILL in the middle of create.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { berth, listDir, storeSnapshot } from '../helpers/archives.js';
import { berthOk, loadedStore, writeContainerTestArchive } from '../helpers/container-fixture.js';
import { rmrf, runOk } from '../helpers/tools.js';
import { readTarStream } from '../../src/util/tar-stream.js';

let dir: string;
let archive: string;
let imageId: string;
const IMAGE = 'localhost/ctr-test:1';

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-'));
  archive = path.join(dir, 'img.tar');
  imageId = writeContainerTestArchive(archive, IMAGE).id;
});
after(() => rmrf(dir));

const ok = berthOk;
const freshStore = (name: string) => loadedStore(dir, name, archive);

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

test('create, ps, mount, umount, rm: podman outputs', async () => {
  const root = await freshStore('flow');
  const id = (await ok(root, ['create', '--name', 'web', IMAGE])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const id2 = (await ok(root, ['container', 'create', IMAGE, '-l', 'x'])).trim();

  // ps without -a: berth runs nothing, so only the header
  assert.equal(await ok(root, ['ps']), 'CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES\n');
  const table = lines(await ok(root, ['ps', '-a']));
  assert.equal(table.length, 3);
  // (the CREATED column is as wide as its longest value, "N seconds ago")
  // podman 4's COMMAND: the Cmd only (the image's entrypoint is not shown)
  assert.match(table[0]!, /^CONTAINER ID {2}IMAGE {17}COMMAND {5}CREATED +STATUS {6}PORTS {7}NAMES$/);
  assert.match(table[1]!, new RegExp(`^${id.slice(0, 12)}  localhost/ctr-test:1  --serve {5}.* ago +Created +web$`));
  assert.match(table[2]!, new RegExp(`^${id2.slice(0, 12)}  localhost/ctr-test:1  -l x {8}.* ago +Created +[a-z]+_[a-z]+$`));
  assert.equal(await ok(root, ['ps', '-aq']), `${id.slice(0, 12)}\n${id2.slice(0, 12)}\n`);
  assert.equal(
    await ok(root, ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.ImageID}} {{.State}}', '--filter', 'name=^web$']),
    `${id} ${imageId} created\n`,
  );
  assert.equal(await ok(root, ['container', 'ls', '-a', '--format', '{{.Names}}', '--filter', 'status=exited']), '');
  assert.equal(
    await ok(root, [
      'ps',
      '-a',
      '--format',
      '{{.Names}}',
      '--filter',
      `ancestor=${imageId.slice(0, 10)}`,
      '--filter',
      'id=' + id.slice(0, 6),
    ]),
    'web\n',
  );
  assert.equal(await ok(root, ['ps', '--latest', '-q', '--no-trunc']), `${id2}\n`);
  const json = JSON.parse(await ok(root, ['ps', '-a', '--format', 'json'])) as Record<string, unknown>[];
  assert.deepEqual(Object.keys(json[0]!), [
    'AutoRemove', 'Command', 'CreatedAt', 'Exited', 'ExitedAt', 'ExitCode', 'Id', 'Image', 'ImageID',
    'IsInfra', 'Labels', 'Mounts', 'Names', 'Namespaces', 'Networks', 'Pid', 'Pod', 'PodName', 'Ports', 'Size',
    'StartedAt', 'State', 'Status', 'Created',
  ]); // prettier-ignore
  assert.deepEqual(
    [json[0]!.Id, json[0]!.Names, json[0]!.Command, json[0]!.State, json[0]!.Status],
    [id, ['web'], ['--serve'], 'created', 'Created'],
  );

  // mount counts; the listing shows mounted containers only
  assert.equal(await ok(root, ['mount']), '');
  const mp = (await ok(root, ['mount', 'web'])).trim();
  assert.equal(mp, path.join(root, 'containers', id, 'rootfs'));
  assert.equal(fs.readFileSync(path.join(mp, 'etc/hello'), 'utf8'), 'hello again\n');
  assert.equal(await ok(root, ['mount', id.slice(0, 8)]), `${mp}\n`);
  assert.equal(await ok(root, ['mount']), `${id.slice(0, 12)}  ${mp}\n`);
  assert.equal(await ok(root, ['mount', '--no-trunc']), `${id}  ${mp}\n`);
  assert.deepEqual(JSON.parse(await ok(root, ['mount', '--format', 'json'])), [{ id, Names: ['web'], mountpoint: mp }]);
  assert.equal(await ok(root, ['umount', 'web']), 'web\n');
  assert.equal(await ok(root, ['mount']), `${id.slice(0, 12)}  ${mp}\n`, 'mounted twice, unmounted once');
  assert.equal(await ok(root, ['unmount', 'web']), 'web\n');
  assert.equal(await ok(root, ['mount']), '');
  assert.equal(await ok(root, ['container', 'umount', 'web']), 'web\n', 'unmounting an unmounted container is no error');
  await ok(root, ['mount', 'web']);
  await ok(root, ['mount', 'web']);
  assert.equal(await ok(root, ['umount', '-a', '-f']), `${id}\n`);
  assert.equal(await ok(root, ['mount']), '');

  assert.equal((await berth(root, ['container', 'exists', 'web'])).code, 0);
  assert.equal((await berth(root, ['container', 'exists', 'nosuch'])).code, 1);

  // rm prints what it was given; -a prints IDs
  await ok(root, ['mount', 'web']);
  assert.equal(await ok(root, ['rm', 'web']), 'web\n');
  assert.equal(fs.existsSync(mp), false, 'the root filesystem goes with the container');
  assert.equal(await ok(root, ['rm', '-a']), `${id2}\n`);
  assert.equal(await ok(root, ['ps', '-a', '-q']), '');
  assert.deepEqual(listDir(path.join(root, 'containers')), []);
  assert.deepEqual(listDir(path.join(root, 'tmp')), []);
});

test('rmi of an image a container uses: refused (exit 2) without -f, containers removed with -f', async () => {
  const root = await freshStore('rmi');
  const a = (await ok(root, ['create', '--name', 'a', IMAGE])).trim();
  const b = (await ok(root, ['create', '--name', 'b', IMAGE])).trim();
  assert.equal(await ok(root, ['images', '--format', '{{.Containers}}']), '2\n');
  assert.equal(await ok(root, ['images', '-q', '--filter', 'containers=true']), `${imageId.slice(0, 12)}\n`);
  assert.equal(await ok(root, ['images', '-q', '--filter', 'containers=false']), '');
  assert.equal(await ok(root, ['images', '-q', '--filter', 'containers=external']), '');
  assert.equal(await ok(root, ['image', 'prune', '-a', '-f']), '', 'prune skips images in use');

  const before = await storeSnapshot(root);
  let r = await berth(root, ['rmi', IMAGE]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `Error: image used by ${b}: image is in use by a container: consider listing external containers and force-removing image\n`,
  );
  r = await berth(root, ['rmi', '-a']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error: image used by [0-9a-f]{64}: image is in use by a container/);
  assert.deepEqual(await storeSnapshot(root), before);
  assert.equal(lines(await ok(root, ['ps', '-aq'])).length, 2);

  // an image with two names: removing one name only untags, whatever the containers
  await ok(root, ['tag', IMAGE, 'other:2']);
  assert.equal(await ok(root, ['rmi', 'other:2']), 'Untagged: localhost/other:2\n');

  assert.equal(await ok(root, ['rmi', '-f', IMAGE]), `Untagged: ${IMAGE}\nDeleted: ${imageId}\n`);
  assert.equal(await ok(root, ['ps', '-a', '-q']), '');
  assert.deepEqual(listDir(path.join(root, 'containers')), []);
  assert.equal(fs.existsSync(path.join(root, 'containers', a)), false);
  assert.deepEqual(listDir(path.join(root, 'blobs', 'sha256')), [], 'the image blobs are collected');
  assert.equal((await berth(root, ['system', 'check'])).code, 0);
});

test('diff and export of a container', async () => {
  const root = await freshStore('diff');
  await ok(root, ['create', '--name', 'd', IMAGE]);
  assert.equal(await ok(root, ['diff', 'd']), '', 'a new container has no changes');
  assert.equal(
    await ok(root, ['image', 'diff', IMAGE]),
    [
      'C /etc',
      'C /etc/hello',
      'C /opt',
      'C /opt/cache',
      'A /opt/cache/new',
      'D /opt/cache/old',
      'D /opt/owned',
      'A /srv',
      'A /srv/index.html',
      '',
    ].join('\n'),
  );
  const mp = (await ok(root, ['mount', 'd'])).trim();
  fs.writeFileSync(path.join(mp, 'etc/services'), 'changed\n');
  fs.rmSync(path.join(mp, 'etc/link'));
  fs.mkdirSync(path.join(mp, 'new'));
  fs.writeFileSync(path.join(mp, 'new/f'), '');
  fs.chmodSync(path.join(mp, 'bin'), 0o700);
  fs.rmSync(path.join(mp, 'opt/cache'), { recursive: true });
  // an xattr changed (nothing else): the file is changed; a new one on a file: changed too
  await runOk('setfattr', ['-n', 'user.note', '-v', 'retuned', path.join(mp, 'bin/tool')]);
  await runOk('setfattr', ['-n', 'user.added', '-v', '1', path.join(mp, 'etc/hello')]);
  const expected = [
    'C /bin',
    'C /bin/tool',
    'C /etc',
    'C /etc/hello',
    'C /etc/services',
    'D /etc/link',
    'A /new',
    'A /new/f',
    'C /opt',
    'D /opt/cache',
  ];
  assert.equal(await ok(root, ['diff', 'd']), `${expected.join('\n')}\n`);
  assert.equal(await ok(root, ['container', 'diff', 'd']), `${expected.join('\n')}\n`);
  assert.deepEqual(JSON.parse(await ok(root, ['diff', '--format', 'json', 'd'])), {
    changed: ['/bin', '/bin/tool', '/etc', '/etc/hello', '/etc/services', '/opt'],
    added: ['/new', '/new/f'],
    deleted: ['/etc/link', '/opt/cache'],
  });
  const out = path.join(dir, 'd.tar');
  assert.equal(await ok(root, ['export', '-o', out, 'd']), '');
  const t = await berth(root, ['export', 'd']);
  assert.equal(t.code, 0);
  assert.deepEqual(t.stdoutBuf, fs.readFileSync(out), 'the same archive to stdout and to a file');
  const { names, xattrs: x } = await tarMembers(fs.readFileSync(out));
  assert.ok(names.includes('new/f') && names.includes('bin/') && !names.includes('etc/link') && !names.includes('opt/cache/'));
  // xattrs as PAX SCHILY.xattr records: user.* always, security.capability where it could be set (root)
  assert.deepEqual(x.get('etc/')?.get('user.dir'), Buffer.from([0, 1, 2, 255]));
  assert.deepEqual(x.get('etc/hello')?.get('user.added'), Buffer.from('1'));
  assert.deepEqual(x.get('bin/tool')?.get('user.note'), Buffer.from('retuned'));
  if (process.getuid?.() === 0)
    assert.deepEqual(x.get('bin/tool')?.get('security.capability'), Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64'));
  assert.equal(x.get('etc/services'), undefined, 'no xattrs, no PAX header');
  // GNU tar reads them back
  const listed = await runOk('tar', ['--xattrs', '--xattrs-include=*', '-tvvf', out]);
  assert.match(listed.stdout, /bin\/tool/);
  assert.deepEqual(
    listDir(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left beside the output',
  );
});

/** Member names and xattrs of an uncompressed tar, read by the unpacker's own tar reader. */
async function tarMembers(buf: Buffer): Promise<{ names: string[]; xattrs: Map<string, Map<string, Buffer>> }> {
  const names: string[] = [];
  const xattrs = new Map<string, Map<string, Buffer>>();
  for await (const e of readTarStream(Readable.from([buf]), 'export')) {
    names.push(e.name);
    if (e.xattrs.size) xattrs.set(e.name, e.xattrs);
  }
  return { names, xattrs };
}
