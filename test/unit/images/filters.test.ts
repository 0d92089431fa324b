/**
 * Table-driven tests of every `images --filter` key and of combinations.
 *
 * Expected results follow podman's semantics as coded in containers/common
 * `libimage/filters.go` (compileImageFilters, filterReferences, imageMatchesReferenceFilter,
 * filterDangling/filterIntermediate → `image.go` isDangling/isIntermediate, filterID,
 * filterDigest, filterAfter/filterBefore, containers/readonly/manifest) and
 * `pkg/filters/filters.go` (MatchLabelFilters, label key wildcards), `pkg/timetype`
 * (until values), plus podman's `pkg/domain/infra/abi/images_list.go` (intermediate=false
 * unless --all) and the man page podman-images.1.md.in. Repeated keys are AND-ed (podman 5,
 * containers/common commit "Fix Image.applyFilters to do an AND logic"), except `reference`
 * whose positive values are OR-ed and negative ones AND-ed.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../src/store/store.js';
import { isBerthError } from '../../../src/errors.js';
import { listImages } from '../../../src/images/list.js';
import { compilePathPattern, nameFormsMatch, pathMatch, matchLabelFilter, referenceCandidates } from '../../../src/images/filters.js';
import { writeImage, writeParentAndChild } from './fixture.js';

const root = mkdtempSync(join(tmpdir(), 'berth-filters-'));
const store = Store.open({ root });
process.on('exit', () => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

const ids: Record<string, string> = {};
const byId = new Map<string, string>();
let appManifest = '';
let recentCreated = '';

before(async () => {
  const put = async (name: string, spec: Parameters<typeof writeImage>[1]) => {
    const w = await writeImage(store, spec);
    ids[name] = w.id;
    byId.set(w.id, name);
    return w;
  };
  await put('alpine', {
    names: ['docker.io/library/alpine:3.19', 'docker.io/library/alpine:latest'],
    created: '2024-01-01T00:00:00Z',
    labels: { maintainer: 'alpine team', 'org.opencontainers.image.version': '3.19' },
  });
  await put('busybox', { names: ['docker.io/library/busybox:1.36'], created: '2024-02-01T00:00:00Z', labels: { tier: 'base' } });
  const app = await put('app', {
    names: ['quay.io/acme/app:v1', 'localhost/app:dev'],
    created: '2024-03-01T12:00:00Z',
    labels: { tier: 'frontend', 'com.acme/team': 'web' },
  });
  appManifest = app.manifestDigest;
  await put('appV2', { names: ['quay.io/acme/app:v2'], created: '2024-03-02T00:00:00Z', labels: { tier: 'frontend' } });
  const tool = await put('tool', { created: '2023-01-01T00:00:00Z' });
  store.addNames(tool.id, [`quay.io/acme/tool@${tool.manifestDigest}`]);
  await put('dangling', { created: '2024-04-01T00:00:00Z', labels: { tier: 'base' } });
  const pc = await writeParentAndChild(store, { childNames: ['localhost/child:1'], created: '2023-06-01T00:00:00Z' });
  ids.parent = pc.parent.id;
  byId.set(pc.parent.id, 'parent');
  ids.child = pc.child.id;
  byId.set(pc.child.id, 'child');
  recentCreated = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await put('recent', { names: ['localhost/recent:latest'], created: recentCreated });
});

const ALL = ['alpine', 'busybox', 'app', 'appV2', 'tool', 'dangling', 'parent', 'child', 'recent'];
const without = (...x: string[]) => ALL.filter((n) => !x.includes(n));

function run(filters: string[], all = true): string[] {
  return listImages(store, { filters, all })
    .images.map((i) => byId.get(i.row.id)!)
    .sort();
}

interface Case {
  name: string;
  filters: () => string[];
  all?: boolean;
  want: string[];
}

const cases: Case[] = [
  { name: 'no filter, --all', filters: () => [], want: ALL },
  { name: 'no filter, default hides intermediate images (images_list.go)', filters: () => [], all: false, want: without('parent') },
  // dangling / intermediate (image.go: dangling = no names and no children; intermediate = no names, children)
  { name: 'dangling=true', filters: () => ['dangling=true'], want: ['dangling'] },
  { name: 'dangling=false', filters: () => ['dangling=false'], want: without('dangling') },
  { name: 'dangling=1 (strconv.ParseBool)', filters: () => ['dangling=1'], want: ['dangling'] },
  { name: 'dangling!=true (negation)', filters: () => ['dangling!=true'], want: without('dangling') },
  { name: 'intermediate=true', filters: () => ['intermediate=true'], want: ['parent'] },
  { name: 'intermediate=false', filters: () => ['intermediate=false'], want: without('parent') },
  {
    name: 'intermediate=true without --all (user filter replaces the default)',
    filters: () => ['intermediate=true'],
    all: false,
    want: ['parent'],
  },
  { name: 'dangling=true without --all', filters: () => ['dangling=true'], all: false, want: ['dangling'] },
  // label (MatchLabelFilters)
  { name: 'label=KEY', filters: () => ['label=tier'], want: ['app', 'appV2', 'busybox', 'dangling'] },
  { name: 'label=KEY=VALUE', filters: () => ['label=tier=frontend'], want: ['app', 'appV2'] },
  { name: 'label=KEY= (empty value: any value)', filters: () => ['label=tier='], want: ['app', 'appV2', 'busybox', 'dangling'] },
  { name: 'label value with spaces', filters: () => ['label=maintainer=alpine team'], want: ['alpine'] },
  { name: 'label key wildcard', filters: () => ['label=org.opencontainers.*'], want: ['alpine'] },
  { name: 'label key wildcard with a slash in the key', filters: () => ['label=com.acme/*'], want: ['app'] },
  { name: 'label twice: AND', filters: () => ['label=tier=frontend', 'label=com.acme/team'], want: ['app'] },
  { name: 'label twice with different values of one key: AND, none', filters: () => ['label=tier=frontend', 'label=tier=base'], want: [] },
  { name: 'label!=KEY', filters: () => ['label!=tier'], want: ['alpine', 'child', 'parent', 'recent', 'tool'] },
  { name: 'label!=KEY=VALUE', filters: () => ['label!=tier=frontend'], want: without('app', 'appV2') },
  { name: 'label and label!', filters: () => ['label=tier', 'label!=tier=base'], want: ['app', 'appV2'] },
  // before / since / after (filterBefore/filterAfter on the referenced image's creation time, strict)
  { name: 'before=NAME', filters: () => ['before=docker.io/library/busybox:1.36'], want: ['alpine', 'child', 'parent', 'tool'] },
  { name: 'before=ID prefix', filters: () => [`before=${ids.busybox!.slice(0, 12)}`], want: ['alpine', 'child', 'parent', 'tool'] },
  { name: 'since=short name', filters: () => ['since=alpine:3.19'], want: ['app', 'appV2', 'busybox', 'dangling', 'recent'] },
  { name: 'after= is since=', filters: () => ['after=alpine:3.19'], want: ['app', 'appV2', 'busybox', 'dangling', 'recent'] },
  { name: 'since and before', filters: () => ['since=alpine:latest', 'before=quay.io/acme/app:v2'], want: ['app', 'busybox'] },
  // until (timetype.GetTimestamp: duration, RFC 3339, Unix)
  { name: 'until=RFC 3339', filters: () => ['until=2024-02-15T00:00:00Z'], want: ['alpine', 'busybox', 'child', 'parent', 'tool'] },
  { name: 'until=RFC 3339 with offset', filters: () => ['until=2024-02-01T01:00:00+01:00'], want: ['alpine', 'child', 'parent', 'tool'] },
  {
    name: 'until=Unix seconds',
    filters: () => [`until=${Date.UTC(2024, 1, 15) / 1000}`],
    want: ['alpine', 'busybox', 'child', 'parent', 'tool'],
  },
  {
    name: 'until=Unix seconds with fraction',
    filters: () => [`until=${Date.UTC(2024, 1, 1) / 1000}.5`],
    want: ['alpine', 'busybox', 'child', 'parent', 'tool'],
  },
  { name: 'until=duration excludes the image created 10 minutes ago', filters: () => ['until=30m'], want: without('recent') },
  { name: 'until=duration includes it', filters: () => ['until=1s'], want: ALL },
  { name: 'until=Go duration with units mixed', filters: () => ['until=1h0m30s'], want: without('recent') },
  // id (prefix), digest (prefix of any digest, must start with sha256:)
  { name: 'id=PREFIX', filters: () => [`id=${ids.app!.slice(0, 10)}`], want: ['app'] },
  { name: 'id=FULL', filters: () => [`id=${ids.app}`], want: ['app'] },
  { name: 'id twice: AND (podman 5)', filters: () => [`id=${ids.app!.slice(0, 10)}`, `id=${ids.alpine!.slice(0, 10)}`], want: [] },
  { name: 'id!=', filters: () => [`id!=${ids.app}`], want: without('app') },
  { name: 'digest=sha256:PREFIX', filters: () => [`digest=${appManifest.slice(0, 20)}`], want: ['app'] },
  // reference (path.Match over name forms; positive OR, negative AND; lookup by name first)
  { name: 'reference=bare name', filters: () => ['reference=alpine'], want: ['alpine'] },
  { name: 'reference=fully qualified', filters: () => ['reference=docker.io/library/alpine:latest'], want: ['alpine'] },
  { name: 'reference=path', filters: () => ['reference=library/busybox'], want: ['busybox'] },
  { name: 'reference=name:tag', filters: () => ['reference=app:v1'], want: ['app'] },
  { name: 'reference=glob over tags', filters: () => ['reference=app:v*'], want: ['app', 'appV2'] },
  { name: 'reference=bare name matching several repos', filters: () => ['reference=app'], want: ['app', 'appV2'] },
  { name: 'reference=glob with a registry component', filters: () => ['reference=*/acme/*'], want: ['app', 'appV2', 'tool'] },
  { name: 'reference=* does not cross "/"', filters: () => ['reference=*acme*'], want: [] },
  { name: 'reference=digest-only name', filters: () => ['reference=tool'], want: ['tool'] },
  { name: 'reference=ID (found by lookup)', filters: () => [`reference=${ids.busybox!.slice(0, 12)}`], want: ['busybox'] },
  { name: 'reference twice: OR', filters: () => ['reference=app', 'reference=busybox'], want: ['app', 'appV2', 'busybox'] },
  { name: 'reference!=', filters: () => ['reference!=acme/*'], want: without('app', 'appV2', 'tool') },
  { name: 'reference and reference!=', filters: () => ['reference=app', 'reference!=*:v2'], want: ['app'] },
  {
    name: 'reference!= twice: AND of negatives',
    filters: () => ['reference!=alpine', 'reference!=busybox'],
    want: without('alpine', 'busybox'),
  },
  { name: 'reference=no match', filters: () => ['reference=nothing'], want: [] },
  { name: 'reference=[ab]pp character class', filters: () => ['reference=[ab]pp:v1'], want: ['app'] },
  { name: 'reference=malformed pattern matches nothing', filters: () => ['reference=app[:v1'], want: [] },
  // readonly / manifest / containers (berth: never read-only, never a manifest list, no containers)
  { name: 'readonly=false', filters: () => ['readonly=false'], want: ALL },
  { name: 'readonly=true', filters: () => ['readonly=true'], want: [] },
  { name: 'manifest=false', filters: () => ['manifest=false'], want: ALL },
  { name: 'manifest=true', filters: () => ['manifest=true'], want: [] },
  { name: 'containers=false', filters: () => ['containers=false'], want: ALL },
  { name: 'containers=true', filters: () => ['containers=true'], want: [] },
  { name: 'containers=external (all of zero containers are external)', filters: () => ['containers=external'], want: ALL },
  // combinations across keys: AND
  { name: 'label + since', filters: () => ['label=tier=frontend', 'since=docker.io/library/busybox:1.36'], want: ['app', 'appV2'] },
  {
    name: 'label + since + until',
    filters: () => ['label=tier=frontend', 'since=docker.io/library/busybox:1.36', 'until=2024-03-01T23:00:00Z'],
    want: ['app'],
  },
  { name: 'dangling + label', filters: () => ['dangling=true', 'label=tier'], want: ['dangling'] },
  { name: 'reference + label', filters: () => ['reference=*/acme/*', 'label=tier'], want: ['app', 'appV2'] },
  {
    name: 'dangling=false + reference!= + until',
    filters: () => ['dangling=false', 'reference!=app', 'until=2024-12-31T00:00:00Z'],
    want: ['alpine', 'busybox', 'child', 'parent', 'tool'],
  },
  { name: 'same boolean twice with the same value is fine', filters: () => ['dangling=true', 'dangling=true'], want: ['dangling'] },
];

for (const c of cases) {
  test(`filter: ${c.name}`, () => {
    assert.deepEqual(run(c.filters(), c.all ?? true), [...c.want].sort());
  });
}

test('a single fully qualified reference narrows the names shown (filterReferences ephemeral names)', () => {
  const r = listImages(store, { filters: ['reference=docker.io/library/alpine:latest'] });
  assert.deepEqual(
    r.images.map((i) => i.names),
    [['docker.io/library/alpine:latest']],
  );
  const short = listImages(store, { filters: ['reference=alpine'] });
  assert.deepEqual(
    short.images.map((i) => i.names),
    [['docker.io/library/alpine:3.19', 'docker.io/library/alpine:latest']],
  );
  const two = listImages(store, { filters: ['reference=docker.io/library/alpine:latest', 'reference=busybox'] });
  assert.equal(two.images.find((i) => i.row.id === ids.alpine)!.names.length, 2, 'with two reference filters all names stay');
});

interface ErrCase {
  name: string;
  filters: string[];
  re: RegExp;
}
const errors: ErrCase[] = [
  { name: 'unknown key', filters: ['bogus=1'], re: /^unsupported image filter "bogus"$/ },
  { name: 'no "="', filters: ['dangling'], re: /^invalid image filter "dangling": must be in the format/ },
  {
    name: 'non-boolean',
    filters: ['dangling=maybe'],
    re: /^non-boolean value "dangling" for maybe filter: strconv.ParseBool: parsing "maybe": invalid syntax$/,
  },
  {
    name: 'boolean key twice with different values',
    filters: ['dangling=true', 'dangling=false'],
    re: /specifying "dangling" filter more than once with different values is not supported/,
  },
  { name: 'bad until', filters: ['until=yesterday'], re: /failed to parse value as time or duration: "yesterday"/ },
  { name: 'bad until date', filters: ['until=2024-13-01'], re: /cannot parse "2024-13-01" as a time/ },
  { name: 'before an unknown image', filters: ['before=nothere'], re: /^could not find local image for filter "before"="nothere"/ },
  { name: 'since an unknown image', filters: ['since=nothere:1'], re: /^could not find local image for filter "since"="nothere:1"/ },
  { name: 'digest without algorithm', filters: ['digest=abc'], re: /^invalid value "abc" for digest filter/ },
  { name: 'containers value', filters: ['containers=maybe'], re: /^unsupported value "maybe" for containers filter/ },
];
for (const c of errors) {
  test(`filter error: ${c.name}`, () => {
    assert.throws(
      () => listImages(store, { filters: c.filters, all: true }),
      (e: unknown) => {
        assert.ok(isBerthError(e, 'INVALID_ARGUMENT'), String(e));
        assert.match((e as Error).message, c.re);
        assert.ok(!(e as Error).message.includes('\n'), 'one line');
        return true;
      },
    );
  });
}

test('Go path.Match semantics', () => {
  const t: [string, string, boolean][] = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abe', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a?b', 'a/b', false],
    ['[', 'a', false],
    ['[^', 'a', false],
    ['a[', 'a', false],
    ['[]a]', ']', false],
    ['[-]', '-', false],
    ['[\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['*x', 'xxx', true],
    ['a\\', 'a', false],
  ];
  for (const [p, s, want] of t) assert.equal(pathMatch(p, s), want, `${p} ~ ${s}`);
});

test('nameFormsMatch answers as a test of every reference candidate, with its per-repository memo shared across names', () => {
  let seed = 9;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const pick = <T>(a: T[]) => a[rnd(a.length)]!;
  const repos = ['docker.io/library/alpine', 'quay.io/a/b', 'localhost:5000/x', 'a/b', 'alpine', 'Bad/Name', 'team3/app1'];
  const suffixes = ['', ':latest', ':v1', `@sha256:${'1'.repeat(64)}`, ':v1@sha256:' + '2'.repeat(64), ':', '@x'];
  const patterns = [
    '*',
    'alpine',
    'alpine:*',
    '*/alpine',
    'library/*',
    'docker.io/*/*',
    'quay.io/a/b',
    'a/b:v1',
    '*:v1',
    'b',
    'b@sha256:*',
    'team3/app1*',
    '[ab]/b',
    'x',
    '*/*:latest',
    'local*/*',
  ];
  let hits = 0;
  for (const p of patterns) {
    const re = compilePathPattern(p)!;
    const memo = new Map<string, boolean>();
    for (let i = 0; i < 300; i++) {
      const name = pick(repos) + pick(suffixes);
      const want = referenceCandidates(name).some((c) => re.test(c));
      assert.equal(nameFormsMatch(re, name, memo), want, `${p} ~ ${name}`);
      if (want) hits++;
    }
  }
  assert.ok(hits > 500, `${hits} matches`);
});

test('reference candidates of a name (imageMatchesReferenceFilter)', () => {
  assert.deepEqual(referenceCandidates('docker.io/library/alpine:latest'), [
    'docker.io/library/alpine:latest',
    'library/alpine',
    'alpine:latest',
    'docker.io/library/alpine',
    'library/alpine:latest',
    'alpine',
  ]);
  const d = `quay.io/a/b@sha256:${'1'.repeat(64)}`;
  assert.deepEqual(referenceCandidates(d), [d, 'a/b', `b@sha256:${'1'.repeat(64)}`, 'quay.io/a/b', `a/b@sha256:${'1'.repeat(64)}`, 'b']);
});

test('label filter matching (MatchLabelFilters)', () => {
  const labels = { 'a.b/c': 'x', foo: 'bar' };
  assert.equal(matchLabelFilter('foo', labels), true);
  assert.equal(matchLabelFilter('foo=bar', labels), true);
  assert.equal(matchLabelFilter('foo=baz', labels), false);
  assert.equal(matchLabelFilter('fo', labels), false);
  assert.equal(matchLabelFilter('fo*', labels), true);
  assert.equal(matchLabelFilter('*/c', labels), true);
  assert.equal(matchLabelFilter('a.b/c=x', labels), true);
  assert.equal(matchLabelFilter('nope', {}), false);
});
