import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, unlinkSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { copyImage } from '../../../../src/copy/copy.js';
import { hostPlatform } from '../../../../src/platform/platform.js';
import {
  OciRef,
  parseOciRef,
  openOciSource,
  openOciDestination,
  openOciLayout,
  listOciImages,
  OciLayoutWriter,
} from '../../../../src/transports/oci/index.js';
import type { Digest } from '../../../../src/digest/digest.js';
import {
  buildImage,
  buildIndex,
  copyAndClose,
  copyIntoStore,
  hex,
  listFiles,
  openStore,
  sha,
  storeSource,
  storeState,
  tempDir,
  writeLayout,
} from '../oci-fixture.js';
import type { ErrorCode } from '../../../../src/errors.js';
import { expectError } from '../../../helpers/expect-error.js';

const REF = 'org.opencontainers.image.ref.name';

test('parseOciRef follows containers/image splitting and validation', () => {
  const a = parseOciRef('/tmp/x:v1');
  assert.equal(a.dir, '/tmp/x');
  assert.equal(a.image, 'v1');
  assert.equal(a.toString(), 'oci:/tmp/x:v1');
  const b = parseOciRef('/tmp/x');
  assert.equal(b.image, undefined);
  assert.equal(b.toString(), 'oci:/tmp/x');
  assert.equal(parseOciRef('/tmp/x:').image, undefined);
  const c = parseOciRef('/tmp/x:@2');
  assert.equal(c.sourceIndex, 2);
  assert.equal(c.toString(), 'oci:/tmp/x:@2');
  // everything after the first colon is the image; ':' is a valid ref-name separator
  const d = parseOciRef('rel/dir:docker.io/library/alpine:3.19');
  assert.equal(d.dir, 'rel/dir');
  assert.equal(d.image, 'docker.io/library/alpine:3.19');
  assert.throws(() => parseOciRef(':tag'), expectError('INVALID_REFERENCE', /path is empty/));
  assert.throws(() => parseOciRef('/x:bad tag'), expectError('INVALID_REFERENCE', /invalid image name "bad tag"/));
  assert.throws(() => parseOciRef('/x:-lead'), expectError('INVALID_REFERENCE', /invalid image name/));
  assert.throws(() => parseOciRef('/x:@-1'), expectError('INVALID_REFERENCE', /source index/));
  assert.throws(() => parseOciRef('/x:@a'), expectError('INVALID_REFERENCE', /source index/));
});

test('oci layout -> store -> oci layout round trip keeps digests and bytes', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  writeLayout(join(dir, 'src'), [{ image: img, refName: 'v1' }]);
  const store = openStore(t, join(dir, 'store'));

  const src = await openOciSource(parseOciRef(`${join(dir, 'src')}:v1`));
  assert.deepEqual(src.names(), ['v1']);
  const r = await copyIntoStore(src, store);
  assert.equal(r.imageId, hex(img.configDigest));
  assert.equal(r.manifestDigest, img.manifestDigest);
  assert.equal(r.dest.imageId, hex(img.configDigest));
  assert.deepEqual(store.getImage(r.imageId)?.names, ['localhost/x:latest']);

  // store -> new layout (created on demand)
  const outDir = join(dir, 'out', 'layout');
  const dest = await openOciDestination(new OciRef(outDir, 'v2'));
  assert.deepEqual(dest.supportedManifestTypes()[0], 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(dest.desiredLayerCompression(), 'preserve');
  assert.equal(dest.needsDiffIDs(), false);
  const w = await copyAndClose(storeSource(store, r.imageId), dest);
  assert.equal(w.manifestDigest, img.manifestDigest);
  assert.equal(readFileSync(join(outDir, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
  const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8'));
  assert.deepEqual(index, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: img.manifestMediaType, digest: img.manifestDigest, size: img.manifest.length, annotations: { [REF]: 'v2' } }],
  });
  assert.deepEqual(
    listFiles(outDir),
    [
      'blobs/sha256/' + hex(img.configDigest),
      'blobs/sha256/' + hex(img.layerDigest),
      'blobs/sha256/' + hex(img.manifestDigest),
      'index.json',
      'oci-layout',
    ].sort(),
  );
  for (const [d, b] of img.blobs) assert.deepEqual(readFileSync(join(outDir, 'blobs', 'sha256', hex(d))), b);

  // and back into a second store through the written layout
  const store2 = openStore(t, join(dir, 'store2'));
  const r2 = await copyIntoStore(await openOciSource(new OciRef(outDir)), store2);
  assert.equal(r2.imageId, hex(img.configDigest));
});

test('oci destination converts docker v2s2 to OCI (it only accepts OCI), dir would not', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage({ docker: true });
  writeLayout(join(dir, 'src'), [{ image: img, refName: 'd' }]);
  const out = join(dir, 'out');
  const r = await copyAndClose(
    await openOciSource(parseOciRef(`${join(dir, 'src')}:d`)),
    await openOciDestination(parseOciRef(`${out}:d`)),
  );
  assert.equal(r.manifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.notEqual(r.manifestDigest, img.manifestDigest);
  const m = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', hex(r.manifestDigest)), 'utf8'));
  assert.equal(m.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  assert.equal(m.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  assert.equal(m.layers[0].digest, img.layerDigest); // same compressed bytes
  assert.equal(sha(readFileSync(join(out, 'blobs', 'sha256', hex(r.manifestDigest)))), r.manifestDigest);
});

test('writing the same ref name again moves the name (containers/image semantics)', async (t) => {
  const dir = tempDir(t);
  const a = await buildImage({ files: { a: 'a' } });
  const b = await buildImage({ files: { b: 'b' } });
  writeLayout(join(dir, 'a'), [{ image: a }]);
  writeLayout(join(dir, 'b'), [{ image: b }]);
  const out = join(dir, 'out');
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'a'))), await openOciDestination(new OciRef(out, 'tag')));
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'a'))), await openOciDestination(new OciRef(out, 'tag')));
  let index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.equal(index.manifests.length, 1, 'same image, same name: one entry');
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'b'))), await openOciDestination(new OciRef(out, 'tag')));
  index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.deepEqual(
    index.manifests.map((m: { digest: string; annotations?: Record<string, string> }) => [m.digest, m.annotations?.[REF]]),
    [
      [a.manifestDigest, undefined],
      [b.manifestDigest, 'tag'],
    ],
  );
  // the name resolves to the new image
  const src = await openOciSource(new OciRef(out, 'tag'));
  assert.equal(sha((await src.getManifest()).bytes), b.manifestDigest);
  await src.close();
  // two entries, no name given: ambiguous
  await assert.rejects(
    openOciSource(new OciRef(out)),
    expectError('AMBIGUOUS_IMAGE', /holds 2 images, choose one \(available: "tag", @0 \(unnamed\)\)/),
  );
  const byIndex = await openOciSource(parseOciRef(`${out}:@0`));
  assert.equal(sha((await byIndex.getManifest()).bytes), a.manifestDigest);
  await byIndex.close();
});

test('nested index: the source returns the index, the engine picks the platform', async (t) => {
  const dir = tempDir(t);
  const host = hostPlatform();
  const mine = await buildImage({ files: { mine: '1' } });
  const other = await buildImage({ files: { other: '2' }, architecture: host.architecture === 's390x' ? 'ppc64le' : 's390x' });
  const idx = buildIndex([
    { image: other, architecture: host.architecture === 's390x' ? 'ppc64le' : 's390x', os: 'linux' },
    { image: mine, architecture: host.architecture, os: host.os },
  ]);
  writeLayout(join(dir, 'src'), [{ image: mine }, { image: other }], {
    extraBlobs: new Map([[idx.digest, idx.bytes]]),
    index: JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: idx.digest,
          size: idx.bytes.length,
          annotations: { [REF]: 'multi' },
        },
      ],
    }),
  });
  const src = await openOciSource(new OciRef(join(dir, 'src')));
  const top = await src.getManifest();
  assert.equal(top.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.deepEqual(top.bytes, idx.bytes);
  const inst = await src.getManifest(mine.manifestDigest as Digest);
  assert.equal(inst.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const store = openStore(t, join(dir, 'store'));
  const r = await copyIntoStore(src, store);
  assert.equal(r.indexDigest, idx.digest);
  assert.equal(r.manifestDigest, mine.manifestDigest);
  assert.equal(r.imageId, hex(mine.configDigest));
});

test('listing and opening images of a multi-image layout', async (t) => {
  const dir = tempDir(t);
  const a = await buildImage({ files: { a: 'a' } });
  const b = await buildImage({ files: { b: 'b' } });
  writeLayout(dir, [
    { image: a, refName: 'first' },
    { image: b, refName: 'second' },
  ]);
  const list = await listOciImages(dir);
  assert.deepEqual(
    list.map((e) => [e.index, e.refName, e.descriptor.digest]),
    [
      [0, 'first', a.manifestDigest],
      [1, 'second', b.manifestDigest],
    ],
  );
  const reader = await openOciLayout(dir);
  t.after(() => reader.close());
  const s1 = reader.openSource(1);
  assert.equal(s1.ref.toString(), `oci:${dir}:@1`);
  assert.equal(sha((await s1.getManifest()).bytes), b.manifestDigest);
  const s0 = reader.openSource('first');
  assert.deepEqual(s0.names?.(), ['first']);
  await s0.close();
  await s1.close();
  assert.throws(
    () => reader.openSource('third'),
    expectError('IMAGE_NOT_FOUND', /no image named "third" \(available: "first", "second"\)/),
  );
  assert.throws(() => reader.openSource(5), expectError('IMAGE_NOT_FOUND', /no entry @5, index.json has 2/));
  assert.throws(() => reader.openSource(), expectError('AMBIGUOUS_IMAGE', /holds 2 images/));
});

test('OciLayoutWriter writes several images into one layout', async (t) => {
  const dir = tempDir(t);
  const a = await buildImage({ files: { a: 'a' } });
  const b = await buildImage({ files: { b: 'b' } });
  writeLayout(join(dir, 'a'), [{ image: a }]);
  writeLayout(join(dir, 'b'), [{ image: b }]);
  const out = join(dir, 'out');
  const w = await OciLayoutWriter.open(out);
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'a'))), w.newDestination('docker.io/library/a:latest'));
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'b'))), w.newDestination('b'));
  // an abandoned third destination leaves nothing behind
  const d3 = w.newDestination('c');
  await d3.putBlob(Readable.from([Buffer.from('junk')]), { mediaType: 'x', isConfig: false, what: 'junk' });
  await d3.close();
  await w.finish();
  assert.deepEqual(
    (await listOciImages(out)).map((e) => e.refName),
    ['docker.io/library/a:latest', 'b'],
  );
  assert.ok(!existsSync(join(out, 'blobs', 'sha256', hex(sha('junk')))));
  assert.throws(() => w.newDestination('bad name'), /writer already finished/);
});

test('destination close without commit discards what it wrote', async (t) => {
  const dir = tempDir(t);
  // fresh directory: removed entirely
  const fresh = join(dir, 'fresh');
  const d1 = await openOciDestination(new OciRef(fresh, 'x'));
  await d1.putBlob(Readable.from([Buffer.from('data')]), {
    digest: sha('data') as Digest,
    size: 4,
    mediaType: 'x',
    isConfig: false,
    what: 'blob',
  });
  assert.ok(existsSync(join(fresh, 'blobs', 'sha256', hex(sha('data')))));
  await d1.close();
  assert.ok(!existsSync(fresh));

  // existing layout: only the new blobs go, index.json untouched
  const img = await buildImage();
  const existing = join(dir, 'existing');
  writeLayout(existing, [{ image: img, refName: 'keep' }]);
  const before = listFiles(existing);
  const indexBefore = readFileSync(join(existing, 'index.json'));
  const d2 = await openOciDestination(new OciRef(existing, 'new'));
  assert.ok(await d2.tryReuseBlob({ mediaType: 'x', digest: img.layerDigest as Digest, size: img.layer.length }));
  assert.equal(await d2.tryReuseBlob({ mediaType: 'x', digest: img.layerDigest as Digest, size: img.layer.length + 1 }), undefined);
  await d2.putBlob(Readable.from([Buffer.from('more')]), { mediaType: 'x', isConfig: false, what: 'blob' });
  await d2.putManifest({ bytes: Buffer.from('{}'), mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  await d2.close();
  assert.deepEqual(listFiles(existing), before);
  assert.deepEqual(readFileSync(join(existing, 'index.json')), indexBefore);
});

test('a blob stream that fails leaves no blob and no temp file', async (t) => {
  const dir = tempDir(t);
  const d = await openOciDestination(new OciRef(dir, 'x'));
  t.after(() => d.close());
  const bad = new Readable({
    read() {
      this.push(Buffer.from('partial'));
      this.destroy(new Error('verification failed'));
    },
  });
  await assert.rejects(
    d.putBlob(bad, { digest: sha('partial') as Digest, size: 7, mediaType: 'x', isConfig: false, what: 'blob' }),
    /verification failed/,
  );
  // a stream that fails before the destination starts reading it (no other error listener)
  const early = new PassThrough();
  const p = d.putBlob(early, { mediaType: 'x', isConfig: false, what: 'blob' });
  early.destroy(new Error('failed early'));
  await assert.rejects(p, /failed early/);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n !== 'blobs'),
    [],
  );
  assert.deepEqual(listFiles(join(dir, 'blobs')), []);
});

test('bad layouts are refused with one-line errors and leave the store unchanged', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  const store = openStore(t, join(dir, 'store'));
  // something already in the store, so "unchanged" is meaningful
  const okDir = join(dir, 'ok');
  writeLayout(okDir, [{ image: await buildImage({ files: { other: 'x' } }) }]);
  await copyIntoStore(await openOciSource(new OciRef(okDir)), store, 'localhost/ok:latest');
  const before = storeState(store);

  let n = 0;
  const layout = (opts: Parameters<typeof writeLayout>[2] = {}, mutate?: (d: string) => void): string => {
    const d = join(dir, `bad${n++}`);
    writeLayout(d, [{ image: img, refName: 'latest' }], opts);
    mutate?.(d);
    return d;
  };
  const attempt = async (d: string, code: ErrorCode, re: RegExp, image = 'latest') => {
    await assert.rejects(
      async () => {
        const src = await openOciSource(new OciRef(d, image));
        await copyIntoStore(src, store);
      },
      expectError(code, re),
    );
    assert.equal(storeState(store), before, `store unchanged after ${code}`);
  };
  const desc = {
    mediaType: img.manifestMediaType,
    digest: img.manifestDigest,
    size: img.manifest.length,
    annotations: { [REF]: 'latest' },
  };

  await attempt(
    layout({ index: JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc, digest: 'sha256:../../etc/passwd' }] }) }),
    'INVALID_DIGEST',
    /index\.json .*manifests\[0\] digest "sha256:\.\.\/\.\.\/etc\/passwd"/,
  );
  await attempt(
    layout({ index: JSON.stringify({ schemaVersion: 2, manifests: [desc], layers: [] }) }),
    'INVALID_MANIFEST',
    /index\.json of oci:.*ambiguous document.*"layers"/,
  );
  await attempt(
    layout({
      index: JSON.stringify({ schemaVersion: 2, manifests: [desc], manifests2: 1 }).replace('"manifests2":1', '"schemaVersion":2'),
    }),
    'INVALID_MANIFEST',
    /duplicate key "schemaVersion"/,
  );
  await attempt(
    layout({}, (d) =>
      writeFileSync(
        join(d, 'blobs', 'sha256', hex(img.manifestDigest)),
        Buffer.from(img.manifest.toString().replace('"schemaVersion":2', '"schemaVersion":2 ')).subarray(0, img.manifest.length),
      ),
    ),
    'DIGEST_MISMATCH',
    /manifest sha256:[0-9a-f]{64} does not match its digest/,
  );
  await attempt(
    layout({}, (d) => unlinkSync(join(d, 'blobs', 'sha256', hex(img.layerDigest)))),
    'INVALID_ARCHIVE',
    new RegExp(`blob ${img.layerDigest} is missing from the layout`),
  );
  // same size, still valid gzip (the header's OS byte): only the digest tells
  await attempt(
    layout({}, (d) => {
      const p = join(d, 'blobs', 'sha256', hex(img.layerDigest));
      const b = readFileSync(p);
      b[9] = b[9] === 3 ? 7 : 3;
      writeFileSync(p, b);
    }),
    'DIGEST_MISMATCH',
    /layer 1\/1 .* content digest .* does not match/,
  );
  await attempt(
    layout({}, (d) =>
      writeFileSync(
        join(d, 'blobs', 'sha256', hex(img.layerDigest)),
        gzipSync(readFileSync(join(d, 'blobs', 'sha256', hex(img.layerDigest))), { level: 1 }),
      ),
    ),
    'SIZE_MISMATCH',
    /layer 1\/1 .* expected \d+ bytes/,
  );
  await attempt(
    layout({}, (d) => {
      const p = join(d, 'blobs', 'sha256', hex(img.configDigest));
      writeFileSync(p, readFileSync(p).toString().replace('/bin/sh', '/bin/xx'));
    }),
    'DIGEST_MISMATCH',
    /config sha256:[0-9a-f]{64} of oci:.*does not match/,
  );
  await attempt(layout({ noLayoutFile: true }), 'INVALID_ARCHIVE', /not an OCI image layout \(the oci-layout file is missing\)/);
  await attempt(
    layout({}, (d) => writeFileSync(join(d, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}')),
    'UNSUPPORTED',
    /unsupported OCI layout version "2\.0\.0"/,
  );
  await attempt(
    layout({}, (d) => unlinkSync(join(d, 'index.json'))),
    'INVALID_ARCHIVE',
    /index\.json is missing/,
  );
  // a manifest that is also an index
  const amb = Buffer.from(JSON.stringify({ ...JSON.parse(img.manifest.toString()), manifests: [] }));
  await attempt(
    layout({
      extraBlobs: new Map([[sha(amb), amb]]),
      index: JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc, digest: sha(amb), size: amb.length }] }),
    }),
    'INVALID_MANIFEST',
    /ambiguous document: .* must not contain "manifests"/,
  );
  await attempt(layout(), 'IMAGE_NOT_FOUND', /no image named "nope" \(available: "latest"\)/, 'nope');
  await attempt(
    layout({ index: JSON.stringify({ schemaVersion: 2, manifests: [] }) }),
    'IMAGE_NOT_FOUND',
    /no image named "latest" \(it names no images\)/,
  );
  // a blob that is a symlink leading out of the layout
  const secret = join(dir, 'secret');
  writeFileSync(secret, img.layer);
  await attempt(
    layout({}, (d) => {
      const p = join(d, 'blobs', 'sha256', hex(img.layerDigest));
      unlinkSync(p);
      symlinkSync(secret, p);
    }),
    'INVALID_ARCHIVE',
    /blobs\/sha256\/[0-9a-f]{64} is a symlink leading outside the directory/,
  );
  // a symlink inside the layout is fine
  const inside = layout({}, (d) => {
    const p = join(d, 'blobs', 'sha256', hex(img.layerDigest));
    mkdirSync(join(d, 'store'));
    writeFileSync(join(d, 'store', 'layer'), readFileSync(p));
    unlinkSync(p);
    symlinkSync('../../store/layer', p);
  });
  const r = await copyIntoStore(await openOciSource(new OciRef(inside, 'latest')), store);
  assert.equal(r.imageId, hex(img.configDigest));
  // a missing directory
  await assert.rejects(
    openOciSource(new OciRef(join(dir, 'missing'))),
    expectError('INVALID_ARGUMENT', /cannot open oci:.*missing: no such directory/),
  );
});

test('copyImage into an oci destination fails cleanly on a corrupt source', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  writeLayout(join(dir, 'src'), [{ image: img }]);
  const p = join(dir, 'src', 'blobs', 'sha256', hex(img.layerDigest));
  const b = readFileSync(p);
  b[20]! ^= 1;
  writeFileSync(p, b);
  const out = join(dir, 'out');
  const dest = await openOciDestination(new OciRef(out, 'x'));
  const src = await openOciSource(new OciRef(join(dir, 'src')));
  await assert.rejects(copyImage(src, dest), expectError('DIGEST_MISMATCH'));
  await dest.close();
  await src.close();
  assert.ok(!existsSync(out), 'the layout directory created for the copy is gone');
});
