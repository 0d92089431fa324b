/**
 * Short-name resolution against registries.conf files written to temp dirs. Behaviour follows
 * containers/image pkg/shortnames/shortnames.go (Resolve, ResolveLocally) and
 * pkg/sysregistriesv2/shortnames.go (alias cache); cases cite the c/image test they mirror
 * (pkg/shortnames/shortnames_test.go TestResolve*, sysregistriesv2/shortnames_test.go).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRegistriesConf, type RegistriesConf } from '../../../src/config/registries.js';
import {
  aliasCachePath,
  loadAliasCache,
  resolveLocalCandidates,
  resolveShortName,
  type ShortNameResolution,
} from '../../../src/config/shortnames.js';
import { formatReference } from '../../../src/reference/reference.js';
import { isBerthError } from '../../../src/errors.js';

const D = 'sha256:' + 'b'.repeat(64);
const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

interface Env {
  conf: RegistriesConf;
  cachePath: string;
  root: string;
}

function setup(registriesConf: string | undefined, cache?: string, dropIns: Record<string, string> = {}): Env {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shortnames-'));
  roots.push(root);
  const etc = path.join(root, 'etc');
  fs.mkdirSync(path.join(etc, 'registries.conf.d'), { recursive: true });
  if (registriesConf !== undefined) fs.writeFileSync(path.join(etc, 'registries.conf'), registriesConf);
  for (const [n, c] of Object.entries(dropIns)) fs.writeFileSync(path.join(etc, 'registries.conf.d', n), c);
  const cachePath = path.join(root, 'cache', 'containers', 'short-name-aliases.conf');
  if (cache !== undefined) {
    fs.mkdirSync(path.dirname(cachePath), { recursive: true });
    fs.writeFileSync(cachePath, cache);
  }
  const conf = loadRegistriesConf({ systemDir: etc, home: path.join(root, 'home'), env: {} });
  return { conf, cachePath, root };
}

const show = (r: ShortNameResolution) => r.candidates.map((c) => `${formatReference(c.ref)} [${c.origin}]`);

interface Case {
  name: string;
  /** c/image source the case comes from */
  from: string;
  conf?: string;
  dropIns?: Record<string, string>;
  cache?: string;
  input: string;
  tty?: boolean;
  want?: string[];
  error?: (string | RegExp)[];
}

const TWO = 'unqualified-search-registries = ["quay.io", "docker.io"]\n';

const cases: Case[] = [
  {
    name: 'fully-qualified name returned as is, :latest added',
    from: 'shortnames.go Resolve (!isShort)',
    conf: TWO,
    input: 'registry.example.com:5000/ns/img',
    want: ['registry.example.com:5000/ns/img:latest [fully-qualified]'],
  },
  {
    name: 'fully-qualified docker.io name normalized',
    from: 'shortnames.go parseUnnormalizedShortName',
    conf: TWO,
    input: 'docker.io/busybox:1',
    want: ['docker.io/library/busybox:1 [fully-qualified]'],
  },
  {
    name: 'localhost is fully qualified',
    from: 'shortnames.go parseUnnormalizedShortName',
    conf: TWO,
    input: 'localhost/img@' + D,
    want: [`localhost/img@${D} [fully-qualified]`],
  },
  {
    name: 'alias wins over search registries',
    from: 'shortnames_test.go TestResolve (aliases)',
    conf: TWO + '[aliases]\n"img" = "alias.example.com/ns/img"\n',
    input: 'img',
    want: ['alias.example.com/ns/img:latest [alias]'],
  },
  {
    name: 'alias: tag stripped for lookup and put back',
    from: 'shortnames.go splitUserInput',
    conf: TWO + '[aliases]\n"img" = "alias.example.com/ns/img"\n',
    input: 'img:1.2',
    want: ['alias.example.com/ns/img:1.2 [alias]'],
  },
  {
    name: 'alias: digest put back, no :latest',
    from: 'shortnames.go splitUserInput',
    conf: TWO + '[aliases]\n"img" = "alias.example.com/ns/img"\n',
    input: `img@${D}`,
    want: [`alias.example.com/ns/img@${D} [alias]`],
  },
  {
    name: 'alias: tag and digest both kept',
    from: 'shortnames.go splitUserInput',
    conf: TWO + '[aliases]\n"img" = "alias.example.com/ns/img"\n',
    input: `img:2@${D}`,
    want: [`alias.example.com/ns/img:2@${D} [alias]`],
  },
  {
    name: 'alias to docker.io normalized to library/',
    from: 'sysregistriesv2/shortnames.go parseShortNameValue',
    conf: '[aliases]\n"busybox" = "docker.io/busybox"\n',
    input: 'busybox',
    want: ['docker.io/library/busybox:latest [alias]'],
  },
  {
    name: 'namespaced short name alias',
    from: 'sysregistriesv2/shortnames.go validateShortName',
    conf: TWO + '[aliases]\n"ns/img" = "quay.io/ns/img"\n',
    input: 'ns/img:3',
    want: ['quay.io/ns/img:3 [alias]'],
  },
  {
    name: 'alias cache overrides registries.conf',
    from: 'sysregistriesv2/shortnames.go ResolveShortNameAlias',
    conf: TWO + '[aliases]\n"img" = "conf.example.com/img"\n',
    cache: '[aliases]\n"img" = "cache.example.com/img"\n',
    input: 'img:1',
    want: ['cache.example.com/img:1 [cache]'],
  },
  {
    name: 'empty cache value hides the registries.conf alias',
    from: 'sysregistriesv2/shortnames.go ResolveShortNameAlias (nil value)',
    conf: 'short-name-mode = "disabled"\n' + TWO + '[aliases]\n"img" = "conf.example.com/img"\n',
    cache: '[aliases]\n"img" = ""\n',
    input: 'img',
    want: ['quay.io/img:latest [search]', 'docker.io/library/img:latest [search]'],
  },
  {
    name: 'drop-in erases an alias with ""',
    from: 'sysregistriesv2/shortnames.go newShortNameAliasCache',
    conf: 'short-name-mode = "disabled"\n' + TWO + '[aliases]\n"img" = "conf.example.com/img"\n',
    dropIns: { 'x.conf': '[aliases]\n"img" = ""\n' },
    input: 'img',
    want: ['quay.io/img:latest [search]', 'docker.io/library/img:latest [search]'],
  },
  {
    name: 'drop-in overrides an alias',
    from: 'sysregistriesv2 updateWithConfigurationFrom',
    conf: TWO + '[aliases]\n"img" = "conf.example.com/img"\n',
    dropIns: { 'x.conf': '[aliases]\n"img" = "dropin.example.com/img"\n' },
    input: 'img',
    want: ['dropin.example.com/img:latest [alias]'],
  },
  {
    name: 'disabled: all search registries in order, tag kept',
    from: 'shortnames_test.go TestResolve (disabled)',
    conf: 'short-name-mode = "disabled"\n' + TWO,
    input: 'img:5',
    tty: true,
    want: ['quay.io/img:5 [search]', 'docker.io/library/img:5 [search]'],
  },
  {
    name: 'permissive without TTY: all candidates',
    from: 'shortnames.go Resolve (no TTY, permissive)',
    conf: 'short-name-mode = "permissive"\n' + TWO,
    input: 'img',
    want: ['quay.io/img:latest [search]', 'docker.io/library/img:latest [search]'],
  },
  {
    name: 'default mode is permissive',
    from: 'sysregistriesv2/shortnames.go defaultShortNameMode',
    conf: TWO,
    input: 'ns/img',
    want: ['quay.io/ns/img:latest [search]', 'docker.io/ns/img:latest [search]'],
  },
  {
    name: 'enforcing, one search registry: no ambiguity',
    from: 'shortnames.go Resolve (one candidate)',
    conf: 'short-name-mode = "enforcing"\nunqualified-search-registries = ["registry.example.com:5000"]\n',
    input: `img@${D}`,
    want: [`registry.example.com:5000/img@${D} [search]`],
  },
  {
    name: 'enforcing, several registries, no TTY: error naming the candidates',
    from: 'shortnames.go Resolve (no TTY, enforcing)',
    conf: 'short-name-mode = "enforcing"\n' + TWO,
    input: 'img',
    error: ['short-name resolution enforced but cannot prompt without a TTY', 'quay.io/img:latest', 'docker.io/library/img:latest'],
  },
  {
    name: 'no alias and no search registries: error naming the file',
    from: 'shortnames.go Resolve (len(unqualifiedSearchRegistries) == 0), image PR #1090',
    conf: 'short-name-mode = "enforcing"\n',
    input: 'img:3',
    error: [/^short-name "img:3" did not resolve to an alias and no unqualified-search registries are defined in ".*registries\.conf"$/],
  },
  {
    name: 'no registries.conf at all',
    from: 'shortnames.go Resolve (usrConfig == "")',
    conf: undefined,
    input: 'img',
    error: ['short-name "img" did not resolve to an alias and no containers-registries.conf(5) was found'],
  },
  { name: 'invalid short name', from: 'shortnames.go parseUnnormalizedShortName', conf: TWO, input: 'Img', error: ['must be lowercase'] },
];

for (const c of cases) {
  test(`resolveShortName: ${c.name} (${c.from})`, async () => {
    const env = setup(c.conf, c.cache, c.dropIns);
    const run = () => resolveShortName(c.input, env.conf, { isTTY: c.tty ?? false, cachePath: env.cachePath });
    if (c.error) {
      await assert.rejects(run, (e: unknown) => {
        assert.ok(isBerthError(e), String(e));
        for (const p of c.error!) {
          if (typeof p === 'string') assert.ok((e as Error).message.includes(p), `${(e as Error).message} lacks ${p}`);
          else assert.match((e as Error).message, p);
        }
        return true;
      });
    } else {
      const r = await run();
      assert.deepEqual(show(r), c.want);
      assert.equal(r.recordAlias, undefined);
    }
  });
}

test('error codes: SHORT_NAME for resolution failures, INVALID_REFERENCE for bad names', async () => {
  const e = setup('short-name-mode = "enforcing"\n' + TWO);
  await assert.rejects(resolveShortName('img', e.conf, { isTTY: false, cachePath: e.cachePath }), (x: unknown) =>
    isBerthError(x, 'SHORT_NAME'),
  );
  await assert.rejects(resolveShortName('img', e.conf, { isTTY: true, cachePath: e.cachePath }), (x: unknown) =>
    isBerthError(x, 'SHORT_NAME'),
  ); // TTY but no prompt callback
  await assert.rejects(resolveShortName('Img', e.conf, { isTTY: false, cachePath: e.cachePath }), (x: unknown) =>
    isBerthError(x, 'INVALID_REFERENCE'),
  );
});

test('descriptions name the alias origin or the search-registries file (shortnames.go Description)', async () => {
  const e = setup(TWO + '[aliases]\n"img" = "quay.io/img"\n');
  const file = path.join(e.root, 'etc', 'registries.conf');
  assert.equal(
    (await resolveShortName('img', e.conf, { isTTY: false, cachePath: e.cachePath })).description,
    `Resolved "img" as an alias (${file})`,
  );
  assert.equal(
    (await resolveShortName('other', e.conf, { isTTY: false, cachePath: e.cachePath })).description,
    `Resolving "other" using unqualified-search registries (${file})`,
  );
  assert.equal((await resolveShortName('quay.io/x', e.conf, { isTTY: false, cachePath: e.cachePath })).description, '');
});

// shortnames.go Resolve (TTY prompt) + PullCandidate.Record + sysregistriesv2 AddShortNameAlias.
for (const mode of ['enforcing', 'permissive']) {
  test(`${mode} with a TTY prompts; the choice is recorded in the alias cache and then used`, async () => {
    const e = setup(`short-name-mode = "${mode}"\n` + TWO);
    let shown: string[] = [];
    const r = await resolveShortName('img:7', e.conf, {
      isTTY: true,
      cachePath: e.cachePath,
      prompt: async (choices) => {
        shown = choices;
        return 1;
      },
    });
    assert.deepEqual(shown, ['quay.io/img:7', 'docker.io/library/img:7']);
    assert.deepEqual(show(r), ['docker.io/library/img:7 [search]']);
    assert.ok(r.recordAlias);
    assert.ok(!fs.existsSync(e.cachePath), 'nothing recorded before the pull succeeded');
    r.recordAlias!(r.candidates[0]!.ref);
    const st = fs.statSync(e.cachePath);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(e.cachePath)).mode & 0o777, 0o700);
    assert.deepEqual([...loadAliasCache(e.cachePath)], [['img', 'docker.io/library/img']]);
    assert.deepEqual(fs.readdirSync(path.dirname(e.cachePath)), ['short-name-aliases.conf'], 'no temp files left');
    const again = await resolveShortName('img', e.conf, { isTTY: false, cachePath: e.cachePath });
    assert.deepEqual(show(again), ['docker.io/library/img:latest [cache]']);
  });
}

test('recording keeps other cache entries', async () => {
  const e = setup('short-name-mode = "enforcing"\n' + TWO, '[aliases]\n"other" = "quay.io/other"\n');
  const r = await resolveShortName('img', e.conf, { isTTY: true, cachePath: e.cachePath, prompt: async () => 0 });
  r.recordAlias!(r.candidates[0]!.ref);
  assert.deepEqual(Object.fromEntries(loadAliasCache(e.cachePath)), { other: 'quay.io/other', img: 'quay.io/img' });
});

test('prompt declined or out of range → SHORT_NAME error', async () => {
  const e = setup('short-name-mode = "enforcing"\n' + TWO);
  await assert.rejects(resolveShortName('img', e.conf, { isTTY: true, cachePath: e.cachePath, prompt: async () => -1 }), (x: unknown) =>
    isBerthError(x, 'SHORT_NAME'),
  );
  await assert.rejects(
    resolveShortName('img', e.conf, {
      isTTY: true,
      cachePath: e.cachePath,
      prompt: async () => {
        throw new Error('^C');
      },
    }),
    (x: unknown) => isBerthError(x, 'SHORT_NAME'),
  );
});

test('a corrupt alias cache is a CONFIG error naming the cache file', async () => {
  const e = setup(TWO, '[aliases]\n"img" = "notqualified"\n');
  await assert.rejects(
    resolveShortName('img', e.conf, { isTTY: false, cachePath: e.cachePath }),
    (x: unknown) => isBerthError(x, 'CONFIG') && (x as Error).message.startsWith(e.cachePath + ': '),
  );
});

// sysregistriesv2/shortnames.go shortNameAliasesConfPath.
test('alias cache location: XDG_CACHE_HOME, ~/.cache, root, explicit', () => {
  const rootful = process.geteuid?.() === 0;
  const rootless = { _CONTAINERS_ROOTLESS_UID: '1000' };
  assert.equal(aliasCachePath({ cachePath: '/x/y.conf' }), '/x/y.conf');
  assert.equal(
    aliasCachePath({ env: { ...rootless, XDG_CACHE_HOME: '/xdg/cache' }, home: '/h' }),
    '/xdg/cache/containers/short-name-aliases.conf',
  );
  if (rootful) {
    assert.equal(aliasCachePath({ env: {}, home: '/h' }), '/var/cache/containers/short-name-aliases.conf');
    assert.equal(aliasCachePath({ env: rootless, home: '/h' }), '/h/.cache/containers/short-name-aliases.conf');
  } else {
    assert.equal(aliasCachePath({ env: {}, home: '/h' }), '/h/.cache/containers/short-name-aliases.conf');
  }
});

// shortnames.go ResolveLocally: alias, localhost/, then the search registries.
test('resolveLocalCandidates: alias, localhost, search registries', () => {
  const e = setup(TWO + '[aliases]\n"img" = "alias.example.com/img"\n');
  const got = resolveLocalCandidates('img:1', e.conf, { cachePath: e.cachePath }).map((c) => `${formatReference(c.ref)} [${c.origin}]`);
  assert.deepEqual(got, [
    'alias.example.com/img:1 [alias]',
    'localhost/img:1 [localhost]',
    'quay.io/img:1 [search]',
    'docker.io/library/img:1 [search]',
  ]);
  const none = setup(undefined);
  assert.deepEqual(
    resolveLocalCandidates('img', none.conf, { cachePath: none.cachePath }).map((c) => formatReference(c.ref)),
    ['localhost/img:latest'],
  );
});

// End to end: short name → candidates → pull sources (shortnames.go Resolve, then
// sysregistriesv2 FindRegistry / PullSourcesFromReference and docker_client.go's blocked check).
test('short name → candidates → pull sources: rewrite, wildcard, mirrors, blocked', async () => {
  const { pullSources } = await import('../../../src/config/registries.js');
  const e = setup(`
short-name-mode = "permissive"
unqualified-search-registries = ["blocked.example.com", "docker.io", "mirrored.example.net"]
[[registry]]
location = "blocked.example.com"
blocked = true
[[registry]]
prefix = "docker.io/library"
location = "hub-proxy.internal/library"
[[registry]]
prefix = "*.example.net"
location = ""
[[registry.mirror]]
location = "mirror.internal"
pull-from-mirror = "tag-only"
`);
  const r = await resolveShortName('img:1', e.conf, { isTTY: false, cachePath: e.cachePath });
  const plan = r.candidates.map((c) => {
    try {
      return pullSources(e.conf, c.ref).map((s) => formatReference(s.ref) + (s.mirror ? ' (mirror)' : ''));
    } catch (err) {
      return [isBerthError(err, 'BLOCKED_REGISTRY') ? 'BLOCKED' : String(err)];
    }
  });
  assert.deepEqual(plan, [
    ['BLOCKED'],
    ['hub-proxy.internal/library/img:1'],
    ['mirror.internal/img:1 (mirror)', 'mirrored.example.net/img:1'],
  ]);
});
