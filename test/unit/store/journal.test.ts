import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Journal } from '../../../src/store/journal.js';
import { Store, storeInternals } from '../../../src/store/index.js';
import { expectError } from '../../helpers/expect-error.js';

let dir: string;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-journal-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

test('a torn entry (crash mid-append) is skipped without losing the next one; aborted transactions are ignored', () => {
  const j = new Journal(dir);
  j.append('t1', [{ op: 'name', name: 'a', id: 'i1' }]);
  fs.appendFileSync(j.file, '\n{"op":"name","name":"torn","id":"i'); // a write cut short
  j.append('t2', [
    { op: 'name', name: 'b', id: 'i2' },
    { op: 'untag', name: 'a', id: 'i1' },
  ]);
  j.append('t3', [{ op: 'rmi', id: 'i2' }]);
  j.abort('t3');
  assert.deepEqual(j.read(), [
    { op: 'name', name: 'a', id: 'i1', tx: 't1' },
    { op: 'name', name: 'b', id: 'i2', tx: 't2' },
    { op: 'untag', name: 'a', id: 'i1', tx: 't2' },
  ]);
});

test('a failed index transaction journals nothing that counts', () => {
  const root = path.join(dir, 'store');
  const s = Store.open({ root });
  try {
    const { index } = storeInternals(s);
    assert.throws(() => index.addNames('0'.repeat(64), ['example.com/x:1']), expectError('IMAGE_NOT_FOUND'));
    assert.throws(
      () =>
        index.transaction(() => {
          index.dropNames('x');
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.deepEqual(new Journal(root).read(), []);
    assert.ok(fs.existsSync(path.join(root, 'names.journal')), 'created with the store');
  } finally {
    s.close();
  }
});
