import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../../../src/errors.js';
import { parseDockerRef, parseDockerTransportString, registryApiHost } from '../../../../src/transports/docker/reference.js';
import { expectError } from '../../../helpers/expect-error.js';

const D = 'sha256:' + 'a'.repeat(64);

describe('docker:// references', () => {
  test('normalized like docker, default tag latest', () => {
    const r = parseDockerRef('//busybox');
    assert.deepEqual(r.dockerReference, { domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
    assert.equal(r.toString(), 'docker://docker.io/library/busybox:latest');
    assert.equal(r.registry, 'docker.io');
    assert.equal(r.repository, 'library/busybox');
    assert.equal(r.name, 'docker.io/library/busybox');
    assert.equal(r.transport, 'docker');
  });

  test('registry with port, tag, digest, both', () => {
    assert.deepEqual(parseDockerRef('//127.0.0.1:5000/a/b:v1').dockerReference, { domain: '127.0.0.1:5000', path: 'a/b', tag: 'v1' });
    const byDigest = parseDockerRef(`//quay.io/x/y@${D}`);
    assert.deepEqual(byDigest.dockerReference, { domain: 'quay.io', path: 'x/y', digest: D });
    assert.equal(byDigest.tag, undefined);
    assert.equal(byDigest.digest, D);
    assert.deepEqual(parseDockerRef(`//quay.io/x/y:t@${D}`).dockerReference, { domain: 'quay.io', path: 'x/y', tag: 't', digest: D });
    assert.equal(parseDockerRef('//index.docker.io/foo').toString(), 'docker://docker.io/library/foo:latest');
  });

  test('requires "//" and a valid name', () => {
    for (const bad of [
      'busybox',
      '/busybox',
      '',
      '//',
      '//quay.io/Upper',
      '//a/b:' + 't'.repeat(129),
      `//a@sha256:${'a'.repeat(34)}`,
      '//a/b@sha256:../../etc/passwd',
    ]) {
      assert.throws(() => parseDockerRef(bad), expectError('INVALID_REFERENCE'), bad);
    }
    assert.throws(
      () => parseDockerRef('busybox'),
      (e) => isBerthError(e) && /"\/\/"/.test(e.hint ?? ''),
    );
  });

  test('full transport strings and the docker.io API host', () => {
    assert.equal(parseDockerTransportString('docker://quay.io/podman/hello').toString(), 'docker://quay.io/podman/hello:latest');
    assert.throws(() => parseDockerTransportString('oci:/x'), expectError('INVALID_REFERENCE'));
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('quay.io'), 'quay.io');
  });
});
