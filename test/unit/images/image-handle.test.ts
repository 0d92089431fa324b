/**
 * The Image handle and the one "which image" rule: every entry point (openImage, inspectImage,
 * imageHistory, imageTree, tagImage) accepts a name, short name, full or partial ID, sha256:ID,
 * name@digest; the handle is addressed by ID afterwards and reads the store afresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openImage, Image, inspectImage, imageHistory, imageTree, tagImage, goJSON, isBerthError } from '../../../src/index.js';
import { tempStore, writeImage, tempDir } from './fixture.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { expectError } from '../../helpers/expect-error.js';

test('one lookup rule: name, short name, full/partial/sha256 ID, name@digest all name the same image', async (t) => {
  const { store } = tempStore(t);
  const img = await writeImage(store, { names: ['quay.io/x/app:1', 'localhost/app:latest'] });
  const inputs = [
    'quay.io/x/app:1',
    'app',
    'localhost/app',
    img.id,
    img.id.slice(0, 12),
    `sha256:${img.id}`,
    `quay.io/x/app@${img.manifestDigest}`,
  ];
  const expected = goJSON(inspectImage(store, img.id));
  for (const input of inputs) {
    assert.equal(openImage(store, input).id, img.id, input);
    assert.equal(goJSON(inspectImage(store, input)), expected, `inspect ${input}`);
    assert.deepEqual(imageHistory(store, input), imageHistory(store, img.id), `history ${input}`);
    assert.equal(imageTree(store, input), imageTree(store, img.id), `tree ${input}`);
  }
  assert.deepEqual(tagImage(store, img.id.slice(0, 8), ['extra']).names, ['localhost/extra:latest']);
  assert.equal(openImage(store, 'extra').id, img.id);
});

test('Image handle: inspect, history, tag, untag, names read afresh', async (t) => {
  const { store } = tempStore(t);
  const img = await writeImage(store, { names: ['localhost/h:1'], history: [{ created_by: 'ADD f' }] });
  const h = Image.open(store, 'h:1');
  assert.equal(h.matchedName, 'localhost/h:1');
  const data = h.inspect();
  assert.equal(data.Id, img.id);
  assert.deepEqual(data.RepoTags, ['localhost/h:1']);
  assert.equal(h.history()[0]!.createdBy, 'ADD f');
  assert.deepEqual(h.tag('h:2', 'quay.io/y/h:3'), ['localhost/h:2', 'quay.io/y/h:3']);
  assert.deepEqual([...h.names()].sort(), ['localhost/h:1', 'localhost/h:2', 'quay.io/y/h:3']);
  assert.deepEqual(h.inspect().RepoTags.slice().sort(), ['localhost/h:1', 'localhost/h:2', 'quay.io/y/h:3']);
  assert.deepEqual(h.untag('h:2'), ['localhost/h:2']);
  assert.throws(() => h.untag('h:9'), expectError('INVALID_ARGUMENT', /localhost\/h:9: tag not known/));
  assert.deepEqual(h.untag().sort(), ['localhost/h:1', 'quay.io/y/h:3']);
  assert.deepEqual(h.names(), []);
  assert.equal(Image.tryOpen(store, 'h:1'), undefined);
  assert.throws(
    () => openImage(store, 'nope'),
    (e: unknown) => isBerthError(e, 'IMAGE_NOT_FOUND') && e.subject === 'nope',
  );
});

test('Image handle: save then remove; a removed image gives IMAGE_NOT_FOUND', async (t) => {
  const { store } = tempStore(t);
  const img = await writeImage(store, { names: ['localhost/s:1'] });
  const h = openImage(store, 's:1');
  const out = join(tempDir(t), 'a.tar');
  await h.save({ output: out, format: 'docker-archive' });
  assert.ok(readFileSync(out).includes(Buffer.from('localhost/s:1')), 'the archive names the image by the name it was opened with');
  const report = h.remove();
  assert.deepEqual(report.deleted, [img.id]);
  assert.throws(() => h.inspect(), expectError('IMAGE_NOT_FOUND'));
  assert.equal(store.getImage(img.id), undefined);
});
