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
import { ImageSet, listImages } from '../../../../src/images/list.js';
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
    await imp(5, 'example.com/numbers:1', ['LABEL 10=ten 9=nine b=bee', 'LABEL ünï=cödé emoji="☺ 😀" ctl="a\\tb"']);
    await imp(6, 'example.com/plain-labels:1', ['LABEL z=1 a=2 A=3 _=4 a.b=5 0x=6']);
    untagImage(store, c.id, ['example.com/gone:1']); // no names, a names history
    await imp(4, undefined, []); // dangling
    const { images, set } = listImages(store, { all: true });
    assert.equal(images.length, 6);
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

test('jsonEntry equals goJSON of ImageReporter.json for random labels, names and sizes', () => {
  let seed = 3;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const pieces = ['a', 'Z', '1', '10', '0', '-', '.', '<', '>', '&', 'é', '😀', '\u2028', '\n', '\t', '"', '\\', '\ud800', ' ', '\u007f'];
  const str = () => Array.from({ length: rnd(4) }, () => pieces[rnd(pieces.length)]).join('');
  const hex = (c: string) => c.repeat(64);
  let fast = 0;
  for (let i = 0; i < 400; i++) {
    const labels: Record<string, string> = {};
    for (let n = rnd(4); n > 0; n--) labels[rnd(3) ? str() : String(rnd(20))] = str();
    const names = Array.from({ length: rnd(3) }, (_, k) => `example.com/r${rnd(2)}:t${k}`);
    const row = {
      id: hex('a'),
      configDigest: `sha256:${hex('b')}`,
      configSize: 10,
      manifestDigest: `sha256:${hex('c')}`,
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${hex('c')}`,
      created: rnd(2) ? '2024-01-02T03:04:05.5+02:00' : null,
      added: '2024-01-02T03:04:05Z',
      size: rnd(2) ? rnd(1e9) : 2 ** 53 - 1,
      architecture: 'amd64',
      os: 'linux',
      labels,
      readOnly: rnd(2) === 0,
      topLayer: null,
      parentLayer: null,
      names,
      digests: [`sha256:${hex('c')}`],
      namesHistory: rnd(2) ? [...names].reverse() : [],
      containers: rnd(3),
    } as ConstructorParameters<typeof ImageReporter>[0];
    const set = new ImageSet(undefined as unknown as Store, [row]);
    const r = new ImageReporter(row, set, names, 'repo', 'tag', false, Date.now());
    const want = goJSON(ImageReporter.json(r), { indent: '    ', base: '    ' });
    assert.equal(jsonEntry(r), want, JSON.stringify(labels));
    if (!/[<>&\u2028\u2029\ud800-\udfff]/.test(want) && !Object.keys(labels).some((k) => /^(0|[1-9]\d*)$/.test(k))) fast++;
  }
  assert.ok(fast > 50, `${fast} entries took JSON.stringify's path`);
});
