/** X-Registry-Auth / X-Registry-Config as Docker clients encode them (base64url JSON AuthConfig). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeRegistryAuth,
  decodeRegistryConfig,
  credentialsOf,
  authConfigOf,
  serverHost,
} from '../../../server/docker/transfer/registry-auth.js';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

test('X-Registry-Auth: base64url (docker CLI) and standard base64 (dockerode) both decode', () => {
  // a password whose base64 holds '+' / '/' ('?>' and '??' encode to them)
  const cfg = { username: 'bob', password: 'p??>:x', serveraddress: '127.0.0.1:5000' };
  for (const header of [b64url(cfg), b64(cfg)]) {
    const { config, invalid } = decodeRegistryAuth(header);
    assert.equal(invalid, undefined);
    assert.deepEqual(credentialsOf(config), { username: 'bob', password: 'p??>:x' });
    assert.equal(config?.serveraddress, '127.0.0.1:5000');
  }
});

test('X-Registry-Auth: absent, empty and "{}" carry no credentials; garbage is reported, never echoed', () => {
  assert.deepEqual(decodeRegistryAuth(undefined), {});
  assert.deepEqual(decodeRegistryAuth(''), {});
  assert.deepEqual(decodeRegistryAuth(Buffer.from('{}').toString('base64url')), {});
  const bad = decodeRegistryAuth('not base64 secret!');
  assert.equal(bad.config, undefined);
  assert.match(bad.invalid!, /^invalid X-Registry-Auth header: /);
  assert.doesNotMatch(bad.invalid!, /secret/);
  const notJson = decodeRegistryAuth(Buffer.from('user:secret').toString('base64url'));
  assert.equal(notJson.invalid, 'invalid X-Registry-Auth header: invalid JSON');
});

test('AuthConfig: Go matches keys case-insensitively; identity token first, then user/password, then auth', () => {
  assert.deepEqual(authConfigOf({ Username: 'u', PASSWORD: 'p', ServerAddress: 'h', other: 1, email: 3 }), {
    username: 'u',
    password: 'p',
    serveraddress: 'h',
  });
  assert.deepEqual(credentialsOf({ username: 'u', password: 'p', identitytoken: 'tok' }), { identityToken: 'tok' });
  assert.deepEqual(credentialsOf({ auth: Buffer.from('alice:se:cret').toString('base64') }), { username: 'alice', password: 'se:cret' });
  assert.equal(credentialsOf({ auth: Buffer.from('nocolon').toString('base64') }), undefined);
  assert.equal(credentialsOf({ registrytoken: 'x' }), undefined);
  assert.equal(credentialsOf(undefined), undefined);
  assert.equal(authConfigOf([1]), undefined);
  assert.equal(authConfigOf('x'), undefined);
});

test('X-Registry-Config: one AuthConfig per registry', () => {
  const m = decodeRegistryConfig(
    b64url({ '127.0.0.1:5000': { username: 'a', password: 'b' }, 'https://index.docker.io/v1/': { auth: 'eDp5' }, bad: 3 }),
  );
  assert.deepEqual([...m.keys()], ['127.0.0.1:5000', 'https://index.docker.io/v1/']);
  assert.deepEqual(credentialsOf(m.get('https://index.docker.io/v1/')), { username: 'x', password: 'y' });
  assert.equal(decodeRegistryConfig('%%%').size, 0);
  assert.equal(decodeRegistryConfig(undefined).size, 0);
});

test('serveraddress -> registry host', () => {
  assert.equal(serverHost('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(serverHost('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(serverHost('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(serverHost(''), 'docker.io');
});
