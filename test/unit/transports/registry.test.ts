import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseImageName, splitTransport, transportOf, TRANSPORTS } from '../../../src/transports/registry.js';
import { buildContext } from '../../../src/config/context.js';
import { lookupImage } from '../../../src/images/lookup.js';
import { copyImage } from '../../../src/copy/copy.js';
import type { ImageReference, TransportContext } from '../../../src/transports/types.js';
import { buildImage, openStore, storeState, tempDir, writeLayout } from './oci-fixture.js';
import { expectError } from '../../helpers/expect-error.js';

test('registry: every transport parses its names; string form and policy.json scope', () => {
  const cases: [string, string, string, string][] = [
    // name, transport, string form, policy scope
    ['docker://quay.io/podman/hello', 'docker', 'docker://quay.io/podman/hello:latest', 'quay.io/podman/hello:latest'],
    [
      'docker://alpine@sha256:' + 'a'.repeat(64),
      'docker',
      'docker://docker.io/library/alpine@sha256:' + 'a'.repeat(64),
      'docker.io/library/alpine@sha256:' + 'a'.repeat(64),
    ],
    ['oci:/srv/layout:v1', 'oci', 'oci:/srv/layout:v1', '/srv/layout'],
    ['oci:rel/layout', 'oci', 'oci:rel/layout', resolve('rel/layout')],
    ['oci-archive:/srv/a.tar:img', 'oci-archive', 'oci-archive:/srv/a.tar:img', '/srv/a.tar'],
    ['dir:/srv/d', 'dir', 'dir:/srv/d', '/srv/d'],
    ['docker-archive:/srv/a.tar:foo:v1', 'docker-archive', 'docker-archive:/srv/a.tar:docker.io/library/foo:v1', ''],
    ['docker-archive:/srv/a.tar:@1', 'docker-archive', 'docker-archive:/srv/a.tar:@1', ''],
    ['containers-storage:[vfs@/x]alpine', 'containers-storage', 'containers-storage:[vfs@/x]alpine', ''],
  ];
  for (const [name, transport, str, scope] of cases) {
    const ref = parseImageName(name);
    assert.equal(ref.transport, transport, name);
    assert.equal(ref.toString(), str, name);
    assert.equal(ref.policyScope(), scope, name);
    assert.equal(typeof ref.newSource, 'function');
    assert.equal(typeof ref.newDestination, 'function');
  }
  assert.deepEqual([...TRANSPORTS], ['docker', 'docker-archive', 'oci-archive', 'oci', 'dir', 'containers-storage']);
});

test('registry: which transport a name means, or none (plain image names)', () => {
  assert.equal(transportOf('docker://alpine')?.name, 'docker');
  assert.equal(transportOf('oci-archive:/a.tar')?.name, 'oci-archive');
  assert.equal(transportOf('alpine:3.20'), undefined);
  assert.equal(transportOf('localhost:5000/x:1'), undefined);
  assert.equal(transportOf('docker'), undefined);
  assert.deepEqual(splitTransport('oci:/a:b'), { transport: 'oci', rest: '/a:b' });
  assert.throws(
    () => parseImageName('nope:x'),
    expectError('INVALID_REFERENCE', /^invalid image name "nope:x": expected TRANSPORT:LOCATION$/),
  );
  assert.throws(() => parseImageName('docker:alpine'), expectError('INVALID_REFERENCE', /invalid docker reference/));
  assert.throws(() => parseImageName('oci:'), expectError('INVALID_REFERENCE', /the path is empty/));
});

test('registry: references open themselves with the context; the store lookup is the injected one', async (t) => {
  const dir = tempDir(t);
  const img = await buildImage({ files: { 'r.txt': 'registry\n' } });
  writeLayout(join(dir, 'layout'), [{ image: img, refName: 'v1' }]);
  const store = openStore(t, join(dir, 'store'));
  const looked: string[] = [];
  const ctx = buildContext({
    store: () => store,
    lookupImage: (s, name) => {
      looked.push(name);
      return lookupImage(s, name);
    },
  });

  const copy = async (from: ImageReference, to: ImageReference, c: TransportContext) => {
    const src = await from.newSource(c);
    try {
      const opened = await to.newDestination(c);
      try {
        const r = await copyImage(src, opened.dest);
        await opened.dest.close();
        await opened.finish();
        return r;
      } catch (e) {
        await opened.dest.close();
        await opened.abort();
        throw e;
      }
    } finally {
      await src.close();
    }
  };
  const r1 = await copy(parseImageName(`oci:${join(dir, 'layout')}:v1`), parseImageName('containers-storage:reg/test:1'), ctx);
  assert.equal(r1.manifestDigest, img.manifestDigest);
  assert.deepEqual(store.getImage(r1.imageId)?.names, ['localhost/reg/test:1']);

  const r2 = await copy(parseImageName('containers-storage:[vfs@/elsewhere]reg/test:1'), parseImageName(`dir:${join(dir, 'out')}`), ctx);
  assert.deepEqual(looked, ['reg/test:1'], "the store spec is stripped; the lookup rule is the context's");
  assert.equal(r2.manifestDigest, img.manifestDigest);
  assert.deepEqual(readFileSync(join(dir, 'out', 'manifest.json')), img.manifest);

  // without a store in the context, containers-storage: is a clear error and nothing is touched
  const before = storeState(store);
  await assert.rejects(
    parseImageName('containers-storage:reg/test:1').newSource(buildContext()),
    expectError('INVALID_ARGUMENT', /containers-storage: needs a store/),
  );
  assert.equal(storeState(store), before);
});
