import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiarName,
  formatReference,
  isShortName,
  parseLocalReference,
  parseNormalizedReference,
  parseReferenceRaw,
  repositoryName,
  splitRepositoryTag,
  validateTag,
} from '../../../src/reference/index.js';
import { BerthError } from '../../../src/errors.js';
import { expectError } from '../../helpers/expect-error.js';

const HEX = 'f'.repeat(64);

/** Refused with docker/reference's (go-digest's) words exactly, bare as podman prints them. */
function rejects(input: string, re: RegExp) {
  assert.throws(
    () => parseNormalizedReference(input),
    expectError('INVALID_REFERENCE', re, (e) => {
      assert.match(e.message, new RegExp(`^${re.source}$`));
      assert.equal(e.subject, input);
    }),
    input,
  );
}

// catalogue section A (docker/reference reference_test.go)
test('empty name', () => rejects('', /repository name must have at least one component/));
test(':justtag', () => rejects(':justtag', /invalid reference format/));
test('@digest without a name', () => rejects(`@sha256:${HEX}`, /invalid reference format/));
test('Uppercase:tag', () => rejects('Uppercase:tag', /repository name must be lowercase/));
test('uppercase after a registry with a port', () => rejects('test:5000/Uppercase/lowercase:tag', /repository name must be lowercase/));
test('FOOBAR (podman save FOOBAR)', () => rejects('FOOBAR', /repository name must be lowercase/));
test('name over 255 characters', () => {
  const input = 'a/'.repeat(128) + 'a:tag';
  rejects(input, /repository name must not be more than 255 characters/);
  // 255 exactly is fine
  const ok = 'a/'.repeat(127) + 'a';
  assert.equal(ok.length, 255);
  assert.equal(parseReferenceRaw(ok).path, ok);
});
test('invalid characters', () => rejects('aa/asdf$$^/aa', /invalid reference format/));
test('space', () => rejects('a b', /invalid reference format/));
test('short digest (34 hex)', () => rejects(`repo@sha256:${'f'.repeat(34)}`, /invalid checksum digest length/));
test('digest too short for the pattern', () => rejects('repo@sha256:abc', /invalid reference format/));
test('unsupported digest algorithm', () => rejects(`validname@invaliddigest:${HEX}`, /unsupported digest algorithm/));
test('uppercase hex digest', () => rejects(`repo@sha256:${'F'.repeat(64)}`, /invalid checksum digest format/));
test('digest path traversal', () => rejects('repo@sha256:../../etc/passwd', /invalid reference format/));
test('tag of 129 characters', () => {
  rejects(`repo:${'a'.repeat(129)}`, /invalid reference format/);
  assert.equal(parseReferenceRaw(`repo:${'a'.repeat(128)}`).tag, 'a'.repeat(128));
  assert.throws(() => validateTag('a'.repeat(129)), /up to 128 characters/);
  assert.throws(() => validateTag('-a'), /not starting with/);
  assert.equal(validateTag('A_b.1-2'), 'A_b.1-2');
});
test('uppercase tags and registry names are allowed', () => {
  assert.deepEqual(parseNormalizedReference('lowercase:Uppercase'), { domain: 'docker.io', path: 'library/lowercase', tag: 'Uppercase' });
  assert.deepEqual(parseNormalizedReference('Test.Example.com:5000/foo:1'), { domain: 'Test.Example.com:5000', path: 'foo', tag: '1' });
});

test('normalization: docker.io/foo -> docker.io/library/foo', () => {
  assert.equal(formatReference(parseNormalizedReference('docker.io/foo')), 'docker.io/library/foo');
  assert.equal(formatReference(parseNormalizedReference('foo')), 'docker.io/library/foo');
  assert.equal(formatReference(parseNormalizedReference('foo:1')), 'docker.io/library/foo:1');
  assert.equal(formatReference(parseNormalizedReference('index.docker.io/foo')), 'docker.io/library/foo');
  assert.equal(formatReference(parseNormalizedReference('someone/foo:1')), 'docker.io/someone/foo:1');
  assert.equal(formatReference(parseNormalizedReference('docker.io/someone/foo')), 'docker.io/someone/foo');
  assert.equal(formatReference(parseNormalizedReference('quay.io/foo')), 'quay.io/foo');
});

test('localhost is a registry, and local names go under localhost/', () => {
  assert.deepEqual(parseNormalizedReference('localhost/foo:1'), { domain: 'localhost', path: 'foo', tag: '1' });
  assert.deepEqual(parseNormalizedReference('localhost:5000/foo'), { domain: 'localhost:5000', path: 'foo' });
  assert.equal(formatReference(parseLocalReference('foo')), 'localhost/foo:latest');
  assert.equal(formatReference(parseLocalReference('foo:1')), 'localhost/foo:1');
  assert.equal(formatReference(parseLocalReference('someone/foo:1')), 'localhost/someone/foo:1');
  assert.equal(formatReference(parseLocalReference('localhost/foo')), 'localhost/foo:latest');
  assert.equal(formatReference(parseLocalReference('docker.io/foo')), 'docker.io/library/foo:latest');
  assert.equal(formatReference(parseLocalReference('quay.io/a/b:2')), 'quay.io/a/b:2');
  assert.equal(
    formatReference(parseLocalReference(`foo@sha256:${HEX}`)),
    `localhost/foo@sha256:${HEX}`,
    'no tag added to a digest reference',
  );
});

test('short names', () => {
  assert.equal(isShortName('foo'), true);
  assert.equal(isShortName('someone/foo'), true);
  assert.equal(isShortName('localhost/foo'), false);
  assert.equal(isShortName('quay.io/foo'), false);
  assert.equal(isShortName('myhost:5000/foo'), false);
});

test('tag and digest together', () => {
  const r = parseNormalizedReference(`quay.io/a/b:1@sha256:${HEX}`);
  assert.deepEqual(r, { domain: 'quay.io', path: 'a/b', tag: '1', digest: `sha256:${HEX}` });
  assert.equal(formatReference(r), `quay.io/a/b:1@sha256:${HEX}`);
});

test('raw parsing keeps the name as given', () => {
  assert.deepEqual(parseReferenceRaw('foo/bar:1'), { domain: '', path: 'foo/bar', tag: '1' });
  assert.deepEqual(parseReferenceRaw('[::1]:5000/foo'), { domain: '[::1]:5000', path: 'foo' });
  assert.deepEqual(parseReferenceRaw('a.b-c__d/e'), { domain: 'a.b-c__d', path: 'e' });
});

test('path component grammar', () => {
  for (const ok of ['a', 'a-b', 'a--b', 'a_b', 'a__b', 'a.b', 'a0/b1/c2']) assert.doesNotThrow(() => parseReferenceRaw(ok), ok);
  for (const bad of ['-a', 'a-', 'a___b', 'a..b', '_a', 'a/', '/a', 'a//b']) assert.throws(() => parseReferenceRaw(bad), BerthError, bad);
});

test('familiar names drop docker.io and library/', () => {
  assert.equal(familiarName(parseNormalizedReference('docker.io/library/alpine:3')), 'alpine:3');
  assert.equal(familiarName(parseNormalizedReference('docker.io/someone/tool:1')), 'someone/tool:1');
  assert.equal(familiarName(parseNormalizedReference('quay.io/x/y:1')), 'quay.io/x/y:1');
});

test('every accepted reference has a lowercase path of valid components (random names, the path check skipped without uppercase)', () => {
  const PATH = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
  const alphabet = 'ab0Z.-_/:[]';
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  let accepted = 0;
  for (let i = 0; i < 50_000; i++) {
    let s = '';
    for (let n = 1 + (next() % 12); n > 0; n--) s += alphabet[next() % alphabet.length];
    let r;
    try {
      r = parseReferenceRaw(s);
    } catch {
      continue;
    }
    accepted++;
    assert.match(r.path, PATH, s);
    assert.equal(formatReference(r), s);
  }
  assert.ok(accepted > 1000, `${accepted} of the random names parsed`);
});

test('splitRepositoryTag gives what the full parse gives, and fails where it fails (random names, repeated repositories)', () => {
  const alphabet = 'ab0Z.-_/:[]@';
  const digest = `@sha256:${HEX}`;
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const outcome = (f: () => { repository: string; path: string; tag: string | undefined }) => {
    try {
      return f();
    } catch (e) {
      return (e as Error).message;
    }
  };
  let valid = 0;
  for (let i = 0; i < 40_000; i++) {
    let s = '';
    for (let n = 1 + (next() % 12); n > 0; n--) s += alphabet[next() % alphabet.length];
    if (next() % 8 === 0) s += digest;
    // the same repository again with another tag: the second answer comes from the memo
    for (const input of [s, `${s.replace(/:[^/]*$/, '')}:t${i % 3}`]) {
      const full = outcome(() => {
        const r = parseReferenceRaw(input);
        return { repository: repositoryName(r), path: r.path, tag: r.tag };
      });
      if (typeof full !== 'string') valid++;
      assert.deepEqual(
        outcome(() => splitRepositoryTag(input)),
        full,
        input,
      );
    }
  }
  assert.ok(valid > 5000, `${valid} of the random names parsed`);
  assert.deepEqual(splitRepositoryTag('localhost:5000/a/b:v1'), { repository: 'localhost:5000/a/b', path: 'a/b', tag: 'v1' });
  assert.deepEqual(splitRepositoryTag('localhost:5000/a/b'), { repository: 'localhost:5000/a/b', path: 'a/b', tag: undefined });
  assert.deepEqual(splitRepositoryTag('localhost:5000'), { repository: 'localhost', path: 'localhost', tag: '5000' });
  assert.deepEqual(splitRepositoryTag(`q.io/a:v${digest}`), { repository: 'q.io/a', path: 'a', tag: 'v' });
  assert.throws(() => splitRepositoryTag('q.io/A:v'), /repository name must be lowercase/);
});
