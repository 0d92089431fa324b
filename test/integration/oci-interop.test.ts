/**
 * Interop with skopeo for the oci:, oci-archive: and dir: transports: what skopeo writes,
 * berth reads (same digests); what berth writes, skopeo inspects and copies (skopeo
 * verifies every digest while copying).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { haveTool, scratchSkopeo, type ScratchSkopeo } from '../helpers/tools.js';
import { OciRef, listOciImages, openOciDestination, openOciSource } from '../../src/transports/oci/index.js';
import {
  OciArchiveRef,
  OciArchiveWriter,
  openOciArchiveDestination,
  openOciArchiveSource,
} from '../../src/transports/oci-archive/index.js';
import { DirDestination, DirRef, DirSource } from '../../src/transports/dir/index.js';
import type { ImageSource } from '../../src/transports/types.js';
import {
  buildImage,
  copyAndClose,
  copyIntoStore,
  hex,
  openStore,
  storeSource,
  tempDir,
  writeLayout,
} from '../unit/transports/oci-fixture.js';

const skip = haveTool('skopeo') ? false : 'skopeo not installed';
const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function skopeoOk(s: ScratchSkopeo, args: string[]) {
  const r = await s.run(args);
  assert.equal(r.code, 0, `skopeo ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

test('skopeo writes oci / oci-archive / dir, berth reads them with the same digests', { skip }, async (t) => {
  const dir = tempDir(t, 'berth-oci-interop-');
  const s = await scratchSkopeo();
  t.after(s.cleanup);
  const img = await buildImage();
  const srcLayout = join(dir, 'src');
  writeLayout(srcLayout, [{ image: img, refName: 'v1' }]);

  await skopeoOk(s, ['copy', `oci:${srcLayout}:v1`, `oci:${join(dir, 'sk-oci')}:tag`]);
  await skopeoOk(s, ['copy', `oci:${srcLayout}:v1`, `oci:${join(dir, 'sk-oci')}:other`]);
  await skopeoOk(s, ['copy', `oci:${srcLayout}:v1`, `oci-archive:${join(dir, 'sk.tar')}:tag`]);
  await skopeoOk(s, ['copy', `oci:${srcLayout}:v1`, `dir:${join(dir, 'sk-dir')}`]);

  const store = openStore(t, join(dir, 'store'));
  const sources: [string, () => Promise<ImageSource>][] = [
    ['oci', () => openOciSource(new OciRef(join(dir, 'sk-oci'), 'tag'))],
    ['oci-archive', () => openOciArchiveSource(new OciArchiveRef(join(dir, 'sk.tar'), 'tag'))],
    ['dir', () => DirSource.open(new DirRef(join(dir, 'sk-dir')))],
  ];
  for (const [name, open] of sources) {
    const r = await copyIntoStore(await open(), store, `localhost/${name}:latest`);
    assert.equal(r.configDigest, img.configDigest, name);
    assert.equal(r.imageId, hex(img.configDigest), name);
    assert.equal(r.manifestDigest, img.manifestDigest, `${name}: skopeo kept the manifest as is`);
  }
  assert.deepEqual(
    (await listOciImages(join(dir, 'sk-oci'))).map((e) => e.refName),
    ['tag', 'other'],
  );
});

test('berth writes oci / oci-archive / dir, skopeo inspects and copies them', { skip }, async (t) => {
  const dir = tempDir(t, 'berth-oci-interop-');
  const s = await scratchSkopeo();
  t.after(s.cleanup);
  const img = await buildImage({ files: { 'etc/greeting': 'hi\n' } });
  const docker = await buildImage({ files: { 'docker.txt': 'v2s2\n' }, docker: true });
  writeLayout(join(dir, 'src'), [{ image: img, refName: 'v1' }]);
  writeLayout(join(dir, 'src-docker'), [{ image: docker, refName: 'v1' }]);
  const store = openStore(t, join(dir, 'store'));
  const id = (await copyIntoStore(await openOciSource(new OciRef(join(dir, 'src'), 'v1')), store)).imageId;
  const dockerId = (await copyIntoStore(await openOciSource(new OciRef(join(dir, 'src-docker'), 'v1')), store, 'localhost/docker:latest'))
    .imageId;

  const oci = await copyAndClose(storeSource(store, id), await openOciDestination(new OciRef(join(dir, 'b-oci'), 'tag')));
  const arch = await copyAndClose(storeSource(store, id), await openOciArchiveDestination(new OciArchiveRef(join(dir, 'b.tar'), 'tag')));
  const dirw = await copyAndClose(storeSource(store, id), await DirDestination.open(new DirRef(join(dir, 'b-dir'))));
  const dirDocker = await copyAndClose(storeSource(store, dockerId), await DirDestination.open(new DirRef(join(dir, 'b-dir-docker'))));
  const ociDocker = await copyAndClose(storeSource(store, dockerId), await openOciDestination(new OciRef(join(dir, 'b-oci'), 'converted')));
  assert.equal(dirDocker.manifestDigest, docker.manifestDigest);
  assert.notEqual(ociDocker.manifestDigest, docker.manifestDigest);

  const cases: [string, string, string][] = [
    [`oci:${join(dir, 'b-oci')}:tag`, oci.manifestDigest, img.configDigest],
    [`oci-archive:${join(dir, 'b.tar')}:tag`, arch.manifestDigest, img.configDigest],
    [`dir:${join(dir, 'b-dir')}`, dirw.manifestDigest, img.configDigest],
    [`dir:${join(dir, 'b-dir-docker')}`, dirDocker.manifestDigest, docker.configDigest],
    [`oci:${join(dir, 'b-oci')}:converted`, ociDocker.manifestDigest, docker.configDigest],
  ];
  let i = 0;
  for (const [ref, manifestDigest, configDigest] of cases) {
    const inspect = JSON.parse((await skopeoOk(s, ['inspect', ref])).stdout) as { Digest: string };
    assert.equal(inspect.Digest, manifestDigest, ref);
    const raw = (await skopeoOk(s, ['inspect', '--raw', ref])).stdoutBuf;
    assert.equal(sha(raw), manifestDigest, `${ref}: raw manifest`);
    const cfg = (await skopeoOk(s, ['inspect', '--config', '--raw', ref])).stdoutBuf;
    assert.equal(sha(cfg), configDigest, `${ref}: raw config`);
    const copyTo = join(dir, `copy${i++}`);
    await skopeoOk(s, ['copy', ref, `oci:${copyTo}:x`]);
    const back = await openOciSource(new OciRef(copyTo, 'x'));
    const m = await back.getManifest();
    await back.close();
    assert.equal(JSON.parse(m.bytes.toString()).config.digest, configDigest, `${ref}: copied by skopeo`);
  }
});

test('a multi-image oci-archive written by berth is readable by skopeo image by image', { skip }, async (t) => {
  const dir = tempDir(t, 'berth-oci-interop-');
  const s = await scratchSkopeo();
  t.after(s.cleanup);
  const a = await buildImage({ files: { a: 'a' } });
  const b = await buildImage({ files: { b: 'b' } });
  writeLayout(join(dir, 'a'), [{ image: a }]);
  writeLayout(join(dir, 'b'), [{ image: b }]);
  const archive = join(dir, 'multi.tar');
  const w = await OciArchiveWriter.open(archive);
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'a'))), w.newDestination('localhost/a:latest'));
  await copyAndClose(await openOciSource(new OciRef(join(dir, 'b'))), w.newDestination('localhost/b:latest'));
  await w.finish();
  for (const [name, img] of [
    ['localhost/a:latest', a],
    ['localhost/b:latest', b],
  ] as const) {
    const inspect = JSON.parse((await skopeoOk(s, ['inspect', `oci-archive:${archive}:${name}`])).stdout) as { Digest: string };
    assert.equal(inspect.Digest, img.manifestDigest, name);
  }
});
