/**
 * registries.conf loading, merging, validation, prefix matching, mirrors and rewrites.
 * Cases follow containers/image pkg/sysregistriesv2/system_registries_v2_test.go (behaviour,
 * not text); each block names the c/image function or test it mirrors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  findRegistry,
  isBlockedRegistry,
  isInsecureRegistry,
  loadRegistriesConf,
  matchPrefix,
  pullSources,
  type RegistriesConf,
} from '../../../src/config/registries.js';
import { formatReference, parseNormalizedReference } from '../../../src/reference/reference.js';
import { isBerthError } from '../../../src/errors.js';
import { expectError } from '../../helpers/expect-error.js';

const D = 'sha256:' + 'a'.repeat(64);
const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** A scratch tree: <root>/etc (systemDir) and <root>/home; files given relative to root. */
function tree(files: Record<string, string>): { root: string; systemDir: string; home: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-regconf-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(root, 'home'), { recursive: true });
  return { root, systemDir: path.join(root, 'etc'), home: path.join(root, 'home') };
}

function load(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): RegistriesConf {
  const t = tree(files);
  return loadRegistriesConf({ systemDir: t.systemDir, home: t.home, env });
}

function conf(text: string): RegistriesConf {
  return load({ 'etc/registries.conf': text });
}

function configError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'CONFIG'), `expected CONFIG error, got ${String(e)}`);
    for (const p of parts) {
      if (typeof p === 'string')
        assert.ok((e as Error).message.includes(p), `message ${JSON.stringify((e as Error).message)} lacks ${JSON.stringify(p)}`);
      else assert.match((e as Error).message, p);
    }
    return true;
  });
}

const ref = (s: string) => parseNormalizedReference(s);
const srcs = (c: RegistriesConf, s: string) =>
  pullSources(c, ref(s)).map((x) => `${formatReference(x.ref)}${x.mirror ? ' (mirror)' : ''}${x.insecure ? ' (insecure)' : ''}`);

// c/image TestEmptyConfig / tryUpdatingCache: no files at all → defaults.
test('no registries.conf anywhere gives the defaults', () => {
  const c = load({});
  assert.deepEqual(c.unqualifiedSearchRegistries, []);
  assert.equal(c.shortNameMode, 'permissive');
  assert.deepEqual(c.registries, []);
  assert.deepEqual(c.aliases, {});
  assert.deepEqual(c.credentialHelpers, ['containers-auth.json']);
  assert.deepEqual(c.files, []);
});

// c/image TestRefMatchingPrefix / TestRefMatchingSubdomainPrefix (own selection of cases).
test('matchPrefix: separators, ports, wildcards', () => {
  const cases: [string, string, number][] = [
    ['docker.io', 'docker.io', 9],
    ['example.com:5000', 'example.com:5000', 16],
    ['example.com:50000', 'example.com:5000', -1],
    ['example.com:5000', 'example.com', 11], // c/image quirk kept for parity
    ['example.com/foo/bar:baz', 'example.com', 11],
    ['docker.io/libraryy', 'docker.io/library', -1],
    ['docker.io/library/busybox', 'docker.io/library', 17],
    ['example.com/foo', 'example.com/foo:bar', -1],
    ['example.com/foo:bar', 'example.com/foo:bar', 19],
    ['example.com/foo:bar2', 'example.com/foo:bar', -1],
    ['example.com/foo', '*', -1],
    ['sub.example.com/foo', '*.example.com', 15],
    ['a.sub.example.com:5000/foo', '*.example.com', 17],
    ['example.com/foo', '*.example.com', -1],
    ['example.net/ns-ends-in.com/foo', '*.com', -1],
    ['x.example.com/ns.other.com/foo', '*.other.com', -1],
    ['x.example.com/foo@' + D, '*.example.com', 13],
  ];
  for (const [r, p, want] of cases) assert.equal(matchPrefix(r, p), want, `${r} vs ${p}`);
});

// c/image TestFindRegistry: longest prefix wins, wildcards included.
test('findRegistry: longest prefix, wildcard subdomains', () => {
  const c = conf(`
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/ns"
location = "ns.example.com"
[[registry]]
prefix = "*.example.com"
location = "wild.internal"
[[registry]]
prefix = "*.sub.example.com"
location = ""
insecure = true
`);
  assert.equal(findRegistry(c, ref('example.com/x/y'))?.prefix, 'example.com');
  assert.equal(findRegistry(c, ref('example.com/ns/y'))?.prefix, 'example.com/ns');
  assert.equal(findRegistry(c, ref('a.example.com/ns/y'))?.prefix, '*.example.com');
  assert.equal(findRegistry(c, ref('a.sub.example.com/y'))?.prefix, '*.sub.example.com');
  assert.equal(findRegistry(c, ref('quay.io/y')), undefined);
  assert.equal(isInsecureRegistry(c, 'a.sub.example.com'), true);
  assert.equal(isInsecureRegistry(c, 'example.com'), false);
  assert.equal(isInsecureRegistry(c, 'unknown.io:5000'), false);
});

// c/image TestRewriteReferenceSuccess / TestPullSourcesFromReference.
test('pullSources: prefix rewrite, wildcard rewrite, empty-location wildcard', () => {
  const c = conf(`
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/mirror/foo"
[[registry]]
prefix = "docker.io/library"
location = "hub-cache.local:5000/library"
[[registry]]
prefix = "*.bar.io"
location = "omg.example.com/roflmao"
[[registry]]
prefix = "*.internal.example.net"
`);
  assert.deepEqual(srcs(c, 'example.com/foo/image:latest'), ['internal.example.com/mirror/foo/image:latest']);
  assert.deepEqual(srcs(c, 'example.com/foo@' + D), ['internal.example.com/mirror/foo@' + D]);
  assert.deepEqual(srcs(c, 'alpine:3'), ['hub-cache.local:5000/library/alpine:3']);
  assert.deepEqual(srcs(c, 'foo.bar.io/ns1/ns2'), ['omg.example.com/roflmao/ns1/ns2']);
  assert.deepEqual(srcs(c, 'abc.internal.example.net/foo:bar'), ['abc.internal.example.net/foo:bar']);
  assert.deepEqual(srcs(c, 'quay.io/unconfigured:1'), ['quay.io/unconfigured:1']);
});

// c/image TestRewriteReferenceFailedDuringParseNamed: a rewrite yielding an invalid name.
test('pullSources: rewrite producing an invalid reference is a CONFIG error', () => {
  const c = conf(`
[[registry]]
prefix = "example.com/foo"
location = "example.com"
`);
  configError(() => pullSources(c, ref('example.com/foo@' + D)), 'invalid reference', 'example.com@');
});

// c/image TestPullSourcesFromReference / TestMirrors: order, mirror-by-digest-only, pull-from-mirror.
test('pullSources: mirror order and pull-from-mirror / mirror-by-digest-only', () => {
  const c = conf(`
[[registry]]
prefix = "registry-a.com/foo"
location = "registry-a.com/bar"
[[registry.mirror]]
location = "mirror-1.registry-a.com"
[[registry.mirror]]
location = "mirror-2.registry-a.com"
insecure = true

[[registry]]
prefix = "registry-b.com/foo"
location = "registry-b.com/bar"
mirror-by-digest-only = true
[[registry.mirror]]
location = "mirror-1.registry-b.com"

[[registry]]
prefix = "registry-c.com/foo"
location = "registry-c.com/foo"
[[registry.mirror]]
location = "digest.registry-c.com"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "tag.registry-c.com"
pull-from-mirror = "tag-only"
[[registry.mirror]]
location = "all.registry-c.com"
pull-from-mirror = "all"
`);
  assert.deepEqual(srcs(c, 'registry-a.com/foo/image:1'), [
    'mirror-1.registry-a.com/image:1 (mirror)',
    'mirror-2.registry-a.com/image:1 (mirror) (insecure)',
    'registry-a.com/bar/image:1',
  ]);
  assert.deepEqual(srcs(c, 'registry-b.com/foo/image:1'), ['registry-b.com/bar/image:1']);
  assert.deepEqual(srcs(c, `registry-b.com/foo/image@${D}`), [
    `mirror-1.registry-b.com/image@${D} (mirror)`,
    `registry-b.com/bar/image@${D}`,
  ]);
  assert.deepEqual(srcs(c, 'registry-c.com/foo/image:1'), [
    'tag.registry-c.com/image:1 (mirror)',
    'all.registry-c.com/image:1 (mirror)',
    'registry-c.com/foo/image:1',
  ]);
  assert.deepEqual(srcs(c, `registry-c.com/foo/image@${D}`), [
    `digest.registry-c.com/image@${D} (mirror)`,
    `all.registry-c.com/image@${D} (mirror)`,
    `registry-c.com/foo/image@${D}`,
  ]);
});

// c/image docker/docker_client.go newDockerClient: every contacted endpoint is checked for "blocked".
test('blocked registries: primary refused, mirrors of a blocked registry still used (as podman)', () => {
  const c = conf(`
[[registry]]
location = "blocked.example.com"
blocked = true
[[registry]]
location = "blocked-with-mirror.example.com"
blocked = true
[[registry.mirror]]
location = "mirror.example.com"
[[registry]]
location = "ok.example.com"
[[registry.mirror]]
location = "blocked.example.com/mirror"
`);
  assert.throws(
    () => pullSources(c, ref('blocked.example.com/foo:1')),
    expectError('BLOCKED_REGISTRY', /blocked\.example\.com is blocked/),
  );
  assert.equal(isBlockedRegistry(c, ref('blocked.example.com/foo:1')), true);
  assert.equal(isBlockedRegistry(c, ref('ok.example.com/foo:1')), false);
  assert.deepEqual(srcs(c, 'blocked-with-mirror.example.com/foo:1'), ['mirror.example.com/foo:1 (mirror)']);
  // A mirror location that is itself blocked is skipped.
  assert.deepEqual(srcs(c, 'ok.example.com/foo:1'), ['ok.example.com/foo:1']);
});

// c/image TestRegistriesConfDirectory / dropInConfigs: alphanumeric order, later wins, registries replaced by prefix.
test('drop-ins: order, scalar override, [[registry]] replaced by prefix, aliases merged and erased', () => {
  const t = tree({
    'etc/registries.conf': `
unqualified-search-registries = ["base.example.com"]
short-name-mode = "enforcing"
[[registry]]
location = "base.example.com"
blocked = true
[[registry]]
location = "replaced.example.com"
insecure = true
[aliases]
"one" = "quay.io/one/one"
"two" = "quay.io/two/two"
`,
    'etc/registries.conf.d/10-first.conf': `
unqualified-search-registries = ["first.example.com"]
[[registry]]
location = "replaced.example.com"
[aliases]
"two" = ""
"three" = "docker.io/three"
`,
    'etc/registries.conf.d/2-second.conf': `
unqualified-search-registries = ["second.example.com", "third.example.com"]
`,
    'etc/registries.conf.d/ignored.conf.disabled': 'this is not TOML',
    'home/.config/containers/registries.conf.d/50-user.conf': `
short-name-mode = "disabled"
credential-helpers = ["secretservice", "containers-auth.json"]
`,
  });
  const c = loadRegistriesConf({ systemDir: t.systemDir, home: t.home, env: {} });
  // "10-first" sorts before "2-second" (byte order, like c/image's directory walk)
  assert.deepEqual(
    c.files.map((f) => path.relative(t.root, f)),
    [
      'etc/registries.conf',
      'etc/registries.conf.d/10-first.conf',
      'etc/registries.conf.d/2-second.conf',
      'home/.config/containers/registries.conf.d/50-user.conf',
    ],
  );
  assert.deepEqual(c.unqualifiedSearchRegistries, ['second.example.com', 'third.example.com']);
  assert.equal(c.searchRegistriesOrigin, path.join(t.root, 'etc/registries.conf.d/2-second.conf'));
  assert.equal(c.shortNameMode, 'disabled');
  assert.deepEqual(c.credentialHelpers, ['secretservice', 'containers-auth.json']);
  assert.equal(findRegistry(c, ref('base.example.com/x'))?.blocked, true);
  assert.equal(findRegistry(c, ref('replaced.example.com/x'))?.insecure, false);
  assert.deepEqual(c.aliases, { one: 'quay.io/one/one', three: 'docker.io/library/three' });
  assert.equal(c.aliasOrigins?.three, path.join(t.root, 'etc/registries.conf.d/10-first.conf'));
});

// c/image newConfigWrapperWithHomeDir: a user registries.conf hides the system file and system drop-ins.
test('user registries.conf: system file and system drop-ins are not read', () => {
  const t = tree({
    'etc/registries.conf': 'unqualified-search-registries = ["system.example.com"]\n',
    'etc/registries.conf.d/a.conf': 'short-name-mode = "enforcing"\n',
    'home/.config/containers/registries.conf': 'unqualified-search-registries = ["user.example.com"]\n',
    'home/.config/containers/registries.conf.d/b.conf': '[aliases]\n"x" = "quay.io/x"\n',
  });
  const c = loadRegistriesConf({ systemDir: t.systemDir, home: t.home, env: {} });
  assert.deepEqual(c.unqualifiedSearchRegistries, ['user.example.com']);
  assert.equal(c.shortNameMode, 'permissive');
  assert.deepEqual(c.aliases, { x: 'quay.io/x' });
  assert.equal(c.files.length, 2);
});

// c/image newConfigWrapperWithHomeDir with SystemRegistriesConfPath (podman: $CONTAINERS_REGISTRIES_CONF):
// the explicit file replaces registries.conf, but both drop-in dirs are still read (verified with podman 4.3).
test('CONTAINERS_REGISTRIES_CONF / explicit path: replaces the file, drop-ins still read; missing file is an error', () => {
  const t = tree({
    'etc/registries.conf': 'unqualified-search-registries = ["system.example.com"]\n',
    'etc/registries.conf.d/a.conf': '[aliases]\n"sys" = "quay.io/sys"\n',
    'home/.config/containers/registries.conf': 'unqualified-search-registries = ["user.example.com"]\n',
    'elsewhere.conf': 'unqualified-search-registries = ["explicit.example.com"]\n',
  });
  const explicit = path.join(t.root, 'elsewhere.conf');
  for (const o of [
    { env: { CONTAINERS_REGISTRIES_CONF: explicit } },
    { path: explicit, env: { CONTAINERS_REGISTRIES_CONF: '/nonexistent' } },
  ]) {
    const c = loadRegistriesConf({ systemDir: t.systemDir, home: t.home, ...o });
    assert.deepEqual(c.unqualifiedSearchRegistries, ['explicit.example.com']);
    assert.deepEqual(c.aliases, { sys: 'quay.io/sys' });
  }
  configError(
    () => loadRegistriesConf({ systemDir: t.systemDir, home: t.home, path: path.join(t.root, 'missing.conf'), env: {} }),
    'missing.conf',
    'no such file',
  );
});

// c/image TestV1BackwardsCompatibility / ConvertToV2.
test('v1 format is converted', () => {
  const c = conf(`
[registries.search]
registries = ["registry-a.com////", "registry-c.com", "registry-d.com"]
[registries.block]
registries = ["registry-b.com"]
[registries.insecure]
registries = ["registry-d.com", "registry-e.com", "registry-a.com"]
`);
  assert.deepEqual(c.unqualifiedSearchRegistries, ['registry-a.com', 'registry-c.com', 'registry-d.com']);
  assert.equal(findRegistry(c, ref('registry-b.com/x'))?.blocked, true);
  assert.equal(isInsecureRegistry(c, 'registry-a.com'), true);
  assert.equal(isInsecureRegistry(c, 'registry-e.com'), true);
  assert.equal(isInsecureRegistry(c, 'registry-c.com'), false);
});

// c/image TestMixingV1andV2, TestInvalidV2Configs, TestInvalidMirrorConfig, invalid-*.conf fixtures,
// TestRegistriesConfDirectory (drop-ins must be v2).
test('invalid files give CONFIG errors naming the file and the problem', () => {
  const cases: [string, string, (string | RegExp)[]][] = [
    [
      'mixing v1 and v2',
      'unqualified-search-registries = ["a.io"]\n[registries.search]\nregistries = ["b.io"]\n',
      ['mixing sysregistry v1/v2 is not supported'],
    ],
    ['mixing with empty arrays', 'unqualified-search-registries = []\n[registries.block]\nregistries = []\n', ['mixing sysregistry v1/v2']],
    ['bad short-name-mode', 'short-name-mode = "prompt"\n', ['invalid short-name-mode "prompt"']],
    ['wildcard with namespace', '[[registry]]\nprefix = "*.example.com/foo"\nlocation = "x.io"\n', ['*.example.com/foo', 'wildcard']],
    ['wildcard with port', '[[registry]]\nprefix = "*.example.com:5000"\nlocation = "x.io"\n', ['wildcard']],
    ['location and prefix unset', '[[registry]]\ninsecure = true\n', ['both location and prefix are unset']],
    ['non-wildcard prefix without location', '[[registry]]\nprefix = "example.com/foo"\n', ['location is unset']],
    ['scheme in location', '[[registry]]\nlocation = "https://example.com"\n', ['URI schemes are not supported']],
    [
      'mirror without location',
      '[[registry]]\nlocation = "example.com"\n[[registry.mirror]]\ninsecure = true\n',
      ['mirror location is unset'],
    ],
    [
      'digest-only + per-mirror setting',
      '[[registry]]\nlocation = "example.com"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.example.com"\npull-from-mirror = "tag-only"\n',
      ['mirror-by-digest-only', 'pull-from-mirror', 'm.example.com'],
    ],
    [
      'bad pull-from-mirror value',
      '[[registry]]\nlocation = "example.com"\n[[registry.mirror]]\nlocation = "m.example.com"\npull-from-mirror = "sometimes"\n',
      ['unsupported pull-from-mirror value "sometimes"'],
    ],
    ['pull-from-mirror on primary', '[[registry]]\nlocation = "example.com"\npull-from-mirror = "all"\n', ['non-mirror registry']],
    [
      'conflicting insecure',
      '[[registry]]\nprefix = "a.example.com/x"\nlocation = "example.com"\ninsecure = true\n[[registry]]\nprefix = "a.example.com/y"\nlocation = "example.com"\n',
      ["conflicting 'insecure'"],
    ],
    ['alias with tag', '[aliases]\n"foo" = "quay.io/foo:1"\n', ['invalid alias "quay.io/foo:1": must not contain tag']],
    ['alias with digest', `[aliases]\n"foo" = "quay.io/foo@${D}"\n`, ['must not contain digest']],
    ['alias not fully qualified', '[aliases]\n"foo" = "foo/bar"\n', ['must contain registry and repository']],
    [
      'alias name with registry',
      '[aliases]\n"quay.io/foo" = "quay.io/foo"\n',
      ['invalid short name "quay.io/foo": must not contain registry'],
    ],
    ['two bad aliases reported together', '[aliases]\n"a" = "quay.io/a:1"\n"b" = "b"\n', ['"quay.io/a:1"', 'invalid alias "b"']],
    [
      'search entry with namespace',
      'unqualified-search-registries = ["quay.io/ns"]\n',
      ['invalid unqualified-search-registries entry "quay.io/ns"'],
    ],
    ['wrong type', '[[registry]]\nlocation = "example.com"\ninsecure = "yes"\n', ['insecure must be true or false']],
  ];
  for (const [name, text, parts] of cases) {
    const t = tree({ 'etc/registries.conf': text });
    const file = path.join(t.systemDir, 'registries.conf');
    configError(() => loadRegistriesConf({ systemDir: t.systemDir, home: t.home, env: {} }), file + ': ', ...parts);
    void name;
  }
  // TOML that does not parse: podman's words first (sysregistriesv2), then the parser's, as "toml: line N: ..."
  for (const text of ['unqualified-search-registries = ["a.io"\n', 'short-name-mode = "enforcing"\nshort-name-mode = "disabled"\n']) {
    const t = tree({ 'etc/registries.conf': text });
    const file = path.join(t.systemDir, 'registries.conf');
    configError(
      () => loadRegistriesConf({ systemDir: t.systemDir, home: t.home, env: {} }),
      new RegExp(`^loading registries configuration ${JSON.stringify(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: toml: line \\d+: \\S`),
    );
  }
  const t = tree({ 'etc/registries.conf.d/old.conf': '[registries.search]\nregistries = ["a.io"]\n' });
  configError(() => loadRegistriesConf({ systemDir: t.systemDir, home: t.home, env: {} }), 'old.conf', 'v2 format');
});

// c/image postProcessRegistries: the first entry for a prefix wins within one file.
test('duplicate prefixes in one file: first wins', () => {
  const c = conf(
    '[[registry]]\nprefix = "example.com/a"\nlocation = "one.example.com"\n[[registry]]\nprefix = "example.com/a"\nlocation = "two.example.com"\n',
  );
  assert.equal(c.registries.length, 1);
  assert.equal(c.registries[0]!.location, 'one.example.com');
});
