/**
 * registries.d's use-sigstore-attachments (containers-registries.d(5); containers/image
 * docker/registries_d.go useSigstoreAttachments): most specific namespace wins, then
 * default-docker; a namespace in two files, or YAML outside the supported subset, is an error.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRegistriesDSigstore, parseBlockYaml } from '../../../src/config/registries-d-sigstore.js';
import { expectError } from '../../helpers/expect-error.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registries-d-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
function dirWith(files: Record<string, string>): string {
  const d = path.join(root, String(n++));
  fs.mkdirSync(d);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
  return d;
}

test('most specific namespace, then default-docker; ports, quotes and comments', () => {
  const d = dirWith({
    'a.yaml': [
      '# signature storage',
      'default-docker:',
      '  lookaside: file:///var/lib/containers/sigstore',
      '  use-sigstore-attachments: true',
      'docker:',
      '  127.0.0.1:5000:   # a registry with a port',
      '    use-sigstore-attachments: false',
      "  '127.0.0.1:5000/team':",
      '    use-sigstore-attachments: "true"',
      '  quay.io/other:',
      '    lookaside: https://example.com/sigs # no attachment setting',
      '',
    ].join('\n'),
    'ignored.yml': 'docker: [not, read]\n',
  });
  const c = loadRegistriesDSigstore(d);
  assert.equal(c.useSigstoreAttachments('127.0.0.1:5000/app:1'), false);
  assert.equal(c.useSigstoreAttachments('127.0.0.1:5000/team/app:1'), true);
  assert.equal(c.useSigstoreAttachments('127.0.0.1:5000/team/app@sha256:' + 'a'.repeat(64)), true);
  assert.equal(c.useSigstoreAttachments('quay.io/other/x:1'), true, 'namespace without the key falls through to default-docker');
  assert.equal(c.useSigstoreAttachments('docker.io/library/alpine:3'), true);
  assert.equal(loadRegistriesDSigstore(path.join(root, 'missing')).useSigstoreAttachments('quay.io/a:1'), false);
});

test('a namespace defined in two files, a bad value and unsupported YAML are one-line CONFIG errors', () => {
  const two = dirWith({
    'a.yaml': 'docker:\n  quay.io:\n    use-sigstore-attachments: true\n',
    'b.yaml': 'docker:\n  quay.io:\n    lookaside: x\n',
  });
  assert.throws(
    () => loadRegistriesDSigstore(two),
    expectError('CONFIG', /"docker" namespace "quay.io" defined both in ".*a\.yaml" and ".*b\.yaml"/),
  );
  const bad = dirWith({ 'a.yaml': 'default-docker:\n  use-sigstore-attachments: maybe\n' });
  assert.throws(() => loadRegistriesDSigstore(bad), expectError('CONFIG', /use-sigstore-attachments: expected true or false, got "maybe"/));
  assert.throws(
    () => parseBlockYaml('docker: {quay.io: {}}\n', 'f.yaml'),
    expectError('CONFIG', /^f\.yaml:1: unsupported YAML value for "docker"$/),
  );
  assert.throws(() => parseBlockYaml('docker:\n  - a\n', 'f.yaml'), expectError('CONFIG', /^f\.yaml:2: unsupported YAML/));
  assert.throws(() => parseBlockYaml('a: 1\na: 2\n', 'f.yaml'), expectError('CONFIG', /^f\.yaml:2: duplicate key "a"$/));
});
