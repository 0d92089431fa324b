/**
 * The image commands through the real CLI (`node dist/cli/berth.cjs --root DIR ...`):
 *  1. golden outputs of images (default table, --format json, templates), history, inspect
 *     and image tree — on a store with fixed configs (so IDs and dates are fixed) and on one
 *     with creation times relative to now (human CREATED columns; IDs substituted);
 *  2. bad input: one-line "Error: ..." on stderr, no stack trace, podman's exit codes;
 *  3. side by side with podman (scratch vfs store): the same docker-archive loaded into
 *     both, then images / images --format json / history / inspect compared field by field.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { Store } from '../../src/store/store.js';
import { writeImage, writeParentAndChild } from '../unit/images/fixture.js';
import { run, makeTar, haveTool, scratchPodman, type RunResult } from '../helpers/tools.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'berth-imgcmd-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function berth(root: string, args: string[], input?: string): Promise<RunResult> {
  return run(process.execPath, [MAIN, '--root', root, ...args], { env: { TZ: 'UTC', BERTH_ROOT: undefined }, input });
}
async function ok(root: string, args: string[]): Promise<string> {
  const r = await berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '', `berth ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------
// Fixed store: every config is fixed, so IDs, digests and sizes are too.

const FIX = join(work, 'fixed');
const REL = join(work, 'relative');
const relIds: Record<string, string> = {};

before(async () => {
  const store = Store.open({ root: FIX });
  await writeImage(store, {
    layers: ['gold'],
    names: ['localhost/gold:1', 'quay.io/acme/gold:2'],
    created: '2024-01-02T03:04:05Z',
    labels: { a: '1', 'b<c': 'x&y' },
    cmd: ['/bin/gold', '--serve'],
    env: ['PATH=/usr/bin'],
    annotations: { 'org.opencontainers.image.source': 'https://example.com/gold' },
  });
  await writeImage(store, { layers: ['dangling'], created: '2023-05-05T00:00:00Z' });
  await writeImage(store, {
    layers: ['base', 'app'],
    names: ['localhost/multi:1'],
    created: '2024-02-03T04:05:06.5Z',
    author: 'gold tests',
    history: [
      { created: '2024-02-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef0123456789abcdef in / ' },
      { created: '2024-02-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
      { created: '2024-02-03T04:05:06.5Z', created_by: 'COPY app /app', comment: 'buildkit.dockerfile.v0' },
      { created: '2024-02-03T04:05:06.5Z', created_by: 'LABEL v=1', empty_layer: true },
    ],
  });
  store.close();

  // Relative store: creation times N ago, for the human CREATED columns.
  const rel = Store.open({ root: REL });
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const H = 3600e3;
  const D = 24 * H;
  relIds.web = (
    await writeImage(rel, {
      layers: ['web'],
      names: ['quay.io/acme/web:1.0', 'quay.io/acme/web:latest'],
      created: ago(3 * H),
      labels: { tier: 'web' },
    })
  ).id;
  relIds.db = (await writeImage(rel, { layers: ['db'.repeat(400)], names: ['docker.io/library/postgres:16'], created: ago(3 * D) })).id;
  relIds.tool = (await writeImage(rel, { layers: ['tool'], names: ['localhost/tool:latest'], created: ago(35 * D) })).id;
  relIds.dangling = (await writeImage(rel, { layers: ['dangling'], created: ago(90e3) })).id;
  relIds.old = (await writeImage(rel, { layers: ['old'], names: ['localhost/old:1'], created: ago(800 * D) })).id;
  const pc = await writeParentAndChild(rel, { base: 'base', top: 'top', childNames: ['localhost/child:1'], created: ago(10 * 60e3) });
  relIds.parent = pc.parent.id;
  relIds.child = pc.child.id;
  rel.close();
});

/** Replace {name} / {name:12} placeholders by the relative store's IDs. */
function withIds(s: string): string {
  return s.replace(/\{(\w+)(:12)?\}/g, (_, n: string, short?: string) => (short ? relIds[n]!.slice(0, 12) : relIds[n]!));
}

const GOLD = 'f645911887f7d7c0fe4d4ab930babb78339f035cd94714f9ea682b1b128866e8';
const GOLD_DIGEST = 'sha256:65b69fc56876a39ce23cc9a8934194ea4abfd983e902fa8573e2f379da9a7d6c';
const DANGLING = '2299a22f5f5c295cf142ee3a869b79ec9bc25206657bfc80c1d7372234d2c1ba';
const MULTI = 'cff7676ea1ce999c0c9f0d2c4c2aba44da0ba8f9c0d6c0a605f6cf4d6d854b64';
const MULTI_DIGEST = 'sha256:22422665c3e407711b5d765aef120c677bb5ca66c61216eb906766c0f00c1e38';

test('golden: images default table (human CREATED, newest first, one row per name, <none>)', async () => {
  assert.equal(
    await ok(REL, ['images']),
    withIds(`REPOSITORY                  TAG         IMAGE ID      CREATED             SIZE
<none>                      <none>      {dangling:12}  About a minute ago  2.71 kB
localhost/child             1           {child:12}  10 minutes ago      5.04 kB
quay.io/acme/web            1.0         {web:12}  3 hours ago         2.73 kB
quay.io/acme/web            latest      {web:12}  3 hours ago         2.73 kB
docker.io/library/postgres  16          {db:12}  3 days ago          3.22 kB
localhost/tool              latest      {tool:12}  5 weeks ago         2.71 kB
localhost/old               1           {old:12}  2 years ago         2.71 kB
`),
  );
});

test('golden: images -a shows the intermediate image; --noheading; --digests; -q; --sort', async () => {
  const all = await ok(REL, ['images', '-a', '--noheading', '--sort', 'repository']);
  assert.equal(
    all,
    withIds(`<none>                      <none>      {dangling:12}  About a minute ago  2.71 kB
<none>                      <none>      {parent:12}  10 minutes ago      2.71 kB
docker.io/library/postgres  16          {db:12}  3 days ago          3.22 kB
localhost/child             1           {child:12}  10 minutes ago      5.04 kB
localhost/old               1           {old:12}  2 years ago         2.71 kB
localhost/tool              latest      {tool:12}  5 weeks ago         2.71 kB
quay.io/acme/web            1.0         {web:12}  3 hours ago         2.73 kB
quay.io/acme/web            latest      {web:12}  3 hours ago         2.73 kB
`),
  );
  assert.equal(await ok(REL, ['images', '-q']), withIds('{dangling:12}\n{child:12}\n{web:12}\n{db:12}\n{tool:12}\n{old:12}\n'));
  assert.equal(await ok(REL, ['images', '-q', '--no-trunc', 'web']), withIds('sha256:{web}\n'));
  assert.equal(
    await ok(REL, ['image', 'ls', '--filter', 'dangling=true', '--format', '{{.ID}} {{.Repository}}:{{.Tag}} {{.Created}}']),
    withIds('{dangling:12} <none>:<none> About a minute ago\n'),
  );
  const webDigest = (await ok(REL, ['inspect', '--format', '{{.Digest}}', 'quay.io/acme/web:1.0'])).trim();
  assert.equal(
    await ok(REL, ['images', '--digests', 'quay.io/acme/web:1.0']),
    withIds(`REPOSITORY        TAG         DIGEST                                                                   IMAGE ID      CREATED      SIZE
quay.io/acme/web  1.0         ${webDigest}  {web:12}  3 hours ago  2.73 kB
`),
  );
});

test('golden: images --format json (podman 5 fields; RepoTags null; one entry per row)', async () => {
  const out = await ok(FIX, ['images', '--format', 'json']);
  const gold = `    {
        "Id": "${GOLD}",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "localhost/gold@${GOLD_DIGEST}",
            "quay.io/acme/gold@${GOLD_DIGEST}"
        ],
        "Size": 2872,
        "SharedSize": 0,
        "VirtualSize": 2872,
        "Labels": {
            "a": "1",
            "b\\u003cc": "x\\u0026y"
        },
        "Containers": 0,
        "Digest": "${GOLD_DIGEST}",
        "History": [
            "quay.io/acme/gold:2",
            "localhost/gold:1"
        ],
        "Names": [
            "localhost/gold:1",
            "quay.io/acme/gold:2"
        ],
        "Created": 1704164645,
        "CreatedAt": "2024-01-02T03:04:05Z"
    }`;
  assert.equal(
    out,
    `[
    {
        "Id": "${MULTI}",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "localhost/multi@${MULTI_DIGEST}"
        ],
        "Size": 5364,
        "SharedSize": 0,
        "VirtualSize": 5364,
        "Labels": null,
        "Containers": 0,
        "Digest": "${MULTI_DIGEST}",
        "History": [
            "localhost/multi:1"
        ],
        "Names": [
            "localhost/multi:1"
        ],
        "Created": 1706933106,
        "CreatedAt": "2024-02-03T04:05:06Z"
    },
${gold},
${gold},
    {
        "Id": "${DANGLING}",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [],
        "Size": 2711,
        "SharedSize": 0,
        "VirtualSize": 2711,
        "Labels": null,
        "Containers": 0,
        "Dangling": true,
        "Digest": "sha256:07f1bfdbc6a4adfd96162fa4fcbe11aae857b6229f66c6f9239758980737ae65",
        "Created": 1683244800,
        "CreatedAt": "2023-05-05T00:00:00Z"
    }
]
`,
  );
  assert.equal(await ok(FIX, ['images', '--format', 'json', '--filter', 'reference=nothing']), '[]\n');
});

test('golden: images Go templates (plain and table)', async () => {
  assert.equal(
    await ok(FIX, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.CreatedAt}}']),
    `localhost/multi:1 cff7676ea1ce 5.36 kB 2024-02-03 04:05:06 +0000 UTC
localhost/gold:1 f645911887f7 2.87 kB 2024-01-02 03:04:05 +0000 UTC
quay.io/acme/gold:2 f645911887f7 2.87 kB 2024-01-02 03:04:05 +0000 UTC
<none>:<none> 2299a22f5f5c 2.71 kB 2023-05-05 00:00:00 +0000 UTC
`,
  );
  assert.equal(
    await ok(FIX, ['images', '--sort', 'repository', '--format', 'table {{.ID}}\\t{{.Labels}}\\t{{.Names}}\\t{{.IsDangling}}']),
    `IMAGE ID      LABELS            NAMES                                   IS DANGLING
2299a22f5f5c  map[]             []                                      true
f645911887f7  map[a:1 b<c:x&y]  [localhost/gold:1 quay.io/acme/gold:2]  false
cff7676ea1ce  map[]             [localhost/multi:1]                     false
f645911887f7  map[a:1 b<c:x&y]  [localhost/gold:1 quay.io/acme/gold:2]  false
`,
  );
  assert.equal(
    await ok(FIX, ['images', '--format', '{{range .}}{{.Id}} {{index .Labels "a"}}\n{{end}}', 'localhost/gold:1']),
    `${GOLD} 1\n\n`,
    'a template with its own range still gets the newline podman appends',
  );
  assert.equal(
    await ok(FIX, ['images', '--format', '{{.Repository}} {{json .RepoDigests}}', 'quay.io/acme/gold:2']),
    `quay.io/acme/gold ["quay.io/acme/gold@${GOLD_DIGEST}"]\n`,
    'a fully qualified reference narrows the names, and so the digests',
  );
});

test('golden: history (table, -H=false --no-trunc, -q, templates, json)', async () => {
  assert.equal(
    await ok(REL, ['history', 'localhost/child:1']),
    withIds(`ID            CREATED         CREATED BY  SIZE        COMMENT
{child:12}  10 minutes ago  RUN make    2.05 kB     
{parent:12}  10 minutes ago  ADD base    2.05 kB     
`),
  );
  assert.equal(
    await ok(FIX, ['history', 'localhost/multi:1']).then((s) => s.split('\n')[0]),
    'ID            CREATED      CREATED BY                                     SIZE        COMMENT',
  );
  const table = (await ok(FIX, ['image', 'history', 'localhost/multi:1']))
    .split('\n')
    .map((l) => l.replace(/ {2}\d+ (years|months) ago {2,}/, '  <when>  '));
  assert.deepEqual(table, [
    'ID            CREATED      CREATED BY                                     SIZE        COMMENT',
    'cff7676ea1ce  <when>  LABEL v=1                                      0 B         ',
    '<missing>     <when>  COPY app /app                                  2.05 kB     buildkit.dockerfile.v0',
    '<missing>     <when>  /bin/sh -c #(nop)  CMD ["sh"]                  0 B         ',
    '<missing>     <when>  /bin/sh -c #(nop) ADD file:0123456789abcde...  2.05 kB     ',
    '',
  ]);
  assert.equal(
    await ok(FIX, ['history', '-H=false', '--no-trunc', 'localhost/multi:1']),
    `ID                                                                CREATED               CREATED BY                                                                         SIZE        COMMENT
${MULTI}  2024-02-03T04:05:06Z  LABEL v=1                                                                          0 B         
<missing>                                                         2024-02-03T04:05:06Z  COPY app /app                                                                      2.05 kB     buildkit.dockerfile.v0
<missing>                                                         2024-02-01T00:00:01Z  /bin/sh -c #(nop)  CMD ["sh"]                                                      0 B         
<missing>                                                         2024-02-01T00:00:00Z  /bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef0123456789abcdef in /   2.05 kB     
`,
  );
  assert.equal(await ok(FIX, ['history', '-q', 'localhost/multi:1']), 'cff7676ea1ce\n<missing>\n<missing>\n<missing>\n');
  assert.equal(
    await ok(FIX, ['history', '--format', '{{.ID}}|{{.CreatedAt}}|{{.Size}}|{{.Tags}}', 'localhost/multi:1']),
    `cff7676ea1ce|2024-02-03T04:05:06Z|0 B|[localhost/multi:1]
<missing>|2024-02-03T04:05:06Z|2.05 kB|[localhost/multi:1]
<missing>|2024-02-01T00:00:01Z|0 B|[]
<missing>|2024-02-01T00:00:00Z|2.05 kB|[]
`,
  );
  assert.equal(
    await ok(FIX, ['history', '--format', 'table {{.ID}} {{.CreatedBy}}', 'localhost/multi:1']),
    `ID            CREATED BY
cff7676ea1ce  LABEL v=1
<missing>     COPY app /app
<missing>     /bin/sh -c #(nop)  CMD ["sh"]
<missing>     /bin/sh -c #(nop) ADD file:0123456789abcde...
`,
  );
  assert.equal(
    await ok(FIX, ['history', '--format', 'json', 'localhost/multi:1']),
    `[${[
      `{"id":"${MULTI}","created":"2024-02-03T04:05:06.5Z","CreatedBy":"LABEL v=1","tags":["localhost/multi:1"],"size":0,"Created":"2024-02-03T04:05:06Z"}`,
      '{"id":"\\u003cmissing\\u003e","created":"2024-02-03T04:05:06.5Z","CreatedBy":"COPY app /app","tags":["localhost/multi:1"],"size":2048,"comment":"buildkit.dockerfile.v0","Created":"2024-02-03T04:05:06Z"}',
      '{"id":"\\u003cmissing\\u003e","created":"2024-02-01T00:00:01Z","CreatedBy":"/bin/sh -c #(nop)  CMD [\\"sh\\"]","size":0,"Created":"2024-02-01T00:00:01Z"}',
      '{"id":"\\u003cmissing\\u003e","created":"2024-02-01T00:00:00Z","CreatedBy":"/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef0123456789abcdef in / ","size":2048,"Created":"2024-02-01T00:00:00Z"}',
    ].join(',')}]\n`,
  );
});

test('golden: inspect JSON (5-space indent, no HTML escaping) and templates', async () => {
  const out = await ok(FIX, ['inspect', 'quay.io/acme/gold:2']);
  assert.equal(
    out,
    `[
     {
          "Id": "${GOLD}",
          "Digest": "${GOLD_DIGEST}",
          "RepoTags": [
               "localhost/gold:1",
               "quay.io/acme/gold:2"
          ],
          "RepoDigests": [
               "localhost/gold@${GOLD_DIGEST}",
               "quay.io/acme/gold@${GOLD_DIGEST}"
          ],
          "Parent": "",
          "Comment": "",
          "Created": "2024-01-02T03:04:05Z",
          "Config": {
               "Env": [
                    "PATH=/usr/bin"
               ],
               "Cmd": [
                    "/bin/gold",
                    "--serve"
               ],
               "Labels": {
                    "a": "1",
                    "b<c": "x&y"
               }
          },
          "Version": "",
          "Author": "",
          "Architecture": "amd64",
          "Os": "linux",
          "Size": 2872,
          "VirtualSize": 2872,
          "RootFS": {
               "Type": "layers",
               "Layers": [
                    "sha256:077a03cfaf8e5b4a3d61e2ea3be6db2c8b8d1f8b4ee1e68e8ef7d6a8ec58ff1e"
               ]
          },
          "Labels": {
               "a": "1",
               "b<c": "x&y"
          },
          "Annotations": {
               "org.opencontainers.image.source": "https://example.com/gold"
          },
          "ManifestType": "application/vnd.oci.image.manifest.v1+json",
          "User": "",
          "History": [
               {
                    "created": "2024-01-02T03:04:05Z",
                    "created_by": "layer 0"
               }
          ],
          "NamesHistory": [
               "quay.io/acme/gold:2",
               "localhost/gold:1"
          ]
     }
]
`.replace('sha256:077a03cfaf8e5b4a3d61e2ea3be6db2c8b8d1f8b4ee1e68e8ef7d6a8ec58ff1e', sha256(makeTar({ 'f.txt': 'gold' }))),
  );
  assert.equal(
    await ok(FIX, [
      'image',
      'inspect',
      '--format',
      '{{.Id}} {{.Size}} {{index .Labels "a"}} {{.Config.Cmd}} {{.Created}}',
      'localhost/gold:1',
      MULTI.slice(0, 8),
    ]),
    `${GOLD} 2872 1 [/bin/gold --serve] 2024-01-02 03:04:05 +0000 UTC\n${MULTI} 5364  [] 2024-02-03 04:05:06.5 +0000 UTC\n`,
  );
  assert.equal(
    await ok(FIX, ['inspect', '-f', '{{json .RootFS}} {{.Author}} {{len .History}} {{.NamesHistory}}', 'localhost/multi:1']),
    `{"Type":"layers","Layers":["${sha256(makeTar({ 'f.txt': 'base' }))}","${sha256(makeTar({ 'f.txt': 'app' }))}"]} gold tests 4 [localhost/multi:1]\n`,
  );
});

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

test('golden: image tree', async () => {
  const l0 = sha256(makeTar({ 'f.txt': 'base' })).slice(7);
  const l1 = createHash('sha256')
    .update(`${l0}+${sha256(makeTar({ 'f.txt': 'app' })).slice(7)}`)
    .digest('hex');
  assert.equal(
    await ok(FIX, ['image', 'tree', 'localhost/multi:1']),
    `Image ID: cff7676ea1ce
Tags:     [localhost/multi:1]
Size:     5.364kB
Image Layers
├── ID: ${l0.slice(0, 12)} Size: 2.048kB
└── ID: ${l1.slice(0, 12)} Size: 2.048kB Top Layer of: [localhost/multi:1]

`,
  );
});

test('tag, untag, image exists, rmi and prune through the CLI', async () => {
  const root = join(work, 'lifecycle');
  const s = Store.open({ root });
  const a = await writeImage(s, { names: ['localhost/a:1'] });
  s.close();
  assert.equal(await ok(root, ['tag', 'a:1', 'b', 'quay.io/x/b:2']), '');
  assert.equal(
    await ok(root, ['images', '--format', '{{.Repository}}:{{.Tag}}', '--sort', 'repository']),
    'localhost/a:1\nlocalhost/b:latest\nquay.io/x/b:2\n',
  );
  assert.equal((await berth(root, ['image', 'exists', 'b'])).code, 0);
  assert.equal((await berth(root, ['image', 'exists', 'nothere'])).code, 1);
  assert.equal(await ok(root, ['untag', 'b', 'quay.io/x/b:2']), '');
  assert.equal(await ok(root, ['rmi', 'b']), 'Untagged: localhost/b:latest\n');
  assert.equal(await ok(root, ['untag', a.id.slice(0, 6)]), '');
  assert.equal(await ok(root, ['images', '--format', '{{.Repository}} {{.Dangling}}']), '<none> true\n');
  const no = await berth(root, ['image', 'prune'], 'n\n');
  assert.deepEqual([no.code, no.stdout], [0, '']);
  assert.equal(await ok(root, ['image', 'prune', '-f']), `${a.id}\n`);
  assert.equal(await ok(root, ['images', '-aq']), '');
  const s2 = Store.open({ root });
  const c = await writeImage(s2, { names: ['localhost/c:1', 'localhost/c:2'] });
  s2.close();
  const byId = await berth(root, ['rmi', c.id.slice(0, 12)]);
  assert.equal(byId.code, 125);
  assert.equal(
    byId.stderr,
    `Error: unable to delete image "${c.id}" by ID with more than one tag ([localhost/c:1 localhost/c:2]): please force removal (remove the names with "berth untag", or use -f)\n`,
  );
  assert.equal(await ok(root, ['rmi', '-f', c.id.slice(0, 12)]), `Untagged: localhost/c:1\nUntagged: localhost/c:2\nDeleted: ${c.id}\n`);
  const piped = await berth(root, ['image', 'prune'], 'y\n');
  assert.deepEqual([piped.code, piped.stdout, piped.stderr], [0, '', '']);
});

// ---------------------------------------------------------------------------------------
// Bad input: one line on stderr, "Error: " first, no stack trace, podman's exit codes.

interface Bad {
  args: string[];
  code: number;
  re: RegExp;
  root?: () => string;
}
const BAD: Bad[] = [
  { args: ['images', '--filter', 'bogus=1'], code: 125, re: /^Error: unsupported image filter "bogus"$/ },
  {
    args: ['images', '--filter', 'dangling=maybe'],
    code: 125,
    re: /^Error: non-boolean value "dangling" for maybe filter: strconv.ParseBool: parsing "maybe": invalid syntax$/,
  },
  {
    args: ['images', '--filter', 'label'],
    code: 125,
    re: /^Error: invalid image filter "label": must be in the format "filter=value or filter!=value"$/,
  },
  { args: ['images', '--filter', 'until=soon'], code: 125, re: /^Error: failed to parse value as time or duration: "soon"$/ },
  {
    args: ['images', '--filter', 'before=nothere'],
    code: 125,
    re: /^Error: could not find local image for filter "before"="nothere": nothere: image not known$/,
  },
  { args: ['images', '--filter', 'reference=x', 'gold'], code: 125, re: /^Error: cannot specify an image and a filter\(s\)$/ },
  { args: ['images', '--format', '{{.Nope}}'], code: 125, re: /^Error: template: .*can't evaluate field Nope/ },
  { args: ['images', '--format', '{{.ID'], code: 125, re: /^Error: template: / },
  {
    args: ['images', '--sort', 'bogus'],
    code: 125,
    re: /^Error: "bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag$/,
  },
  { args: ['images', '--bogus'], code: 125, re: /^Error: unknown flag: --bogus/ },
  {
    args: ['inspect', '--format', '{{.Nope}}', 'localhost/gold:1'],
    code: 125,
    re: /^Error: inspecting object: printing inspect output: template: inspect:1:13: executing "inspect" at <.Nope>: can't evaluate field Nope in type interface {}$/,
  },
  { args: ['history', '--format', '{{.Nope}}', 'localhost/gold:1'], code: 125, re: /^Error: template: .*can't evaluate field Nope/ },
  { args: ['inspect', 'nothere'], code: 125, re: /^Error: inspecting object: no such object: "nothere"$/ },
  { args: ['image', 'inspect', 'nothere'], code: 125, re: /^Error: inspecting object: nothere: image not known$/ },
  { args: ['inspect'], code: 125, re: /^Error: no names or ids specified$/ },
  { args: ['history', 'nothere'], code: 125, re: /^Error: nothere: image not known/ },
  { args: ['image', 'tree', 'nothere'], code: 125, re: /^Error: nothere: image not known/ },
  { args: ['tag', 'nothere', 'x'], code: 125, re: /^Error: nothere: image not known/ },
  { args: ['tag', 'localhost/gold:1'], code: 125, re: /^Error: requires at least 2 arg\(s\), only received 1/ },
  {
    args: ['tag', 'localhost/gold:1', 'Bad:Name'],
    code: 125,
    re: /^Error: normalizing name "Bad:Name": normalizing name "Bad:Name": repository name must be lowercase$/,
  },
  { args: ['untag', 'localhost/gold:1', 'other:1'], code: 125, re: /^Error: localhost\/other:1: tag not known/ },
  { args: ['rmi', 'nothere'], code: 1, re: /^Error: nothere: image not known$/ },
  { args: ['rmi'], code: 125, re: /^Error: image name or ID must be specified$/ },
  { args: ['image', 'exists', 'a', 'b'], code: 125, re: /^Error: accepts 1 arg\(s\), received 2/ },
  { args: ['image', 'prune', '--filter', 'bogus=1', '-f'], code: 125, re: /^Error: unsupported image filter "bogus"/ },
  { args: ['image', 'prune'], code: 125, re: /^Error: image prune needs a confirmation and stdin is not a terminal/ },
];

for (const b of BAD) {
  test(`bad input: berth ${b.args.join(' ')}`, async () => {
    const r = await berth(FIX, b.args);
    assert.equal(r.code, b.code, `exit code (stderr: ${r.stderr})`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
    assert.match(lines[0]!, b.re);
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  });
}

test('bad input: ambiguous ID prefix', async () => {
  const root = join(work, 'ambiguous');
  const s = Store.open({ root });
  const seen = new Map<string, string>();
  let prefix = '';
  for (let i = 0; i < 17 && !prefix; i++) {
    const w = await writeImage(s, { layers: [`amb ${i}`] });
    if (seen.has(w.id[0]!)) prefix = w.id[0]!;
    seen.set(w.id[0]!, w.id);
  }
  s.close();
  for (const args of [
    ['inspect', prefix],
    ['history', prefix],
    ['tag', prefix, 'x'],
    ['rmi', prefix],
  ]) {
    const r = await berth(root, args);
    assert.equal(r.code, 125, args.join(' '));
    assert.match(r.stderr, new RegExp(`^Error: image ID prefix "${prefix}" is ambiguous: it matches \\d+ images .*\\n$`));
  }
});

test('inspect of several images with one missing prints the others, then the error', async () => {
  const r = await berth(FIX, ['inspect', '--format', '{{.Id}}', 'localhost/gold:1', 'nothere']);
  assert.equal(r.code, 125);
  assert.equal(r.stdout, `${GOLD}\n`);
  // podman inspect looks for every kind of object: its words for a name that is none
  assert.match(r.stderr, /^Error: inspecting object: no such object: "nothere"$/m);
});

// ---------------------------------------------------------------------------------------
// Side by side with podman.

/** A docker-archive with a two-layer image, four history entries (two empty), two names. */
function sideBySideArchive(path: string): { id: string } {
  const h = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const l1 = makeTar({ 'etc/os-release': 'NAME=sbs\n', 'bin/tool': Buffer.alloc(3000, 7) });
  const l2 = makeTar({ 'app/main.js': 'console.log("hi")\n'.repeat(50) });
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-03-04T05:06:07.123456789Z',
      author: 'berth tests',
      config: {
        Env: ['PATH=/usr/bin'],
        Cmd: ['node', '/app/main.js'],
        Labels: { 'org.example.tier': 'web', version: '1.2' },
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {} },
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${h(l1)}`, `sha256:${h(l2)}`] },
      history: [
        { created: '2024-03-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ' },
        { created: '2024-03-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        { created: '2024-03-04T05:06:07.123456789Z', created_by: 'COPY app /app # buildkit', comment: 'buildkit.dockerfile.v0' },
        { created: '2024-03-04T05:06:07.123456789Z', created_by: 'LABEL version=1.2', empty_layer: true },
      ],
    }),
  );
  const c = h(cfg);
  const manifest = JSON.stringify([
    {
      Config: `${c}.json`,
      RepoTags: ['localhost/sbs:1', 'quay.io/berth/sbs:latest'],
      Layers: [`${h(l1)}/layer.tar`, `${h(l2)}/layer.tar`],
    },
  ]);
  writeFileSync(path, makeTar({ [`${c}.json`]: cfg, [`${h(l1)}/layer.tar`]: l1, [`${h(l2)}/layer.tar`]: l2, 'manifest.json': manifest }));
  return { id: c };
}

/** Split an aligned table into rows of cells, at the columns where the header's titles start. */
function cells(table: string): string[][] {
  const lines = table.trimEnd().split('\n');
  const header = lines[0]!;
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) starts.push(m.index);
  return lines.map((l) => starts.map((st, i) => l.slice(st, i + 1 < starts.length ? starts[i + 1] : undefined).trim()));
}

test(
  'side by side with podman: images, images --format json, history, inspect of the same archive',
  { skip: haveTool('podman') ? false : 'podman not installed', timeout: 180_000 },
  async (t) => {
    const p = await scratchPodman();
    t.after(p.cleanup);
    const archive = join(work, 'sbs.tar');
    const { id } = sideBySideArchive(archive);
    const root = join(work, 'sbs');
    assert.equal((await berth(root, ['load', '-q', '-i', archive])).code, 0);
    const pl = await p.run(['load', '-q', '-i', archive]);
    assert.equal(pl.code, 0, pl.stderr);
    const pm = async (args: string[]) => {
      const r = await p.run(args, { env: { TZ: 'UTC' } });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };

    // images: same rows (podman orders names loaded together differently), same columns
    const [pt, bt] = [cells(await pm(['images'])), cells(await ok(root, ['images']))];
    assert.deepEqual(bt[0], pt[0], 'header');
    const key = (r: string[]) => r.slice(0, 4).join('|');
    assert.deepEqual(bt.slice(1).map(key).sort(), pt.slice(1).map(key).sort(), 'REPOSITORY TAG IMAGE ID CREATED');
    assert.ok(bt.slice(1).every((r) => r[0] && r[3]!.endsWith(' ago') && /^\d+(\.\d+)? kB$/.test(r[4]!)));

    // images --format json: every podman field, same values; Size differs by exactly the
    // manifest's size (containers/storage keeps the manifest twice: "manifest" and "manifest-<digest>")
    const pj = JSON.parse(await pm(['images', '--format', 'json'])) as Record<string, unknown>[];
    const bj = JSON.parse(await ok(root, ['images', '--format', 'json'])) as Record<string, unknown>[];
    assert.equal(bj.length, pj.length);
    const pi = JSON.parse(await pm(['image', 'inspect', id])) as Record<string, unknown>[];
    const bi = JSON.parse(await ok(root, ['image', 'inspect', id])) as Record<string, unknown>[];
    for (const k of Object.keys(pj[0]!)) {
      if (k === 'Size' || k === 'VirtualSize') continue;
      const norm = (v: unknown) => (k === 'Names' || k === 'History' ? [...(v as string[])].sort() : v);
      assert.deepEqual(norm(bj[0]![k]), norm(pj[0]![k]), `images json field ${k}`);
    }
    const storedManifest = Number(pj[0]!.Size) - Number(bj[0]!.Size);
    assert.equal(bi[0]!.Size, bj[0]!.Size);
    assert.ok(storedManifest > 200 && storedManifest < 1000, `size difference ${storedManifest} is the manifest's size`);
    assert.equal(pi[0]!.Digest, bi[0]!.Digest, 'same manifest digest, so the difference is that manifest');

    // history: same rows; podman 4.3 prints "2.56 kB" where podman >= 4.6 and berth print "2.56kB"
    const [ph, bh] = [cells(await pm(['history', 'localhost/sbs:1'])), cells(await ok(root, ['history', 'localhost/sbs:1']))];
    assert.deepEqual(bh[0], ph[0]);
    assert.deepEqual(
      bh.map((r) => r.map((c, i) => (i === 3 ? c.replace(' ', '') : c))),
      ph.map((r) => r.map((c, i) => (i === 3 ? c.replace(' ', '') : c))),
    );
    const [phj, bhj] = [
      JSON.parse(await pm(['history', '--format', 'json', 'localhost/sbs:1'])),
      JSON.parse(await ok(root, ['history', '--format', 'json', 'localhost/sbs:1'])),
    ] as Record<string, unknown>[][];
    // podman 4.3 has no "tags" (podman 5 lists the names of the images on the layer)
    assert.deepEqual(
      bhj!.map((e) => ({ ...e, tags: undefined })),
      phj!.map((e) => ({ ...e, tags: undefined })),
    );
    assert.deepEqual(
      cells(await ok(root, ['history', '-H=false', '--no-trunc', 'localhost/sbs:1']))
        .slice(1)
        .map((r) => r.slice(0, 3)),
      cells(await pm(['history', '-H=false', '--no-trunc', 'localhost/sbs:1']))
        .slice(1)
        .map((r) => r.slice(0, 3)),
    );

    // inspect: every field but the storage-specific ones
    for (const k of Object.keys(pi[0]!)) {
      if (['Size', 'VirtualSize', 'GraphDriver'].includes(k)) continue;
      const norm = (v: unknown) => (k === 'RepoTags' || k === 'NamesHistory' ? [...(v as string[])].sort() : v);
      assert.deepEqual(norm(bi[0]![k]), norm(pi[0]![k]), `inspect field ${k}`);
    }
    // tree: same layer IDs and sizes
    const tree = (s: string) =>
      s
        .split('\n')
        .filter((l) => l.includes('ID: '))
        .map((l) => l.replace(/ Top Layer of: .*/, ''));
    assert.deepEqual(tree(await ok(root, ['image', 'tree', id])), tree(await pm(['image', 'tree', id])));
  },
);
