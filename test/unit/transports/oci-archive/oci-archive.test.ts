import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, truncateSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { copyImage } from '../../../../src/copy/copy.js';
import { indexTarFile, tarHeader } from '../../../../src/util/tar.js';
import { OciRef, openOciSource } from '../../../../src/transports/oci/index.js';
import {
  OciArchiveRef,
  OciArchiveWriter,
  listOciArchiveImages,
  openOciArchive,
  openOciArchiveDestination,
  openOciArchiveSource,
  parseOciArchiveRef,
} from '../../../../src/transports/oci-archive/index.js';
import {
  buildImage,
  copyAndClose,
  copyIntoStore,
  hex,
  openStore,
  sha,
  storeSource,
  storeState,
  tempDir,
  writeLayout,
  type BuiltImage,
} from '../oci-fixture.js';
import type { ErrorCode } from '../../../../src/errors.js';
import { expectError } from '../../../helpers/expect-error.js';

const REF = 'org.opencontainers.image.ref.name';

type Member = { name: string; data?: Buffer | string; type?: 'file' | 'dir' | 'symlink'; linkname?: string };

/** A tar built member by member (symlinks included), for hostile archives. */
function rawTar(members: Member[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = m.data === undefined ? Buffer.alloc(0) : Buffer.from(m.data);
    const h = tarHeader(m.name, m.type === 'file' || m.type === undefined ? data.length : 0, m.type === 'dir' ? '5' : '0');
    if (m.type === 'symlink') {
      h.write('2', 156, 'ascii');
      h.write(m.linkname ?? '', 157, 100, 'utf8');
      h.write('        ', 148, 'ascii');
      let sum = 0;
      for (const b of h) sum += b;
      h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    }
    parts.push(h);
    if (m.type !== 'dir' && m.type !== 'symlink') {
      parts.push(data);
      if (data.length % 512) parts.push(Buffer.alloc(512 - (data.length % 512)));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function layoutMembers(img: BuiltImage, refName?: string, prefix = ''): Member[] {
  const index = JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: img.manifestMediaType,
        digest: img.manifestDigest,
        size: img.manifest.length,
        ...(refName ? { annotations: { [REF]: refName } } : {}),
      },
    ],
  });
  return [
    { name: `${prefix}oci-layout`, data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: `${prefix}index.json`, data: index },
    ...[...img.blobs].map(([d, b]) => ({ name: `${prefix}blobs/sha256/${hex(d)}`, data: b })),
  ];
}

test('parseOciArchiveRef', () => {
  const r = parseOciArchiveRef('/tmp/a.tar:img:v1');
  assert.equal(r.path, '/tmp/a.tar');
  assert.equal(r.image, 'img:v1');
  assert.equal(r.toString(), 'oci-archive:/tmp/a.tar:img:v1');
  assert.equal(parseOciArchiveRef('/tmp/a.tar').image, undefined);
  assert.throws(() => parseOciArchiveRef(':x'), expectError('INVALID_REFERENCE', /path is empty/));
  assert.throws(() => parseOciArchiveRef('/a.tar:@1'), expectError('INVALID_REFERENCE', /invalid image name "@1"/));
});

test('store -> oci-archive -> store round trip; archive layout matches containers/image', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  writeLayout(join(dir, 'src'), [{ image: img }]);
  const store = openStore(t, join(dir, 'store'));
  const r = await copyIntoStore(await openOciSource(new OciRef(join(dir, 'src'))), store);

  const archive = join(dir, 'out.tar');
  writeFileSync(archive, 'old content, replaced atomically');
  const w = await copyAndClose(storeSource(store, r.imageId), await openOciArchiveDestination(parseOciArchiveRef(`${archive}:v1`)));
  assert.equal(w.manifestDigest, img.manifestDigest);
  assert.deepEqual(readdirSync(dir).sort(), ['out.tar', 'src', 'store'], 'no staging left behind');
  const names = indexTarFile(archive, 'test').map((e) => `${e.type}:${e.name}`);
  assert.deepEqual(names, [
    'dir:blobs',
    'dir:blobs/sha256',
    ...[img.configDigest, img.layerDigest, img.manifestDigest].map((d) => `file:blobs/sha256/${hex(d)}`).sort(),
    'file:index.json',
    'file:oci-layout',
  ]);

  const list = await listOciArchiveImages(archive);
  assert.deepEqual(
    list.map((e) => [e.refName, e.descriptor.digest]),
    [['v1', img.manifestDigest]],
  );
  const store2 = openStore(t, join(dir, 'store2'));
  const src = await openOciArchiveSource(parseOciArchiveRef(`${archive}:v1`));
  assert.deepEqual(src.names(), ['v1']);
  const r2 = await copyIntoStore(src, store2);
  assert.equal(r2.imageId, hex(img.configDigest));
  assert.equal(r2.manifestDigest, img.manifestDigest);
});

test('several images in one oci-archive (save/load)', async (t) => {
  const dir = tempDir(t);
  const a = await buildImage({ files: { a: 'a' } });
  const b = await buildImage({ files: { b: 'b' } });
  const store = openStore(t, join(dir, 'store'));
  writeLayout(join(dir, 'a'), [{ image: a }]);
  writeLayout(join(dir, 'b'), [{ image: b }]);
  const ra = await copyIntoStore(await openOciSource(new OciRef(join(dir, 'a'))), store, 'localhost/a:latest');
  const rb = await copyIntoStore(await openOciSource(new OciRef(join(dir, 'b'))), store, 'localhost/b:latest');

  const archive = join(dir, 'multi.tar');
  const writer = await OciArchiveWriter.open(archive);
  await copyAndClose(storeSource(store, ra.imageId), writer.newDestination('localhost/a:latest'));
  await copyAndClose(storeSource(store, rb.imageId), writer.newDestination('localhost/b:latest'));
  assert.equal(writer.committedImages, 2);
  await writer.finish();

  const reader = await openOciArchive(archive);
  t.after(() => reader.close());
  const images = reader.images();
  assert.deepEqual(
    images.map((e) => [e.index, e.refName, e.descriptor.digest]),
    [
      [0, 'localhost/a:latest', a.manifestDigest],
      [1, 'localhost/b:latest', b.manifestDigest],
    ],
  );
  const store2 = openStore(t, join(dir, 'store2'));
  for (const e of images) {
    const src = reader.openSource(e.index);
    assert.match(src.ref.toString(), /^oci-archive:.*multi\.tar \(image \d\)$/);
    const r = await copyIntoStore(src, store2, e.refName);
    assert.equal(r.manifestDigest, e.descriptor.digest);
  }
  assert.deepEqual(
    store2
      .listImages()
      .map((i) => i.id)
      .sort(),
    [hex(a.configDigest), hex(b.configDigest)].sort(),
  );
  await assert.rejects(
    openOciArchiveSource(new OciArchiveRef(archive)),
    expectError('AMBIGUOUS_IMAGE', /holds 2 images, choose one \(available: "localhost\/a:latest", "localhost\/b:latest"\)/),
  );
});

test('a writer that is aborted, or a destination closed without commit, leaves PATH alone', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  writeLayout(join(dir, 'src'), [{ image: img }]);
  const archive = join(dir, 'keep.tar');
  writeFileSync(archive, 'previous');
  const dest = await openOciArchiveDestination(new OciArchiveRef(archive, 'x'));
  const src = await openOciSource(new OciRef(join(dir, 'src')));
  await dest.putBlob((await src.getBlob({ mediaType: 'x', digest: img.layerDigest as never, size: img.layer.length })).stream, {
    mediaType: 'x',
    isConfig: false,
    what: 'layer',
  });
  await dest.close();
  await src.close();
  assert.equal(readFileSync(archive, 'utf8'), 'previous');
  assert.deepEqual(readdirSync(dir).sort(), ['keep.tar', 'src']);

  const w = await OciArchiveWriter.open(join(dir, 'never.tar'));
  w.newDestination('a');
  await w.abort();
  assert.deepEqual(readdirSync(dir).sort(), ['keep.tar', 'src']);
  await assert.rejects(
    OciArchiveWriter.open(join(dir, 'no', 'such', 'dir.tar')),
    expectError('INVALID_ARGUMENT', /directory .* does not exist/),
  );
});

test('compressed oci-archives and archives with ./ prefixes are read', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  const gz = join(dir, 'img.tar.gz');
  writeFileSync(gz, gzipSync(rawTar([{ name: './', type: 'dir' }, ...layoutMembers(img, 'v1', './')])));
  const store = openStore(t, join(dir, 'store'));
  const r = await copyIntoStore(await openOciArchiveSource(new OciArchiveRef(gz, 'v1')), store);
  assert.equal(r.imageId, hex(img.configDigest));
});

test('bad oci-archives are refused and leave the store unchanged', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  const store = openStore(t, join(dir, 'store'));
  writeLayout(join(dir, 'ok'), [{ image: await buildImage({ files: { other: '1' } }) }]);
  await copyIntoStore(await openOciSource(new OciRef(join(dir, 'ok'))), store, 'localhost/ok:latest');
  const before = storeState(store);
  let n = 0;
  const attempt = async (tar: Buffer | ((p: string) => void), code: ErrorCode, re: RegExp, image?: string) => {
    const p = join(dir, `bad${n++}.tar`);
    if (typeof tar === 'function') tar(p);
    else writeFileSync(p, tar);
    await assert.rejects(
      async () => {
        const src = await openOciArchiveSource(new OciArchiveRef(p, image));
        await copyIntoStore(src, store);
      },
      expectError(code, re),
    );
    assert.equal(storeState(store), before, `store unchanged after ${code}`);
  };

  // truncated in the middle of a blob
  await attempt(
    (p) => {
      writeFileSync(p, rawTar(layoutMembers(img)));
      truncateSync(p, statSync(p).size - 1024 - 600);
    },
    'INVALID_ARCHIVE',
    /oci-archive:.*archive is truncated/,
  );
  // a layer member that is a symlink leading outside the archive
  const escaping = layoutMembers(img).filter((m) => !m.name.endsWith(hex(img.layerDigest)));
  escaping.push({ name: `blobs/sha256/${hex(img.layerDigest)}`, type: 'symlink', linkname: '../../../../../etc/passwd' });
  await attempt(rawTar(escaping), 'INVALID_ARCHIVE', /blob "blobs\/sha256\/[0-9a-f]{64}" is a link leading outside the archive/);
  // absolute symlink
  const abs = layoutMembers(img).filter((m) => !m.name.endsWith(hex(img.layerDigest)));
  abs.push({ name: `blobs/sha256/${hex(img.layerDigest)}`, type: 'symlink', linkname: '/etc/passwd' });
  await attempt(rawTar(abs), 'INVALID_ARCHIVE', /is a link leading outside the archive/);
  // a symlink inside the archive is fine (one hop)
  const inside = layoutMembers(img).map((m) => (m.name.endsWith(hex(img.layerDigest)) ? { ...m, name: 'layer.tar.gz' } : m));
  inside.push({ name: `blobs/sha256/${hex(img.layerDigest)}`, type: 'symlink', linkname: '../../layer.tar.gz' });
  const okp = join(dir, 'inside.tar');
  writeFileSync(okp, rawTar(inside));
  const store2 = openStore(t, join(dir, 'store2'));
  assert.equal((await copyIntoStore(await openOciArchiveSource(new OciArchiveRef(okp)), store2)).imageId, hex(img.configDigest));
  // index.json with an invalid digest
  const badIndex = layoutMembers(img).map((m) =>
    m.name === 'index.json'
      ? {
          ...m,
          data: JSON.stringify({
            schemaVersion: 2,
            manifests: [{ mediaType: img.manifestMediaType, digest: 'sha256:../../etc/passwd', size: 1 }],
          }),
        }
      : m,
  );
  await attempt(rawTar(badIndex), 'INVALID_DIGEST', /index\.json of oci-archive:.* digest "sha256:\.\.\/\.\.\/etc\/passwd"/);
  // missing blob
  await attempt(
    rawTar(layoutMembers(img).filter((m) => !m.name.endsWith(hex(img.configDigest)))),
    'INVALID_ARCHIVE',
    new RegExp(`blob ${img.configDigest} is missing from the layout`),
  );
  // missing oci-layout
  await attempt(rawTar(layoutMembers(img).filter((m) => m.name !== 'oci-layout')), 'INVALID_ARCHIVE', /the oci-layout file is missing/);
  // tampered manifest
  const tampered = layoutMembers(img).map((m) =>
    m.name.endsWith(hex(img.manifestDigest))
      ? { ...m, data: img.manifest.toString().replace('"schemaVersion":2', '"schemaVersion":2 ').slice(0, img.manifest.length) }
      : m,
  );
  await attempt(rawTar(tampered), 'DIGEST_MISMATCH', /manifest sha256:[0-9a-f]{64} does not match its digest/);
  // ref name not found
  await attempt(rawTar(layoutMembers(img, 'v1')), 'IMAGE_NOT_FOUND', /no image named "v2" \(available: "v1"\)/, 'v2');
  // not a tar at all
  await attempt(Buffer.from('this is not a tar archive, just text. '.repeat(20)), 'INVALID_ARCHIVE', /invalid tar header|not a tar/);
  // missing file
  await assert.rejects(openOciArchiveSource(new OciArchiveRef(join(dir, 'missing.tar'))), expectError('INVALID_ARGUMENT', /no such file/));
  // a directory is not an archive
  mkdirSync(join(dir, 'adir'));
  await assert.rejects(openOciArchiveSource(new OciArchiveRef(join(dir, 'adir'))), expectError('INVALID_ARGUMENT', /is a directory/));
});

test('copy errors while writing an oci-archive leave no file behind', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  writeLayout(join(dir, 'src'), [{ image: img }]);
  const p = join(dir, 'src', 'blobs', 'sha256', hex(img.layerDigest));
  const b = readFileSync(p);
  b[9] = b[9] === 3 ? 7 : 3;
  writeFileSync(p, b);
  const archive = join(dir, 'out.tar');
  const dest = await openOciArchiveDestination(new OciArchiveRef(archive));
  const src = await openOciSource(new OciRef(join(dir, 'src')));
  await assert.rejects(copyImage(src, dest), expectError('DIGEST_MISMATCH', /does not match/));
  await dest.close();
  await src.close();
  assert.ok(!existsSync(archive));
  assert.deepEqual(readdirSync(dir), ['src']);
  assert.equal(sha(b) !== img.layerDigest, true);
});
