/**
 * podman's container flags through the real CLI: create --cidfile / --replace, rm --cidfile /
 * --latest, mount / umount --latest, ps --sort, create --label (over the image's labels) with
 * ps's label fields and filters, the schema upgrade that adds labels, and system df's Containers
 * row (and -v section).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { berth, dockerArchive, makeImage } from '../helpers/archives.js';
import { LAYER1, berthOk, layerTar, loadedStore, writeContainerTestArchive } from '../helpers/container-fixture.js';
import { rmrf } from '../helpers/tools.js';
import { SCHEMA_VERSION } from '../../src/store/index-db.js';

let dir: string;
let archive: string;
const IMAGE = 'localhost/ctr-test:1';

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-flags-'));
  archive = path.join(dir, 'img.tar');
  writeContainerTestArchive(archive, IMAGE);
});
after(() => rmrf(dir));

const ok = berthOk;
const freshStore = (name: string) => loadedStore(dir, name, archive);

const ids = async (root: string) => (await ok(root, ['ps', '-a', '--no-trunc', '--format', '{{.ID}}'])).split('\n').filter((l) => l);

test('create --cidfile / --replace, rm --cidfile / --latest, mount / umount --latest', async () => {
  const root = await freshStore('flow');
  const cid = path.join(dir, 'a.cid');
  const first = (await ok(root, ['create', '--cidfile', cid, '--name', 'a', IMAGE])).trim();
  assert.equal(fs.readFileSync(cid, 'utf8'), first, 'the ID, without a newline');

  // a failed create leaves no cidfile behind
  const failed = path.join(dir, 'failed.cid');
  const r = await berth(root, ['create', '--cidfile', failed, '--pull', 'never', 'localhost/nosuch:1']);
  assert.equal(r.code, 125);
  assert.equal(fs.existsSync(failed), false);

  // --replace: the old container's name (its removal), then the new ID
  const out = await ok(root, ['create', '--replace', '--name', 'a', IMAGE]);
  const [removedName, second] = out.split('\n');
  assert.equal(removedName, 'a');
  assert.match(second!, /^[0-9a-f]{64}$/);
  assert.deepEqual(await ids(root), [second]);
  assert.equal(fs.existsSync(path.join(root, 'containers', first)), false);
  assert.equal(fs.readFileSync(path.join(root, 'containers', second!, 'rootfs', 'etc/hello'), 'utf8'), 'hello again\n');

  // --latest: the container created last
  const third = (await ok(root, ['create', '--name', 'b', IMAGE])).trim();
  const mp = (await ok(root, ['mount', '-l'])).trim();
  assert.equal(mp, path.join(root, 'containers', third, 'rootfs'));
  assert.equal(fs.readFileSync(path.join(mp, 'bin/tool'), 'utf8'), '#!/bin/sh\necho tool\n');
  assert.equal((await ok(root, ['mount'])).split(/\s+/)[0], third.slice(0, 12));
  assert.equal(await ok(root, ['umount', '-l']), `${third}\n`);
  assert.equal(await ok(root, ['mount']), '');

  // rm --cidfile: the file names a container that was replaced meanwhile
  const gone = await berth(root, ['rm', '--cidfile', cid]);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr, `Error: no container with name or ID "${first}" found: no such container\n`);
  assert.equal(await ok(root, ['rm', '-i', '--cidfile', cid]), '');
  const cid2 = path.join(dir, 'second.cid');
  fs.writeFileSync(cid2, `${second}\n`);
  assert.equal(await ok(root, ['rm', '--cidfile', cid2]), `${second}\n`);
  assert.deepEqual(await ids(root), [third]);
  assert.equal(await ok(root, ['rm', '-l']), `${third}\n`);
  assert.deepEqual(await ids(root), []);
  assert.deepEqual(fs.readdirSync(path.join(root, 'containers')), []);
});

test('ps --sort: command, created (default), id, image, names; status/size/runningfor keep the creation order', async () => {
  const root = await freshStore('sort');
  const made: Record<string, string> = {};
  for (const [name, arg] of [
    ['zeta', 'b'],
    ['alpha', 'c'],
    ['mid', 'a'],
  ])
    made[name!] = (await ok(root, ['create', '--name', name!, IMAGE, arg!])).trim();
  const names = async (...extra: string[]) =>
    (await ok(root, ['ps', '-a', ...extra, '--format', '{{.Names}}'])).split('\n').filter((l) => l);
  assert.deepEqual(await names(), ['zeta', 'alpha', 'mid']);
  assert.deepEqual(await names('--sort', 'created'), ['zeta', 'alpha', 'mid']);
  assert.deepEqual(await names('--sort', 'names'), ['alpha', 'mid', 'zeta']);
  assert.deepEqual(await names('--sort', 'command'), ['mid', 'zeta', 'alpha']);
  assert.deepEqual(
    await names('--sort', 'id'),
    Object.entries(made)
      .sort(([, a], [, b]) => (a < b ? -1 : 1))
      .map(([n]) => n),
  );
  for (const key of ['image', 'status', 'size', 'runningfor']) assert.deepEqual(await names('--sort', key), ['zeta', 'alpha', 'mid'], key);
  assert.deepEqual(await names('--sort', 'names', '-n', '2'), ['alpha', 'mid'], 'the last two, sorted');
});

/** Bytes of the files of a tree, each inode once. */
function treeBytes(dir: string): number {
  const seen = new Set<number>();
  let n = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) continue;
    const st = fs.lstatSync(path.join(e.parentPath, e.name));
    if (seen.has(st.ino)) continue;
    seen.add(st.ino);
    n += st.size;
  }
  return n;
}

test("system df: the Containers row counts each container's root file system; images in use are not reclaimable", async () => {
  const root = await freshStore('df');
  const a = (await ok(root, ['create', '--name', 'a', IMAGE])).trim();
  const b = (await ok(root, ['create', '--name', 'b', IMAGE])).trim();
  fs.writeFileSync(path.join(root, 'containers', b, 'rootfs', 'added'), Buffer.alloc(1000, 1));
  const rows = async () => {
    const out = await ok(root, ['system', 'df', '--format', '{{.Type}}|{{.Total}}|{{.Active}}|{{.RawSize}}|{{.RawReclaimable}}']);
    return Object.fromEntries(
      out
        .split('\n')
        .filter((l) => l)
        .map((l) => {
          const [type, ...n] = l.split('|');
          return [type!, n.map(Number)];
        }),
    );
  };
  const sizeA = treeBytes(path.join(root, 'containers', a, 'rootfs'));
  const sizeB = treeBytes(path.join(root, 'containers', b, 'rootfs'));
  assert.equal(sizeB - sizeA, 1000);
  let r = await rows();
  assert.deepEqual(Object.keys(r), ['Images', 'Containers', 'Unreferenced blobs', 'Partial downloads']);
  assert.deepEqual(r.Containers, [2, 0, sizeA + sizeB, sizeA + sizeB]);
  const imageBytes = r.Images[2];
  assert.ok(imageBytes > 0);
  assert.deepEqual(r.Images, [1, 1, imageBytes, 0], 'the image is in use: nothing to reclaim');

  const v = (await ok(root, ['system', 'df', '-v'])).split('\n');
  const at = v.indexOf('Containers space usage:');
  assert.ok(at > 0);
  assert.match(v[at + 2]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+LOCAL VOLUMES\s+SIZE\s+CREATED\s+STATUS\s+NAMES$/);
  const lineOf = (id: string) => v.find((l) => l.startsWith(id.slice(0, 12)))!;
  assert.match(lineOf(b), /^[0-9a-f]{12}\s+[0-9a-f]{12}\s+--serve\s+0\s+\S+B\s+\S.*\s+created\s+b$/);
  assert.match(
    v.find((l) => l.startsWith('localhost/ctr-test'))!,
    /\s2$/,
    'the CONTAINERS column',
  );
  assert.ok(!v.some((l) => / ago\s/.test(l)), 'durations without "ago", as podman');

  await ok(root, ['rm', '-a']);
  r = await rows();
  assert.deepEqual(r.Containers, [0, 0, 0, 0]);
  assert.deepEqual(r.Images, [1, 0, imageBytes, imageBytes]);
});

test("create --label over the image's labels; ps .Labels / .Label / json / label filters; system recover keeps them", async () => {
  const root = path.join(dir, 'labels');
  const labelled = path.join(dir, 'labelled.tar');
  fs.writeFileSync(
    labelled,
    dockerArchive([
      makeImage({
        repoTags: ['localhost/labelled:1'],
        layers: [layerTar(LAYER1)],
        config: { config: { Cmd: ['/bin/tool'], Labels: { vendor: 'image', keep: 'from-image' } } },
      }),
    ]),
  );
  await ok(root, ['load', '-q', '-i', labelled]);
  await ok(root, ['create', '--name', 'l1', '-l', 'vendor=user', '--label', 'flag', '--label', 'eq=a=b', 'localhost/labelled:1']);
  await ok(root, ['create', '--name', 'l2', 'localhost/labelled:1']);
  const fmt = async (f: string, ...extra: string[]) => (await ok(root, ['ps', '-a', ...extra, '--format', f])).split('\n').filter((l) => l);
  assert.deepEqual(await fmt('{{.Names}} {{.Labels}}'), [
    'l1 map[eq:a=b flag: keep:from-image vendor:user]',
    'l2 map[keep:from-image vendor:image]',
  ]);
  assert.deepEqual(await fmt('{{.Label "vendor"}}|{{.Label "none"}}'), ['user|', 'image|']);
  const json = JSON.parse(await ok(root, ['ps', '-a', '--format', 'json'])) as { Names: string[]; Labels: unknown }[];
  assert.deepEqual(json[0]!.Labels, { eq: 'a=b', flag: '', keep: 'from-image', vendor: 'user' });
  assert.deepEqual(await fmt('{{.Names}}', '--filter', 'label=flag'), ['l1']);
  assert.deepEqual(await fmt('{{.Names}}', '--filter', 'label=vendor=image'), ['l2']);
  assert.deepEqual(await fmt('{{.Names}}', '--filter', 'label=keep', '--filter', 'label=eq=a=b'), ['l1']);
  // podman's ps takes no label!= (its prune does)
  const neg = await berth(root, ['ps', '-a', '--filter', 'label!=flag']);
  assert.equal(neg.code, 125);
  assert.equal(neg.stderr, 'Error: label! is an invalid filter\n');
  assert.equal(neg.stdout, '');
  const bad = await berth(root, ['create', '-l', '=x', 'localhost/labelled:1']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: invalid label format: "=x"\n');

  // the index rebuilt from the blobs and container.json files: labels come back
  await ok(root, ['system', 'recover']);
  assert.deepEqual(await fmt('{{.Names}} {{.Labels}}'), [
    'l1 map[eq:a=b flag: keep:from-image vendor:user]',
    'l2 map[keep:from-image vendor:image]',
  ]);
  // container prune takes label!=
  const [l2] = await fmt('{{.ID}}', '--no-trunc', '--filter', 'name=l2');
  assert.equal(await ok(root, ['container', 'prune', '-f', '--filter', 'label!=flag']), `${l2}\n`);
  assert.deepEqual(await fmt('{{.Names}}'), ['l1']);
});

test('a store of schema 6 (containers without labels) is upgraded in place: its containers have no labels', async () => {
  const root = await freshStore('schema6');
  const id = (await ok(root, ['create', '--name', 'old', IMAGE])).trim();
  const db = new Database(path.join(root, 'index.db'));
  db.exec('ALTER TABLE containers DROP COLUMN labels');
  db.pragma('user_version = 6');
  db.close();
  assert.equal(await ok(root, ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Labels}}']), `${id} map[]\n`);
  await ok(root, ['create', '--name', 'new', '-l', 'a=1', IMAGE]);
  assert.deepEqual((await ok(root, ['ps', '-a', '--format', '{{.Names}} {{.Labels}}'])).trim().split('\n'), ['old map[]', 'new map[a:1]']);
  const again = new Database(path.join(root, 'index.db'), { readonly: true });
  assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  again.close();
});
