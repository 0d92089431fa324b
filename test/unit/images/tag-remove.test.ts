/**
 * tag / untag / rmi / prune semantics, following containers/common libimage `image.go`
 * (Tag, Untag, removeRecursive), `runtime.go` (RemoveImages), `normalize.go` (NormalizeName)
 * and podman `pkg/domain/infra/abi/images.go` (Remove exit codes, Prune until converged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tagImage, untagImage, normalizeName } from '../../../src/images/tag.js';
import { removeImages, pruneImages } from '../../../src/images/remove.js';
import { tempStore, writeImage, writeParentAndChild } from './fixture.js';
import { storeInternals, type Store } from '../../../src/store/store.js';
import { expectError } from '../../helpers/expect-error.js';

const names = (store: Store, id: string) => store.getImage(id)?.names;

test('normalizeName (libimage NormalizeName)', () => {
  assert.equal(normalizeName('foo'), 'localhost/foo:latest');
  assert.equal(normalizeName('foo:1'), 'localhost/foo:1');
  assert.equal(normalizeName('a/b'), 'localhost/a/b:latest');
  assert.equal(normalizeName('localhost/foo'), 'localhost/foo:latest');
  assert.equal(normalizeName('docker.io/foo'), 'docker.io/library/foo:latest');
  assert.equal(normalizeName('quay.io/x/y:2'), 'quay.io/x/y:2');
  assert.equal(normalizeName('reg:5000/x'), 'reg:5000/x:latest');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(normalizeName(`quay.io/x/y:2@${d}`), `quay.io/x/y@${d}`, 'tag dropped when digested');
  assert.throws(() => normalizeName('UPPER'), /normalizing name "UPPER": repository name must be lowercase/);
});

test('tag adds normalized names, moves a name from another image, refuses digests', async (t) => {
  const { store } = tempStore(t);
  const a = await writeImage(store, { names: ['localhost/a:latest'] });
  const b = await writeImage(store, { names: ['localhost/b:latest'] });
  tagImage(store, 'a', ['x', 'quay.io/q/x:1', 'docker.io/busybox']);
  assert.deepEqual(names(store, a.id), ['localhost/a:latest', 'localhost/x:latest', 'quay.io/q/x:1', 'docker.io/library/busybox:latest']);
  tagImage(store, b.id.slice(0, 12), ['x']);
  assert.deepEqual(names(store, b.id), ['localhost/b:latest', 'localhost/x:latest']);
  assert.ok(!names(store, a.id)!.includes('localhost/x:latest'), 'the name moved');
  assert.throws(() => tagImage(store, 'a', [`sha256:${'1'.repeat(64)}`]), /tag by digest not supported/);
  assert.throws(() => tagImage(store, 'a', [`quay.io/q/x@sha256:${'1'.repeat(64)}`]), /tag by digest not supported/);
  assert.throws(() => tagImage(store, 'a', ['ok', 'BAD']), /repository name must be lowercase/);
  assert.ok(!names(store, a.id)!.includes('localhost/ok:latest'), 'nothing added when one target is bad');
  assert.throws(() => tagImage(store, 'nothere', ['y']), expectError('IMAGE_NOT_FOUND', /^nothere: image not known$/));
});

test('untag: named, all, unknown name', async (t) => {
  const { store } = tempStore(t);
  const a = await writeImage(store, { names: ['localhost/a:latest', 'localhost/a:2', 'quay.io/a/a:3'] });
  assert.throws(() => untagImage(store, 'a', ['a:2', 'a:9']), /localhost\/a:9: tag not known$/);
  assert.equal(names(store, a.id)!.length, 3, 'nothing removed');
  untagImage(store, 'a', ['a:2']);
  assert.deepEqual(names(store, a.id), ['localhost/a:latest', 'quay.io/a/a:3']);
  assert.throws(() => untagImage(store, 'a', ['sha256:abc']), /untag by digest not supported/);
  untagImage(store, a.id);
  assert.deepEqual(names(store, a.id), []);
  assert.deepEqual(store.getImage(a.id)!.namesHistory.slice(0, 3).sort(), ['localhost/a:2', 'localhost/a:latest', 'quay.io/a/a:3']);
});

test('rmi by name untags while other names remain; by ID needs force', async (t) => {
  const { store } = tempStore(t);
  const a = await writeImage(store, { names: ['localhost/a:1', 'localhost/a:2'] });
  let r = removeImages(store, ['a:1']);
  assert.deepEqual([r.untagged, r.deleted, r.exitCode], [['localhost/a:1'], [], 0]);
  tagImage(store, 'a:2', ['a:3']);
  r = removeImages(store, [a.id.slice(0, 12)]);
  assert.equal(r.exitCode, 125);
  assert.match(
    r.failures[0]!.error.message,
    new RegExp(
      `^unable to delete image "${a.id}" by ID with more than one tag \\(\\[localhost/a:2 localhost/a:3\\]\\): please force removal$`,
    ),
  );
  assert.ok(store.getImage(a.id));
  r = removeImages(store, [`sha256:${a.id}`]);
  assert.match(r.failures[0]!.error.message, /by digest with more than one tag/);
  r = removeImages(store, [a.id], { force: true });
  assert.deepEqual([r.untagged, r.deleted, r.exitCode], [['localhost/a:2', 'localhost/a:3'], [a.id], 0]);
  assert.equal(store.getImage(a.id), undefined);
});

test('rmi of the last name deletes the image and collects its blobs', async (t) => {
  const { store } = tempStore(t);
  const shared = `shared ${Math.random()}`;
  const a = await writeImage(store, { names: ['localhost/a:1'], layers: [shared], created: '2024-01-01T00:00:00Z' });
  const b = await writeImage(store, { names: ['localhost/b:1'], layers: [shared], created: '2024-02-01T00:00:00Z' });
  const r = removeImages(store, ['a:1']);
  assert.deepEqual([r.untagged, r.deleted], [['localhost/a:1'], [a.id]]);
  assert.equal(store.hasBlob(a.configDigest), false, 'config blob collected');
  assert.equal(store.hasBlob(a.manifestDigest), false, 'manifest blob collected');
  assert.equal(store.hasBlob(a.diffIDs[0]!), true, 'the layer shared with b stays');
  assert.ok(store.getImage(b.id));
});

test('rmi exit codes: missing only → 1, ignore → 0, mixed → removes the rest', async (t) => {
  const { store } = tempStore(t);
  const a = await writeImage(store, { names: ['localhost/a:1'] });
  let r = removeImages(store, ['nothere']);
  assert.deepEqual([r.exitCode, r.failures[0]!.kind, r.failures[0]!.error.message], [1, 'not-found', 'nothere: image not known']);
  r = removeImages(store, ['nothere'], { ignore: true });
  assert.deepEqual([r.exitCode, r.failures.length], [0, 0]);
  r = removeImages(store, ['nothere', 'a:1', 'gone:2']);
  assert.deepEqual([r.exitCode, r.deleted, r.failures.length], [1, [a.id], 2]);
  // a bad reference is "other": 125
  r = removeImages(store, ['UPPER']);
  assert.equal(r.exitCode, 125);
});

test('rmi removes the dangling parent of a removed child; --no-prune keeps it', async (t) => {
  const { store } = tempStore(t);
  const one = await writeParentAndChild(store, { childNames: ['localhost/child:1'] });
  let r = removeImages(store, ['child:1']);
  assert.deepEqual([r.untagged, r.deleted], [['localhost/child:1'], [one.child.id, one.parent.id]]);
  const two = await writeParentAndChild(store, { childNames: ['localhost/child:2'] });
  r = removeImages(store, ['child:2'], { noPrune: true });
  assert.deepEqual(r.deleted, [two.child.id]);
  assert.ok(store.getImage(two.parent.id), 'parent kept');
  // a tagged parent is not removed with its child
  const three = await writeParentAndChild(store, {
    parentNames: ['localhost/base:3'],
    childNames: ['localhost/child:3'],
    childAddsLayer: false,
  });
  r = removeImages(store, ['child:3']);
  assert.deepEqual(r.deleted, [three.child.id]);
  assert.ok(store.getImage(three.parent.id));
});

test('rmi of an image that still has children: deleted but not reported "Deleted" (podman compat)', async (t) => {
  const { store } = tempStore(t);
  const pc = await writeParentAndChild(store, { parentNames: ['localhost/base:1'], childNames: ['localhost/child:1'] });
  const r = removeImages(store, ['base:1']);
  assert.deepEqual([r.untagged, r.deleted, r.exitCode], [['localhost/base:1'], [], 0]);
  assert.equal(store.getImage(pc.parent.id), undefined);
  assert.ok(store.getImage(pc.child.id));
  assert.ok(store.hasBlob(pc.parent.diffIDs[0]!), 'the base layer stays: the child uses it');
});

test('the "in use by a container" hook: exit code 2 without force', async (t) => {
  const { store } = tempStore(t);
  const a = await writeImage(store, { names: ['localhost/a:1'] });
  const containersUsing = (id: string) => (id === a.id ? ['c0ffee00c0ffee00'] : []);
  let r = removeImages(store, ['a:1'], { containersUsing });
  assert.equal(r.exitCode, 2);
  assert.equal(r.failures[0]!.kind, 'in-use');
  assert.match(r.failures[0]!.error.message, /image is in use by a container/);
  assert.ok(store.getImage(a.id));
  r = removeImages(store, ['a:1'], { containersUsing, force: true });
  assert.deepEqual(r.deleted, [a.id]);
});

test('rmi --all (no names, no filters): every image', async (t) => {
  const { store } = tempStore(t);
  await writeImage(store, { names: ['localhost/a:1', 'localhost/a:2'] });
  await writeParentAndChild(store, { childNames: ['localhost/c:1'] });
  await writeImage(store, {});
  const r = removeImages(store, []);
  assert.equal(r.exitCode, 0);
  assert.equal(store.listImages().length, 0);
  assert.equal(storeInternals(store).blobs.list().length, 0, 'every blob collected');
});

test('prune: dangling images (and parents becoming dangling) until none is left', async (t) => {
  const { store } = tempStore(t);
  const tagged = await writeImage(store, { names: ['localhost/keep:1'] });
  const dangling = await writeImage(store, { labels: { a: 'b' }, created: '2024-01-01T00:00:00Z' });
  const dangling2 = await writeImage(store, { created: '2099-01-01T00:00:00Z' });
  const chain = await writeParentAndChild(store, {}); // untagged child (dangling) on an intermediate parent
  const kept = await writeParentAndChild(store, { childNames: ['localhost/kept:1'] });

  assert.deepEqual(pruneImages(store, { filters: ['label=a'] }), [dangling.id]);
  assert.deepEqual(pruneImages(store, { filters: ['until=2030-01-01T00:00:00Z'] }).sort(), [chain.child.id, chain.parent.id].sort());
  assert.deepEqual(pruneImages(store, {}), [dangling2.id]);
  assert.deepEqual(pruneImages(store, {}), []);
  const left = store
    .listImages()
    .map((r) => r.id)
    .sort();
  assert.deepEqual(left, [tagged.id, kept.parent.id, kept.child.id].sort());
  const all = pruneImages(store, { all: true });
  assert.equal(all.length, 3);
  assert.equal(store.listImages().length, 0);
  assert.throws(() => pruneImages(store, { filters: ['bogus=1'] }), /unsupported image filter "bogus"/);
});
