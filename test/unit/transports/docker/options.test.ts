import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getCredentials } from '../../../../src/auth/authfile.js';
import type { loadTlsMaterial } from '../../../../src/config/certs.js';
import { parseDockerRef, resolveCredentials, type DockerTransportOptions } from '../../../../src/transports/docker/index.js';

describe('docker transport options', () => {
  test('the auth file lookup and certs.d material plug in as they are (type check)', () => {
    const tls = undefined as unknown as ReturnType<typeof loadTlsMaterial>;
    const o: DockerTransportOptions = { credentials: (name) => getCredentials(name, { authfile: '/nonexistent/auth.json' }), tls };
    assert.equal(typeof o.credentials, 'function');
  });

  test('credentials resolver is asked with "registry/repository"', async () => {
    const ref = parseDockerRef('//quay.io/org/app:1');
    const asked: string[] = [];
    const c = await resolveCredentials(async (n) => {
      asked.push(n);
      return { username: 'u', password: 'p' };
    }, ref.name);
    assert.deepEqual(c, { username: 'u', password: 'p' });
    assert.deepEqual(asked, ['quay.io/org/app']);
    assert.deepEqual(await resolveCredentials({ identityToken: 't' }, ref.name), { identityToken: 't' });
    assert.equal(await resolveCredentials(undefined, ref.name), undefined);
  });
});
