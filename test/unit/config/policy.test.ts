/**
 * policy.json: strict parsing (containers/image signature/policy_config.go,
 * policy_config_sigstore.go, signature/internal/json.go ParanoidUnmarshalJSONObject; cf.
 * policy_config_test.go) and scope precedence (signature/policy_eval.go requirementsForImageRef,
 * docker/policyconfiguration/naming.go, the transports' PolicyConfigurationNamespaces).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPolicy, parsePolicy, policyRequirementsFor, type Policy } from '../../../src/config/policy.js';

/** What the simple requirement types decide: 'reject' if any applicable one rejects, the first signature requirement type, else 'accept'. */
function evaluatePolicy(policy: Policy, transport: string, scope: string): 'accept' | 'reject' | { unsupported: string } {
  const { requirements } = policyRequirementsFor(policy, transport, scope);
  if (requirements.some((r) => r.type === 'reject')) return 'reject';
  const other = requirements.find((r) => r.type !== 'insecureAcceptAnything');
  return other ? { unsupported: other.type } : 'accept';
}
import { isBerthError } from '../../../src/errors.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const ACCEPT = '[{"type":"insecureAcceptAnything"}]';
const REJECT = '[{"type":"reject"}]';
const D = 'sha256:' + 'c'.repeat(64);

function bad(text: string, ...parts: string[]): void {
  assert.throws(
    () => parsePolicy(text, '/etc/containers/policy.json'),
    (e: unknown) => {
      assert.ok(isBerthError(e, 'CONFIG'), String(e));
      const m = (e as Error).message;
      assert.ok(m.startsWith('invalid policy in "/etc/containers/policy.json": '), m);
      assert.ok(!m.includes('\n'), m);
      const all = `${m} (${(e as { hint?: string }).hint ?? ''})`;
      for (const p of parts) assert.ok(all.includes(p), `${all} lacks ${p}`);
      return true;
    },
  );
}

// policy_config_test.go TestPolicyUnmarshalJSON & friends: duplicate / unknown / missing keys.
test('strict parsing: duplicate keys, unknown keys, missing default, bad shapes', () => {
  bad(`{"default": ${ACCEPT}, "default": ${REJECT}}`, 'Duplicate key "default"');
  bad(`{"default": ${ACCEPT}, "transports": {"docker": {"quay.io": ${ACCEPT}, "quay.io": ${REJECT}}}}`, 'Duplicate key "quay.io"');
  bad(`{"default": [{"type": "reject", "type": "reject"}]}`, 'Duplicate key "type"');
  bad(`{"default": ${ACCEPT}, "extra": 1}`, 'Unknown key "extra"');
  bad(`{"default": [{"type": "reject", "keyPath": "/x"}]}`, 'default[0]', 'Unknown key "keyPath"');
  bad(`{"transports": {}}`, 'Default policy is missing');
  bad(`{"default": null}`, 'Default policy is missing');
  bad(`{"default": []}`, 'must not be empty');
  bad(`{"default": ${ACCEPT}, "transports": {"docker": {"": []}}}`, 'transports.docker[""]', 'must not be empty');
  bad(`{"default": [{"type": "acceptEverything"}]}`, 'Unknown policy requirement type "acceptEverything"');
  bad(`{"default": [{}]}`, 'Unknown policy requirement type ""');
  bad(`[]`, 'expected a JSON object');
  bad(`{"default": ${ACCEPT}`, 'JSON');
  bad(`{"default": ${ACCEPT}, "transports": {"docker": []}}`, 'transports.docker', 'expected a JSON object');
});

test('signedBy / sigstoreSigned / signedBaseLayer validation', () => {
  const ok = [
    `{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k.gpg"}`,
    `{"type":"signedBy","keyType":"GPGKeys","keyPaths":["/a.gpg","/b.gpg"],"signedIdentity":{"type":"matchRepository"}}`,
    `{"type":"signedBy","keyType":"GPGKeys","keyData":"AAAA","signedIdentity":{"type":"exactReference","dockerReference":"quay.io/a/b:1"}}`,
    `{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io/a","signedPrefix":"example.com:5000"}}`,
    `{"type":"sigstoreSigned","keyPath":"/cosign.pub"}`,
    `{"type":"sigstoreSigned","keyDatas":["AAAA"],"rekorPublicKeyPath":"/rekor.pub"}`,
    `{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://issuer","subjectEmail":"a@b.c"},"rekorPublicKeyData":"AAAA"}`,
    `{"type":"sigstoreSigned","pki":{"caRootsPath":"/roots","subjectHostname":"example.com"}}`,
    `{"type":"signedBaseLayer","baseLayerIdentity":{"type":"exactRepository","dockerRepository":"quay.io/base"}}`,
  ];
  for (const r of ok) parsePolicy(`{"default":[${r}]}`, 'p.json');
  const wrong: [string, string][] = [
    [`{"type":"signedBy","keyType":"GPGKeys"}`, 'Exactly one of keyPath, keyPaths and keyData must be specified, none of them present'],
    [
      `{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","keyData":"AAAA"}`,
      'Exactly one of keyPath, keyPaths and keyData must be specified, more than one present',
    ],
    [`{"type":"signedBy","keyPath":"/a"}`, 'invalid keyType ""'],
    [`{"type":"signedBy","keyType":"PGP","keyPath":"/a"}`, 'invalid keyType "PGP"'],
    [`{"type":"signedBy","keyType":"GPGKeys","keyData":"not base64!"}`, 'expected base64-encoded data (at default[0].keyData'],
    [`{"type":"signedBy","keyType":"GPGKeys","keyPaths":[]}`, 'contains no entries'],
    [
      `{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","signedIdentity":{"type":"exactReference","dockerReference":"quay.io/a/b"}}`,
      'neither a tag nor a digest',
    ],
    [`{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","signedIdentity":{"type":"matchExact","extra":1}}`, 'Unknown key "extra"'],
    [
      `{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","signedIdentity":{"type":"remapIdentity","prefix":"quay.io/a:tag","signedPrefix":"x.io"}}`,
      'is not valid',
    ],
    [
      `{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","signedIdentity":{"type":"exactRepository"}}`,
      'dockerRepository not specified',
    ],
    [`{"type":"sigstoreSigned"}`, 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki must be specified, none present'],
    [
      `{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"i","subjectEmail":"e"}}`,
      'fulcio requires one of rekorPublicKeyPath',
    ],
    [
      `{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","caData":"AAAA","oidcIssuer":"i","subjectEmail":"e"},"rekorPublicKeyPath":"/r"}`,
      'caPath and caData cannot be used simultaneously',
    ],
    [`{"type":"sigstoreSigned","pki":{"caRootsPath":"/r","subjectEmail":"e"},"rekorPublicKeyPath":"/r"}`, 'not supported with pki'],
    [`{"type":"sigstoreSigned","pki":{"caRootsPath":"/r"}}`, 'at least one of subjectEmail and subjectHostname'],
    [`{"type":"sigstoreSigned","keyPath":"/k","rekorPublicKeyPath":"/a","rekorPublicKeyData":"AAAA"}`, 'at most one of rekorPublicKeyPath'],
    [`{"type":"signedBaseLayer"}`, 'baseLayerIdentity not specified'],
  ];
  for (const [r, msg] of wrong) bad(`{"default":[${r}]}`, msg);
});

// ValidatePolicyConfigurationScope of dir, oci, docker-archive, tarball, containers-storage, docker-daemon.
test('scopes are validated per transport', () => {
  bad(`{"default":${ACCEPT},"transports":{"dir":{"relative/path":${ACCEPT}}}}`, 'invalid scope "relative/path"', 'absolute path');
  bad(`{"default":${ACCEPT},"transports":{"oci":{"/":${ACCEPT}}}}`, 'invalid scope "/"');
  bad(`{"default":${ACCEPT},"transports":{"oci":{"/a/../b":${ACCEPT}}}}`, 'non-canonical', '/b');
  bad(`{"default":${ACCEPT},"transports":{"dir":{"/a/b/":${ACCEPT}}}}`, 'non-canonical');
  bad(`{"default":${ACCEPT},"transports":{"docker-archive":{"/x.tar":${ACCEPT}}}}`, 'does not support any scopes');
  bad(`{"default":${ACCEPT},"transports":{"tarball":{"x":${ACCEPT}}}}`, 'does not support any scopes');
  bad(`{"default":${ACCEPT},"transports":{"containers-storage":{"docker.io/x":${ACCEPT}}}}`, 'invalid scope');
  bad(`{"default":${ACCEPT},"transports":{"docker-daemon":{"${D}":${ACCEPT}}}}`, 'algo:digest');
  // docker and unknown transports accept any scope, as c/image does.
  parsePolicy(
    `{"default":${ACCEPT},"transports":{"docker":{"anything goes":${ACCEPT}},"future-transport":{"x":${ACCEPT}},"containers-storage":{"[overlay@/var/lib/containers/storage]docker.io/library/x":${ACCEPT}}}}`,
  );
});

// policy_eval.go requirementsForImageRef + naming.go DockerReferenceNamespaces.
test('docker scope precedence: most specific wins', () => {
  const scopes = ['quay.io/ns/repo:tag', 'quay.io/ns/repo', 'quay.io/ns', 'quay.io', '*.quay.io', '*.io', ''];
  const all: Record<string, unknown> = {};
  for (const s of scopes) all[s] = [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: `/keys/${s || 'transport-default'}` }];
  const policy = parsePolicy(JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: all } }));
  const table: [string, string | undefined][] = [
    ['quay.io/ns/repo:tag', 'quay.io/ns/repo:tag'],
    ['quay.io/ns/repo:other', 'quay.io/ns/repo'],
    [`quay.io/ns/repo@${D}`, 'quay.io/ns/repo'],
    ['quay.io/ns/other:1', 'quay.io/ns'],
    ['quay.io/elsewhere/x:1', 'quay.io'],
    ['sub.quay.io/x:1', '*.quay.io'],
    ['a.b.quay.io:5000/x:1', '*.quay.io'],
    ['ghcr.io/x:1', '*.io'],
    ['registry.example.com/x:1', ''],
    ['localhost:5000/x:1', ''],
  ];
  for (const [scope, want] of table) assert.equal(policyRequirementsFor(policy, 'docker', scope).scope, want, scope);
  // Other transports fall through to "default".
  assert.equal(policyRequirementsFor(policy, 'oci', '/x').scope, undefined);
  assert.deepEqual(policyRequirementsFor(policy, 'oci', '/x').requirements, [{ type: 'reject' }]);
});

test('path transports and containers-storage scopes', () => {
  const policy = parsePolicy(
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        dir: { '/srv/images': [{ type: 'insecureAcceptAnything' }] },
        oci: { '/srv/layouts/one': [{ type: 'insecureAcceptAnything' }], '/srv': [{ type: 'reject' }] },
        'docker-archive': { '': [{ type: 'insecureAcceptAnything' }] },
        'containers-storage': {
          '[overlay@/var/lib/containers/storage]quay.io/ns': [{ type: 'insecureAcceptAnything' }],
          '[/var/lib/containers/storage]': [{ type: 'reject' }],
        },
      },
    }),
  );
  assert.equal(evaluatePolicy(policy, 'dir', '/srv/images/a/b'), 'accept');
  assert.equal(evaluatePolicy(policy, 'dir', '/srv/other'), 'reject');
  assert.equal(evaluatePolicy(policy, 'oci', '/srv/layouts/one'), 'accept'); // the identity itself
  assert.equal(evaluatePolicy(policy, 'oci', '/srv/layouts/two'), 'reject');
  assert.equal(evaluatePolicy(policy, 'docker-archive', '/tmp/whatever.tar'), 'accept');
  assert.equal(evaluatePolicy(policy, 'containers-storage', '[overlay@/var/lib/containers/storage]quay.io/ns/img:1'), 'accept');
  assert.equal(
    evaluatePolicy(policy, 'containers-storage', `[overlay@/var/lib/containers/storage]docker.io/library/img:1@${'e'.repeat(64)}`),
    'reject',
  );
});

test('evaluatePolicy: accept, reject, unsupported signature requirements', () => {
  const policy = parsePolicy(
    JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: {
        docker: {
          'quay.io/signed': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }],
          'quay.io/sigstore': [{ type: 'sigstoreSigned', keyPath: '/k' }],
          'quay.io/blocked': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }, { type: 'reject' }],
          'docker.io': [{ type: 'reject' }],
        },
      },
    }),
  );
  assert.equal(evaluatePolicy(policy, 'docker', 'quay.io/free/x:1'), 'accept');
  assert.deepEqual(evaluatePolicy(policy, 'docker', 'quay.io/signed/x:1'), { unsupported: 'signedBy' });
  assert.deepEqual(evaluatePolicy(policy, 'docker', 'quay.io/sigstore:1'), { unsupported: 'sigstoreSigned' });
  assert.equal(evaluatePolicy(policy, 'docker', 'quay.io/blocked:1'), 'reject');
  assert.equal(evaluatePolicy(policy, 'docker', 'docker.io/library/alpine:latest'), 'reject');
});

// policy_config.go defaultPolicyPathWithHomeDir: user file, else system file.
test('loadPolicy: user file over system file; no file at all → the system path is missing (error); explicit missing → error', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-policy-'));
  roots.push(root);
  const home = path.join(root, 'home');
  const sys = path.join(root, 'etc');
  fs.mkdirSync(sys, { recursive: true });
  // containers/image: no policy file anywhere is an error naming the system file, never "accept everything"
  assert.throws(
    () => loadPolicy({ home, systemDir: sys }),
    (e: unknown) => isBerthError(e, 'CONFIG') && e.message === `open ${path.join(sys, 'policy.json')}: no such file or directory`,
  );

  fs.writeFileSync(path.join(sys, 'policy.json'), `{"default": ${REJECT}}`);
  const p1 = loadPolicy({ home, systemDir: sys });
  assert.equal(p1.path, path.join(sys, 'policy.json'));
  assert.equal(evaluatePolicy(p1, 'docker', 'quay.io/x:1'), 'reject');

  fs.mkdirSync(path.join(home, '.config/containers'), { recursive: true });
  fs.writeFileSync(path.join(home, '.config/containers/policy.json'), `{"default": ${ACCEPT}}`);
  assert.equal(evaluatePolicy(loadPolicy({ home, systemDir: sys }), 'docker', 'quay.io/x:1'), 'accept');

  assert.throws(
    () => loadPolicy({ path: path.join(root, 'nope.json') }),
    (e: unknown) =>
      isBerthError(e, 'CONFIG') &&
      (e as Error).message.includes('nope.json') &&
      (e as Error).message === `open ${path.join(root, 'nope.json')}: no such file or directory`,
  );
  fs.writeFileSync(path.join(root, 'dup.json'), `{"default": ${ACCEPT}, "default": ${REJECT}}`);
  assert.throws(
    () => loadPolicy({ path: path.join(root, 'dup.json') }),
    (e: unknown) =>
      isBerthError(e, 'CONFIG') && (e as Error).message.includes('dup.json') && (e as Error).message.includes('Duplicate key "default"'),
  );
});

test('the policy.json podman ships parses', () => {
  const shipped = `{
    "default": [{ "type": "insecureAcceptAnything" }],
    "transports": {
      "docker": {
        "registry.access.redhat.com": [{ "type": "signedBy", "keyType": "GPGKeys", "keyPaths": ["/etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release", "/etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-beta"] }]
      },
      "docker-daemon": { "": [{ "type": "insecureAcceptAnything" }] }
    }
  }`;
  const p = parsePolicy(shipped);
  assert.deepEqual(evaluatePolicy(p, 'docker', 'registry.access.redhat.com/ubi9:latest'), { unsupported: 'signedBy' });
  if (fs.existsSync('/etc/containers/policy.json')) loadPolicy({ path: '/etc/containers/policy.json' }); // read-only
});
