/**
 * The fast writers of `berth images`, which must produce exactly what the general code
 * produces: the default table as the Go-tabwriter port (cli/format/tabwriter.ts, podman's
 * minwidth 12 / padding 2) prints it, and each `--format json` element as goJSON prints
 * ImageReporter.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { alignTable, ImageReporter, jsonEntry } from '../../../../cli/commands/images.js';
import { tabwrite } from '../../../../cli/format/tabwriter.js';
import { Store } from '../../../../src/store/index.js';
import { importImage } from '../../../../src/images/import.js';
import { tagImage, untagImage } from '../../../../src/images/tag.js';
import { listImages } from '../../../../src/images/list.js';
import { goJSON } from '../../../../src/go/index.js';
import { makeTar } from '../../../helpers/tools.js';

test('alignTable equals the Go tabwriter port for uniform tables', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = () =>
    ['', 'a', '<none>', 'localhost/very/long/repository/name', 'ünïcödé', '☺☺', '3 hours ago', 'x'.repeat(rnd(30))][rnd(8)]!;
  for (let t = 0; t < 50; t++) {
    const cols = 1 + rnd(7);
    const lines = Array.from({ length: rnd(20) }, () => Array.from({ length: cols }, word));
    const text = lines.map((l) => `${l.join('\t')}\n`).join('');
    assert.equal(alignTable(lines), tabwrite(text), JSON.stringify(lines));
  }
});

test('jsonEntry equals goJSON of ImageReporter.json for every kind of row', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-images-json-'));
  const store = Store.open({ root: path.join(dir, 'store') });
  try {
    const imp = (n: number, reference: string | undefined, changes: string[]) =>
      importImage(store, {
        input: Readable.from([makeTar({ [`f${n}`]: `${n}\n` })]),
        ...(reference ? { reference } : {}),
        changes,
      });
    const a = await imp(1, 'example.com/a/b:1', ['LABEL z=last a=first', 'LABEL html="<b>&amp;</b>" quote="say \\"hi\\""']);
    tagImage(store, a.id, ['localhost/x-y_z:v.1', 'example.com/a/b:2']);
    await imp(2, 'localhost/plain:latest', []);
    const c = await imp(3, 'example.com/gone:1', ['LABEL line="a\\u2028b"']);
    untagImage(store, c.id, ['example.com/gone:1']); // no names, a names history
    await imp(4, undefined, []); // dangling
    const { images, set } = listImages(store, { all: true });
    assert.equal(images.length, 4);
    const now = Date.now();
    for (const img of images)
      for (const names of [img.names, img.names.slice(0, 1), []]) {
        const r = new ImageReporter(img.row, set, names, 'repo', 'tag', false, now);
        assert.equal(jsonEntry(r), goJSON(ImageReporter.json(r), { indent: '    ', base: '    ' }));
      }
  } finally {
    store.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
