/**
 * registries.d: directory lookup, merging of *.yaml files (a namespace defined twice is an
 * error), the most specific namespace winning, staging locations for writing, the older
 * sigstore/sigstore-staging keys, default-docker, use-sigstore-attachments and the built-in
 * default lookaside.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadRegistriesD,
  lookasideBaseURL,
  registriesDirPath,
  SYSTEM_REGISTRIES_D,
  usesSigstoreAttachments,
} from '../../../src/config/registries-d.js';
import { parseNormalizedReference } from '../../../src/reference/reference.js';
import { expectError } from '../../helpers/expect-error.js';

const ref = (s: string) => parseNormalizedReference(s);

describe('registries.d', () => {
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-regd-'));
  });
  after(() => fsp.rm(dir, { recursive: true, force: true }));

  async function confDir(name: string, files: Record<string, string>): Promise<string> {
    const d = path.join(dir, name);
    await fsp.mkdir(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) await fsp.writeFile(path.join(d, f), text);
    return d;
  }

  test('the directory: the one given, else ~/.config/containers/registries.d when it exists, else /etc', async () => {
    const home = path.join(dir, 'home');
    assert.equal(registriesDirPath({ home }), SYSTEM_REGISTRIES_D);
    await fsp.mkdir(path.join(home, '.config/containers/registries.d'), { recursive: true });
    assert.equal(registriesDirPath({ home }), path.join(home, '.config/containers/registries.d'));
    assert.equal(registriesDirPath({ home, dir: '/x' }), '/x');
  });

  test('files are merged; the most specific namespace wins; staging for writing', async () => {
    const d = await confDir('merged', {
      'a.yaml':
        'default-docker:\n  lookaside: file:///srv/default\ndocker:\n  example.com:\n    lookaside: https://sigs.example.com/base\n',
      'b.yaml': [
        'docker:',
        '  example.com/team:',
        '    lookaside: http://127.0.0.1:1/team',
        '    lookaside-staging: file:///srv/staging',
        '  example.com/team/app:v1:',
        '    sigstore: file:///srv/v1',
        '  old.example.com:',
        '    sigstore: file:///srv/old',
        '    sigstore-staging: file:///srv/old-staging',
        '    use-sigstore-attachments: true',
        '  "*.wild.example":',
        '    lookaside: file:///srv/wild',
        '    unknown-key: ignored',
      ].join('\n'),
      'ignored.yml': 'not: [valid',
    });
    const c = loadRegistriesD({ dir: d });
    const url = (r: string, w = false) => lookasideBaseURL(c, ref(r), w).href;
    assert.equal(url('example.com/other/x:1'), 'https://sigs.example.com/base/other/x');
    assert.equal(url('example.com/team/app:v2'), 'http://127.0.0.1:1/team/team/app');
    assert.equal(url('example.com/team/app:v2', true), 'file:///srv/staging/team/app');
    assert.equal(url('example.com/team/app:v1'), 'file:///srv/v1/team/app');
    assert.equal(url('example.com/team/app:v1', true), 'file:///srv/v1/team/app');
    assert.equal(url('old.example.com/a', true), 'file:///srv/old-staging/a');
    assert.equal(url('old.example.com/a'), 'file:///srv/old/a');
    assert.equal(url('registry.wild.example/p/q:1'), 'file:///srv/wild/p/q');
    assert.equal(url('quay.io/a/b:1'), 'file:///srv/default/a/b');
    assert.equal(url('busybox'), 'file:///srv/default/library/busybox');
    assert.equal(usesSigstoreAttachments(c, 'old.example.com/a:1'), true);
    assert.equal(usesSigstoreAttachments(c, 'example.com/a:1'), false);
  });

  test('nothing configured: the built-in default directory', async () => {
    const c = loadRegistriesD({ dir: path.join(dir, 'none') });
    const u = lookasideBaseURL(c, ref('example.com/a/b:1'), true, '/home/u');
    const euid = process.geteuid?.() ?? 0;
    assert.equal(u.href, euid === 0 ? 'file:///var/lib/containers/sigstore/a/b' : 'file:///home/u/.local/share/containers/sigstore/a/b');
  });

  test('a namespace or default-docker defined twice, bad YAML, mistyped values are errors naming the files', async () => {
    const twice = await confDir('twice', {
      'a.yaml': 'docker:\n  example.com:\n    lookaside: file:///a\n',
      'b.yaml': 'docker:\n  example.com:\n    lookaside: file:///b\n',
    });
    assert.throws(
      () => loadRegistriesD({ dir: twice }),
      expectError('CONFIG', /"docker" namespace "example.com" defined both in ".*a\.yaml" and ".*b\.yaml"/),
    );
    const twiceDefault = await confDir('twice-default', {
      'a.yaml': 'default-docker:\n  lookaside: file:///a\n',
      'b.yaml': 'default-docker:\n  lookaside: file:///b\n',
    });
    assert.throws(() => loadRegistriesD({ dir: twiceDefault }), expectError('CONFIG', /"default-docker" defined both in/));
    const bad = await confDir('bad', { 'x.yaml': 'docker: [unclosed\n' });
    assert.throws(() => loadRegistriesD({ dir: bad }), expectError('CONFIG', /x\.yaml:1: /));
    const dupKey = await confDir('dup', { 'x.yaml': 'docker:\n  a.com:\n  a.com:\n' });
    assert.throws(() => loadRegistriesD({ dir: dupKey }), expectError('CONFIG', /x\.yaml:3: duplicate key "a.com"/));
    const typed = await confDir('typed', { 'x.yaml': 'docker:\n  a.com:\n    use-sigstore-attachments: maybe\n' });
    assert.throws(
      () => loadRegistriesD({ dir: typed }),
      expectError('CONFIG', /use-sigstore-attachments: expected true or false, got "maybe"/),
    );
    const empty = await confDir('empty', { 'x.yaml': '', 'y.yaml': '# nothing\n' });
    assert.equal(loadRegistriesD({ dir: empty }).docker.size, 0);
  });
});
