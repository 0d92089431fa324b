import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatScope,
  insufficientScopes,
  mergeScopes,
  parseScope,
  parseWWWAuthenticate,
  scopeKey,
} from '../../../../src/transports/docker/auth-challenge.js';

describe('parseWWWAuthenticate', () => {
  test('docker Bearer challenge', () => {
    assert.deepEqual(
      parseWWWAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
        },
      ],
    );
  });

  test('Basic, case-insensitive scheme and parameter names, token values', () => {
    assert.deepEqual(parseWWWAuthenticate('BASIC Realm=registry'), [{ scheme: 'basic', params: { realm: 'registry' } }]);
  });

  test('several challenges in one header and across headers', () => {
    const chs = parseWWWAuthenticate(['Bearer realm="r1", service="s1", Basic realm="b"', 'Negotiate']);
    assert.deepEqual(
      chs.map((c) => c.scheme),
      ['bearer', 'basic', 'negotiate'],
    );
    assert.deepEqual(chs[0]!.params, { realm: 'r1', service: 's1' });
    assert.deepEqual(chs[1]!.params, { realm: 'b' });
  });

  test('quoted strings: escapes, commas, equals signs and spaces inside', () => {
    const [c] = parseWWWAuthenticate(
      'Bearer realm="https://a.example/t?x=1,y=2", error="insufficient_scope", scope="repository:a/b:pull repository:c:pull,push", note="say \\"hi\\" \\\\ there"',
    );
    assert.equal(c!.params['realm'], 'https://a.example/t?x=1,y=2');
    assert.equal(c!.params['scope'], 'repository:a/b:pull repository:c:pull,push');
    assert.equal(c!.params['note'], 'say "hi" \\ there');
  });

  test('first occurrence of a parameter wins; params do not leak into the next challenge', () => {
    const chs = parseWWWAuthenticate('Bearer realm="first", realm="second", Basic realm="b"');
    assert.equal(chs[0]!.params['realm'], 'first');
    assert.equal(chs[1]!.params['realm'], 'b');
  });

  test('junk and edge cases do not throw', () => {
    assert.deepEqual(parseWWWAuthenticate(undefined), []);
    assert.deepEqual(parseWWWAuthenticate(''), []);
    assert.deepEqual(parseWWWAuthenticate(',,  ,'), []);
    assert.deepEqual(parseWWWAuthenticate('Bearer'), [{ scheme: 'bearer', params: {} }]);
    assert.deepEqual(parseWWWAuthenticate('Bearer realm="unterminated'), [{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
    assert.deepEqual(parseWWWAuthenticate('Basic dXNlcjpwYXNz=='), [{ scheme: 'basic', params: {} }]);
    const weird = parseWWWAuthenticate('Bearer realm="a" junk, service=s');
    assert.equal(weird[0]!.params['realm'], 'a');
    assert.equal(weird[0]!.params['service'], 's');
  });
});

describe('scopes', () => {
  test('parse and format', () => {
    assert.deepEqual(parseScope('repository:library/alpine:pull,push'), {
      type: 'repository',
      name: 'library/alpine',
      actions: ['pull', 'push'],
    });
    assert.deepEqual(parseScope('repository:localhost:5000/a:pull'), { type: 'repository', name: 'localhost:5000/a', actions: ['pull'] });
    assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
    assert.equal(parseScope('nocolon'), undefined);
    assert.equal(parseScope('repository:name:'), undefined);
    assert.equal(parseScope('repository::pull'), undefined);
    assert.equal(formatScope({ type: 'repository', name: 'a/b', actions: ['push', 'pull', 'pull'] }), 'repository:a/b:pull,push');
  });

  test('merge unions actions per resource and sorts (a stable cache key)', () => {
    const a = [{ type: 'repository', name: 'x', actions: ['pull'] }];
    const b = [
      { type: 'repository', name: 'x', actions: ['push'] },
      { type: 'repository', name: 'a', actions: ['pull'] },
    ];
    assert.deepEqual(mergeScopes(a, b).map(formatScope), ['repository:a:pull', 'repository:x:pull,push']);
    assert.equal(scopeKey(mergeScopes(a, b)), scopeKey(mergeScopes(b, a)));
  });

  test('insufficient_scope challenges', () => {
    const chs = parseWWWAuthenticate('Bearer realm="r",error="insufficient_scope",scope="repository:a:pull repository:b:pull,push"');
    assert.deepEqual(insufficientScopes(chs)?.map(formatScope), ['repository:a:pull', 'repository:b:pull,push']);
    assert.equal(insufficientScopes(parseWWWAuthenticate('Bearer realm="r",error="invalid_token"')), undefined);
    assert.equal(insufficientScopes(parseWWWAuthenticate('Bearer realm="r",error="insufficient_scope"')), undefined);
  });
});
