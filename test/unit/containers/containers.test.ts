/**
 * Containers through the library: records and their conflicts, the lookup rule, rm, mount
 * counts, the in-use rule of removeImages / pruneImages and the image filters, the tree
 * comparison of diff, and the tar headers export writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, lutimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempStore, writeImage } from '../images/fixture.js';
import { createContainer } from '../../../src/containers/create.js';
import { removeContainers } from '../../../src/containers/remove.js';
import { mountContainer, mountedContainers, unmountContainer } from '../../../src/containers/mount.js';
import { listContainers } from '../../../src/containers/list.js';
import { lookupContainer, tryLookupContainer } from '../../../src/containers/lookup.js';
import { treeChanges } from '../../../src/containers/changes.js';
import { removeImages, pruneImages } from '../../../src/images/remove.js';
import { listImages } from '../../../src/images/list.js';
import { tarHeaderBlocks } from '../../../src/util/tar.js';
import { expectError } from '../../helpers/expect-error.js';

test('create records a container; names are unique, generated when missing; lookup by name, ID, prefix', async (t) => {
  const { store } = tempStore(t);
  const img = await writeImage(store, { names: ['localhost/a:1'], cmd: ['/bin/a', 'x'] });
  const c1 = await createContainer(store, 'a:1', { name: 'one' });
  const c2 = await createContainer(store, img.id.slice(0, 8), { command: ['sh'] });
  assert.match(c2.name, /^[a-z]+_[a-z]+$/);
  const rows = listContainers(store);
  assert.deepEqual(
    rows.map((r) => [r.id, r.name, r.imageId, r.imageName, r.command]),
    [
      [c1.id, 'one', img.id, 'localhost/a:1', ['/bin/a', 'x']],
      [c2.id, c2.name, img.id, 'localhost/a:1', ['sh']],
    ],
  );
  assert.equal(lookupContainer(store, 'one').id, c1.id);
  assert.equal(lookupContainer(store, c2.id).id, c2.id);
  assert.equal(lookupContainer(store, c1.id.slice(0, 10).toUpperCase()).id, c1.id);
  assert.equal(tryLookupContainer(store, 'two'), undefined);
  await assert.rejects(createContainer(store, 'a:1', { name: 'one' }), expectError('NAME_IN_USE', /already in use by/));
  await assert.rejects(createContainer(store, 'a:1', { name: '-x' }), expectError('INVALID_ARGUMENT', /names must match/));
  await assert.rejects(createContainer(store, 'b:1', { pull: 'never' }), expectError('IMAGE_NOT_FOUND', 'b:1: image not known'));
  assert.equal(listContainers(store).length, 2, 'failed creates record nothing');
  assert.equal(listImages(store).images[0]!.row.containers, 2);
});

test('mount counts, rm, and the in-use rule of removeImages and pruneImages', async (t) => {
  const { store, root } = tempStore(t);
  const img = await writeImage(store, { names: ['localhost/a:1'], cmd: ['sh'] });
  const other = await writeImage(store, { names: ['localhost/b:1'] });
  const c = await createContainer(store, 'a:1', { name: 'c' });
  const m = mountContainer(store, 'c');
  assert.equal(m.path, join(root, 'containers', c.id, 'rootfs'));
  mountContainer(store, 'c');
  unmountContainer(store, 'c');
  assert.deepEqual(
    mountedContainers(store).map((x) => x.id),
    [c.id],
  );
  unmountContainer(store, 'c', { force: true });
  assert.deepEqual(mountedContainers(store), []);

  const r = removeImages(store, ['a:1']);
  assert.equal(r.exitCode, 2);
  assert.equal(r.failures[0]!.kind, 'in-use');
  assert.equal(
    r.failures[0]!.error.message,
    `image used by ${c.id}: image is in use by a container: consider listing external containers and force-removing image`,
  );
  assert.ok(store.getImage(img.id));
  assert.deepEqual(pruneImages(store, { all: true }), [other.id], 'prune -a keeps the image in use');
  const f = removeImages(store, ['a:1'], { force: true });
  assert.deepEqual([f.exitCode, f.deleted], [0, [img.id]]);
  assert.deepEqual(listContainers(store), []);

  const img2 = await writeImage(store, { names: ['localhost/z:1'], cmd: ['sh'] });
  await createContainer(store, 'z:1', { name: 'z' });
  assert.throws(() => removeContainers(store, ['z', 'nope']), expectError('CONTAINER_NOT_FOUND', /"nope" found: no such container/));
  assert.equal(listContainers(store).length, 1, 'nothing removed when one name is missing');
  const zid = listContainers(store)[0]!.id;
  assert.deepEqual(removeContainers(store, ['z', 'nope'], { ignore: true }), [{ id: zid, input: 'z' }]);
  assert.deepEqual(listContainers(store), []);
  assert.ok(store.getImage(img2.id));
});

test('treeChanges: containers/storage ChangesDirs rules', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'berth-changes-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const mk = (base: string) => {
    mkdirSync(join(base, 'etc/sub'), { recursive: true });
    writeFileSync(join(base, 'etc/a'), 'a');
    writeFileSync(join(base, 'etc/sub/b'), 'b');
    symlinkSync('a', join(base, 'etc/l'));
    writeFileSync(join(base, 'file'), 'f');
    mkdirSync(join(base, 'dir'));
    writeFileSync(join(base, 'dir/x'), 'x');
    lutimesSync(join(base, 'etc/l'), 1000, 1000);
    for (const p of ['etc/sub/b', 'etc/a', 'file', 'dir/x', 'dir', 'etc/sub', 'etc']) utimesSync(join(base, p), 1000, 1000);
  };
  const [o, n] = [join(d, 'old'), join(d, 'new')];
  mk(o);
  mk(n);
  assert.deepEqual(treeChanges(o, n), []);
  writeFileSync(join(n, 'etc/sub/b'), 'bb'); // size and time: C, and its directories C before it
  rmSync(join(n, 'etc/l'));
  symlinkSync('b', join(n, 'etc/l')); // another target
  lutimesSync(join(n, 'etc/l'), 1000, 1000);
  rmSync(join(n, 'file'));
  mkdirSync(join(n, 'file')); // a file replaced by a directory: C, its content A
  writeFileSync(join(n, 'file/in'), '');
  rmSync(join(n, 'dir'), { recursive: true }); // D, nothing below it listed
  chmodSync(join(n, 'etc/a'), 0o600);
  utimesSync(join(n, 'etc'), 1000, 1000);
  utimesSync(join(n, 'etc/sub'), 1000, 1000);
  assert.deepEqual(
    treeChanges(o, n).map((c) => `${c.kind} ${c.path}`),
    ['C /etc', 'C /etc/a', 'C /etc/l', 'C /etc/sub', 'C /etc/sub/b', 'C /file', 'A /file/in', 'D /dir'],
  );
});

test('tar headers: ustar split for long names, PAX records when that cannot hold them', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'berth-tarhdr-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
  const link = `${'t'.repeat(150)}`;
  const tar = Buffer.concat([
    tarHeaderBlocks({ name: `${'p'.repeat(150)}/name`, type: '0', size: 0, mode: 0o644, uid: 1, gid: 2 }),
    tarHeaderBlocks({ name: long, type: '0', size: 0, mode: 0o600, uid: 3_000_000, gid: 4 }),
    tarHeaderBlocks({ name: 'sym', type: '2', size: 0, mode: 0o777, linkname: link }),
    Buffer.alloc(1024),
  ]);
  writeFileSync(join(d, 'x.tar'), tar);
  const r = spawnSync('tar', ['-tvf', join(d, 'x.tar'), '--numeric-owner'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0]!, new RegExp(`^-rw-r--r-- 1/2 .* ${'p'.repeat(150)}/name$`));
  assert.match(rows[1]!, new RegExp(`^-rw------- 3000000/4 .* ${long}$`));
  assert.match(rows[2]!, new RegExp(`^lrwxrwxrwx 0/0 .* sym -> ${link}$`));
});
