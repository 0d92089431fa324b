import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Digest } from '../../../../src/digest/digest.js';
import { OciRef, openOciSource } from '../../../../src/transports/oci/index.js';
import { DirDestination, DirRef, DirSource, parseDirRef } from '../../../../src/transports/dir/index.js';
import {
  buildImage,
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

test('parseDirRef', () => {
  assert.equal(parseDirRef('/tmp/a:b').path, '/tmp/a:b');
  assert.equal(new DirRef('x').toString(), 'dir:x');
  assert.throws(() => parseDirRef(''), expectError('INVALID_REFERENCE', /path is empty/));
});

test('store -> dir -> store round trip: containers/image directory format', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  writeLayout(join(dir, 'src'), [{ image: img }]);
  const store = openStore(t, join(dir, 'store'));
  const r = await copyIntoStore(await openOciSource(new OciRef(join(dir, 'src'))), store);

  const out = join(dir, 'out');
  const dest = await DirDestination.open(parseDirRef(out));
  assert.deepEqual(dest.supportedManifestTypes().slice(0, 2), [
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ]);
  assert.equal(dest.desiredLayerCompression(), 'preserve');
  const w = await copyAndClose(storeSource(store, r.imageId), dest);
  assert.equal(w.manifestDigest, img.manifestDigest);
  assert.deepEqual(listFiles(out), [hex(img.configDigest), hex(img.layerDigest), 'manifest.json', 'version'].sort());
  assert.equal(readFileSync(join(out, 'version'), 'utf8'), 'Directory Transport Version: 1.1\n');
  assert.deepEqual(readFileSync(join(out, 'manifest.json')), img.manifest);
  assert.deepEqual(readFileSync(join(out, hex(img.layerDigest))), img.layer);
  assert.deepEqual(readFileSync(join(out, hex(img.configDigest))), img.config);

  const store2 = openStore(t, join(dir, 'store2'));
  const src = await DirSource.open(new DirRef(out));
  assert.equal((await src.getManifest()).mediaType, img.manifestMediaType);
  const r2 = await copyIntoStore(src, store2);
  assert.equal(r2.imageId, hex(img.configDigest));
});

test('dir keeps docker v2s2 manifests as they are', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage({ docker: true });
  writeLayout(join(dir, 'src'), [{ image: img }]);
  const out = join(dir, 'out');
  const r = await copyAndClose(await openOciSource(new OciRef(join(dir, 'src'))), await DirDestination.open(new DirRef(out)));
  assert.equal(r.manifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.deepEqual(readFileSync(join(out, 'manifest.json')), img.manifest);
});

test('dir destination: refuses foreign directories, replaces dir images only at commit', async (t) => {
  const dir = tempDir(t);
  const a = await buildImage({ files: { a: 'a' } });
  const b = await buildImage({ files: { b: 'b' } });
  writeLayout(join(dir, 'a'), [{ image: a }]);
  writeLayout(join(dir, 'b'), [{ image: b }]);

  const foreign = join(dir, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'important.txt'), 'keep me');
  await assert.rejects(
    DirDestination.open(new DirRef(foreign)),
    expectError('INVALID_ARGUMENT', /not empty and is not a dir: image, refusing to overwrite it/),
  );
  writeFileSync(join(foreign, 'version'), 'Directory Transport Version: 1.9\n');
  await assert.rejects(
    DirDestination.open(new DirRef(foreign)),
    expectError('UNSUPPORTED', /unsupported directory transport version 1\.9/),
  );
  writeFileSync(join(foreign, 'version'), 'something else');
  await assert.rejects(DirDestination.open(new DirRef(foreign)), expectError('INVALID_ARGUMENT', /refusing to overwrite/));
  assert.equal(readFileSync(join(foreign, 'important.txt'), 'utf8'), 'keep me');

  const out = join(dir, 'out');
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'a'))), await DirDestination.open(new DirRef(out)));
  const afterA = listFiles(out);
  // abandoned copy of b: a stays as it was
  const d = await DirDestination.open(new DirRef(out));
  await d.putBlob(Readable.from([b.layer]), {
    digest: b.layerDigest as Digest,
    size: b.layer.length,
    mediaType: 'x',
    isConfig: false,
    what: 'layer',
  });
  await d.close();
  assert.deepEqual(listFiles(out), afterA);
  assert.deepEqual(
    readdirSync(out).filter((n) => n.startsWith('.')),
    [],
  );
  // a real copy of b replaces a entirely
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'b'))), await DirDestination.open(new DirRef(out)));
  assert.deepEqual(listFiles(out), [hex(b.configDigest), hex(b.layerDigest), 'manifest.json', 'version'].sort());
  assert.deepEqual(readFileSync(join(out, 'manifest.json')), b.manifest);

  // a fresh directory is removed when the copy is abandoned
  const fresh = join(dir, 'fresh');
  const d2 = await DirDestination.open(new DirRef(fresh));
  await d2.close();
  assert.ok(!existsSync(fresh));
});

test('dir destination writes index instances as <hex>.manifest.json, the source reads them', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  const d = await DirDestination.open(new DirRef(out));
  const inst = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
  await d.putManifest({ bytes: inst, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, sha(inst) as Digest);
  await d.close();
  assert.ok(!existsSync(out));
  const d2 = await DirDestination.open(new DirRef(out));
  await d2.putManifest({ bytes: inst, mediaType: 'application/vnd.oci.image.manifest.v1+json' }, sha(inst) as Digest);
  await d2.commit({
    manifest: { digest: sha(inst) as Digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: inst },
    config: { desc: { mediaType: 'x', digest: sha('') as Digest, size: 0 }, bytes: Buffer.alloc(0) },
    layers: [],
  });
  await d2.close();
  assert.ok(existsSync(join(out, `${hex(sha(inst))}.manifest.json`)));
  const src = await DirSource.open(new DirRef(out));
  t.after(() => src.close());
  const m = await src.getManifest(sha(inst) as Digest);
  assert.deepEqual(m.bytes, inst);
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  await assert.rejects(src.getManifest('sha256:../../x' as Digest), expectError('INVALID_DIGEST', /manifest instance digest/));
});

test('bad dir: images are refused and leave the store unchanged', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage();
  const store = openStore(t, join(dir, 'store'));
  writeLayout(join(dir, 'ok'), [{ image: await buildImage({ files: { other: '1' } }) }]);
  await copyIntoStore(await openOciSource(new OciRef(join(dir, 'ok'))), store, 'localhost/ok:latest');
  const before = storeState(store);
  let n = 0;
  const make = (mutate: (d: string) => void): string => {
    const d = join(dir, `bad${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'version'), 'Directory Transport Version: 1.1\n');
    writeFileSync(join(d, 'manifest.json'), img.manifest);
    writeFileSync(join(d, hex(img.configDigest)), img.config);
    writeFileSync(join(d, hex(img.layerDigest)), img.layer);
    mutate(d);
    return d;
  };
  const attempt = async (d: string, code: ErrorCode, re: RegExp) => {
    await assert.rejects(async () => copyIntoStore(await DirSource.open(new DirRef(d)), store), expectError(code, re));
    assert.equal(storeState(store), before);
  };
  await attempt(
    make((d) => unlinkSync(join(d, hex(img.layerDigest)))),
    'INVALID_ARCHIVE',
    new RegExp(`blob ${img.layerDigest} is missing`),
  );
  await attempt(
    make((d) => unlinkSync(join(d, 'manifest.json'))),
    'INVALID_ARCHIVE',
    /manifest\.json is missing/,
  );
  await attempt(
    make((d) => writeFileSync(join(d, 'version'), 'Directory Transport Version: 1.1')),
    'INVALID_ARCHIVE',
    /invalid version file/,
  );
  await attempt(
    make((d) => writeFileSync(join(d, 'version'), 'Directory Transport Version: 2.0\n')),
    'UNSUPPORTED',
    /version 2\.0/,
  );
  const secret = join(dir, 'secret');
  writeFileSync(secret, img.layer);
  await attempt(
    make((d) => {
      unlinkSync(join(d, hex(img.layerDigest)));
      symlinkSync(secret, join(d, hex(img.layerDigest)));
    }),
    'INVALID_ARCHIVE',
    /is a symlink leading outside the directory/,
  );
  await attempt(
    make((d) => writeFileSync(join(d, hex(img.configDigest)), 'x'.repeat(img.config.length))),
    'DIGEST_MISMATCH',
    /config .* does not match/,
  );
  // no version file is accepted (as containers/image)
  const nov = make((d) => unlinkSync(join(d, 'version')));
  const store2 = openStore(t, join(dir, 'store2'));
  assert.equal((await copyIntoStore(await DirSource.open(new DirRef(nov)), store2)).imageId, hex(img.configDigest));
  await assert.rejects(DirSource.open(new DirRef(join(dir, 'missing'))), expectError('INVALID_ARGUMENT', /no such directory/));
});
