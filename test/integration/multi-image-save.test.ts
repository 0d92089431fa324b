/**
 * save -m of images that share layers (an application image and its base; an image that
 * repeats a layer), in docker-archive and oci-archive: every shared layer is written once,
 * the archive loads back into berth and into podman with the same image IDs and names, and
 * the store is unchanged. Layers stored gzip-compressed are what made the docker-archive
 * writer skip a member before the engine's hash was complete.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { berth, dockerArchive, makeImage, makeTar, storeImages, storeSnapshot } from '../helpers/archives.js';
import { rmrf, scratchPodman, skipUnlessTools } from '../helpers/tools.js';
import { indexTarFile } from '../../src/util/tar.js';

const skipPodman = skipUnlessTools('podman');

const baseLayer = makeTar({ 'etc/os-release': 'ID=base\n', 'bin/sh': '#!/bin/sh\n' });
const base = makeImage({ repoTags: ['example.com/base:1'], layers: [baseLayer] });
const app = makeImage({ repoTags: ['example.com/app:1'], layers: [baseLayer, makeTar({ 'srv/app': 'app\n' })] });
const twice = makeImage({
  repoTags: ['example.com/twice:1'],
  layers: [makeTar({ 'same.txt': 'same\n' }), makeTar({ 'mid.txt': 'mid\n' }), makeTar({ 'same.txt': 'same\n' })],
});
const ALL = [base, app, twice];
const NAMES = ['example.com/base:1', 'example.com/app:1', 'example.com/twice:1'];
const expected = ALL.map((i) => ({ id: i.id, names: [...i.repoTags!] })).sort((a, b) => a.id.localeCompare(b.id));

let dir: string;
let n = 0;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-multi-save-'));
});
after(async () => {
  await rmrf(dir);
});

/** A store holding ALL, with layers stored gzip-compressed or as plain tar. */
async function storeWith(gzipLayers: boolean): Promise<string> {
  const root = path.join(dir, `store-${++n}`);
  const src = path.join(dir, `src-${n}.tar`);
  await fsp.writeFile(src, dockerArchive(ALL, { gzipLayers }));
  const r = await berth(root, ['load', '-q', '-i', src]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(storeImages(root), expected);
  return root;
}

/** Member names of a tar file, failing on duplicates. */
function members(file: string): string[] {
  const names = indexTarFile(file, file)
    .filter((e) => e.type === 'file')
    .map((e) => e.name);
  assert.equal(new Set(names).size, names.length, `duplicate members in ${file}: ${names.join(', ')}`);
  return names;
}

for (const gzipLayers of [true, false]) {
  describe(`layers stored ${gzipLayers ? 'gzip-compressed' : 'as plain tar'}`, () => {
    let root: string;
    before(async () => {
      root = await storeWith(gzipLayers);
    });

    for (const format of ['docker-archive', 'oci-archive'] as const) {
      test(`save -m --format ${format}: shared layers once; loads back into berth with the same images`, async () => {
        const out = path.join(dir, `m-${n}-${format}.tar`);
        const before = await storeSnapshot(root);
        const r = await berth(root, ['save', '-q', '-m', '--format', format, '-o', out, ...NAMES]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        const names = members(out);
        if (format === 'docker-archive') {
          // every distinct diffID once, as <hex>.tar
          const diffIDs = new Set(ALL.flatMap((i) => i.diffIDs));
          assert.deepEqual(names.filter((x) => x.endsWith('.tar')).sort(), [...diffIDs].map((d) => `${d.slice(7)}.tar`).sort());
        } else {
          assert.ok(names.includes('index.json') && names.includes('oci-layout'));
        }
        assert.deepEqual(await storeSnapshot(root), before, 'the store is unchanged by save');
        const other = path.join(dir, `back-${n}-${format}`);
        const l = await berth(other, ['load', '-q', '-i', out]);
        assert.equal(l.code, 0, l.stderr);
        assert.deepEqual(storeImages(other), expected);
        const c = await berth(other, ['system', 'check']);
        assert.equal(c.code, 0, c.stdout + c.stderr);
      });

      test(`save -m --format ${format}: podman reads every image with the same ID and name`, { skip: skipPodman }, async () => {
        const out = path.join(dir, `p-${n}-${format}.tar`);
        const r = await berth(root, ['save', '-q', '-m', '--format', format, '-o', out, ...NAMES]);
        assert.equal(r.code, 0, r.stderr);
        const p = await scratchPodman();
        try {
          if (format === 'docker-archive') {
            const l = await p.run(['load', '-i', out]);
            assert.equal(l.code, 0, l.stderr);
          } else {
            // podman load refuses an oci-archive with several images; it pulls them by name
            for (const name of NAMES) {
              const l = await p.run(['pull', '-q', `oci-archive:${out}:${name}`]);
              assert.equal(l.code, 0, l.stderr);
            }
          }
          const imgs = await p.run(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
          assert.equal(imgs.code, 0, imgs.stderr);
          const seen = imgs.stdout
            .trim()
            .split('\n')
            .map((line) => {
              const [id, name] = line.split(' ') as [string, string];
              return { id: id.replace(/^sha256:/, ''), names: [name] };
            })
            .sort((a, b) => a.id.localeCompare(b.id));
          assert.deepEqual(seen, expected);
        } finally {
          await p.cleanup();
        }
      });
    }
  });
}

test('save -m of an image given twice and of images in another order writes the same images', async () => {
  const root = await storeWith(true);
  const out = path.join(dir, 'order.tar');
  const r = await berth(root, [
    'save',
    '-q',
    '-m',
    '-o',
    out,
    'example.com/twice:1',
    'example.com/app:1',
    'example.com/base:1',
    'example.com/app:1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const other = path.join(dir, 'order-back');
  assert.equal((await berth(other, ['load', '-q', '-i', out])).code, 0);
  assert.deepEqual(storeImages(other), expected);
});
