/**
 * inspect / history / tree data, following containers/common libimage `inspect.go`
 * (ImageData fields), `history.go` (IDs of images on each layer, "<missing>", sizes of
 * non-empty entries), `image_tree.go` + gotree (tree layout), `image.go` RepoTags /
 * RepoDigests, and `layer_tree.go` (parent: same layers plus one history entry).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJSON } from '../../../src/go/json.js';
import { inspectImage } from '../../../src/images/inspect.js';
import { inspectTemplateView } from '../../../cli/format/inspect-view.js';
import { imageHistory } from '../../../src/images/history.js';
import { imageTree, printTree } from '../../../src/images/tree.js';
import { tempStore, writeImage, writeParentAndChild } from './fixture.js';
import { makeTar } from '../../helpers/tools.js';

test('inspect: fields, RepoTags/RepoDigests, Parent, OCI comment and annotations', async (t) => {
  const { store } = tempStore(t);
  const pc = await writeParentAndChild(store, {
    parentNames: ['localhost/base:1'],
    childNames: ['quay.io/x/app:1', 'localhost/app:latest'],
    base: 'b',
    top: 't',
  });
  store.addNames(pc.child.id, [`quay.io/x/app@${pc.child.manifestDigest}`]);
  const img = await writeImage(store, {
    names: ['localhost/oci:1'],
    created: '2024-05-06T07:08:09.123Z',
    author: 'me',
    env: ['A=1'],
    cmd: ['sh'],
    labels: { z: '1', a: '2' },
    annotations: { 'org.example': 'x' },
    history: [
      { created: '2024-05-06T07:08:09.123Z', created_by: 'ADD x', comment: 'first comment' },
      { created_by: 'ENV A=1', empty_layer: true },
    ],
  });
  const i = inspectImage(store, img.id) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(i), [
    'Id',
    'Digest',
    'RepoTags',
    'RepoDigests',
    'Parent',
    'Comment',
    'Created',
    'Config',
    'Version',
    'Author',
    'Architecture',
    'Os',
    'Size',
    'VirtualSize',
    'RootFS',
    'Labels',
    'Annotations',
    'ManifestType',
    'User',
    'History',
    'NamesHistory',
  ]);
  assert.equal(i.Comment, 'first comment', "OCI: the first history entry's comment");
  assert.equal(i.Author, 'me');
  assert.equal(JSON.stringify(i.Created), '"2024-05-06T07:08:09.123Z"');
  assert.equal(goJSON(i.Config), '{"Env":["A=1"],"Cmd":["sh"],"Labels":{"a":"2","z":"1"}}');
  assert.equal(goJSON(i.Annotations), '{"org.example":"x"}');
  assert.equal(
    goJSON(i.History),
    '[{"created":"2024-05-06T07:08:09.123Z","created_by":"ADD x","comment":"first comment"},{"created_by":"ENV A=1","empty_layer":true}]',
  );
  assert.equal(i.Parent, '');

  const c = inspectImage(store, pc.child.id) as unknown as Record<string, unknown>;
  assert.deepEqual(c.RepoTags, ['quay.io/x/app:1', 'localhost/app:latest'], 'tagged names only');
  assert.deepEqual(c.RepoDigests, [`localhost/app@${pc.child.manifestDigest}`, `quay.io/x/app@${pc.child.manifestDigest}`]);
  assert.equal(c.Parent, pc.parent.id);
  assert.equal(goJSON(c.Annotations), '{}');
  assert.equal(c.Labels, null);
  assert.equal(inspectImage(store, pc.parent.id).Parent, '');

  // template view: Go field names
  const tv = inspectTemplateView(inspectImage(store, img.id)) as Record<string, unknown>;
  assert.equal(tv.ID, img.id);
  assert.equal(tv.Id, img.id);
  assert.equal(String(tv.Created), '2024-05-06 07:08:09.123 +0000 UTC');
  assert.equal((tv.History as Record<string, unknown>[])[1]!.CreatedBy, 'ENV A=1');
  assert.equal(goJSON(tv), goJSON(inspectImage(store, img.id)), '{{json .}} gives the JSON view');
});

test('inspect: docker image comment, healthcheck, no created', async (t) => {
  const { store } = tempStore(t);
  const img = await writeImage(store, {
    docker: true,
    created: null,
    names: ['localhost/d:1'],
    extra: {
      comment: 'docker comment',
      docker_version: '20.10.7',
      container_config: { Healthcheck: { Test: ['CMD', 'true'], Interval: 1000000000 } },
    },
  });
  const i = inspectImage(store, img.id) as unknown as Record<string, unknown>;
  assert.equal(i.Comment, 'docker comment');
  assert.equal(i.Version, '20.10.7');
  assert.equal(i.Created, null);
  assert.equal(i.ManifestType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.equal(goJSON(i.Healthcheck), '{"Test":["CMD","true"],"Interval":1000000000}');
  assert.equal(Object.keys(i).at(-1), 'Healthcheck');
});

test('history: IDs of the images on each layer, "<missing>", sizes, tags', async (t) => {
  const { store } = tempStore(t);
  const pc = await writeParentAndChild(store, {
    parentNames: ['localhost/base:1'],
    childNames: ['localhost/child:1'],
    base: 'base',
    top: 'top',
  });
  const child = store.getImage(pc.child.id)!;
  const h = imageHistory(store, child.id);
  assert.deepEqual(
    h.map((e) => [e.id, e.createdBy, e.size, e.tags]),
    [
      [pc.child.id, 'RUN make', makeTar({ 'f.txt': 'top' }).length, ['localhost/child:1']],
      [pc.parent.id, 'ADD base', makeTar({ 'f.txt': 'base' }).length, ['localhost/base:1']],
    ],
  );
  const e = await writeImage(store, {
    layers: ['one'],
    names: ['localhost/e:1'],
    history: [
      { created: '2024-01-01T00:00:00Z', created_by: 'ADD one' },
      { created_by: 'ENV X=1', empty_layer: true },
      { created_by: 'CMD ["sh"]', empty_layer: true, comment: 'c' },
    ],
  });
  const he = imageHistory(store, e.id);
  assert.deepEqual(
    he.map((x) => [x.id, x.size, x.comment, x.tags]),
    [
      [e.id, 0, 'c', ['localhost/e:1']],
      ['<missing>', 0, '', ['localhost/e:1']],
      ['<missing>', makeTar({ 'f.txt': 'one' }).length, '', ['localhost/e:1']],
    ],
  );
  assert.equal(he[0]!.created.rfc3339(), '0001-01-01T00:00:00Z', 'no created: Go zero time');
  assert.equal(he[2]!.created.rfc3339(), '2024-01-01T00:00:00Z');
  const none = await writeImage(store, { layers: ['x2'], history: [] });
  assert.deepEqual(imageHistory(store, none.id), []);
});

test('tree: layers base first, "Top Layer of" names, --whatrequires branches', async (t) => {
  const { store } = tempStore(t);
  const pc = await writeParentAndChild(store, {
    parentNames: ['localhost/base:1'],
    childNames: ['localhost/child:1'],
    base: 'base',
    top: 'top',
  });
  const other = await writeImage(store, { layers: ['base', 'other'], names: ['localhost/other:1'] });
  const size = makeTar({ 'f.txt': 'base' }).length;
  const child = store.getImage(pc.child.id)!;
  const chain0 = pc.parent.diffIDs[0]!.slice(7, 19);
  const sz = (n: number) => {
    const s = n >= 1000 ? `${Number((n / 1000).toPrecision(4))}kB` : `${n}B`;
    return s.padStart(7);
  };
  const out = imageTree(store, child.id);
  const lines = out.split('\n');
  assert.equal(lines[0], `Image ID: ${pc.child.id.slice(0, 12)}`);
  assert.equal(lines[1], 'Tags:     [localhost/child:1]');
  assert.match(lines[2]!, /^Size: {5}\d+(\.\d+)?kB$/);
  assert.equal(lines[3], 'Image Layers');
  assert.equal(lines[4], `├── ID: ${chain0} Size: ${sz(size)} Top Layer of: [localhost/base:1]`);
  assert.match(
    lines[5]!,
    new RegExp(`^└── ID: [0-9a-f]{12} Size: ${sz(makeTar({ 'f.txt': 'top' }).length)} Top Layer of: \\[localhost/child:1\\]$`),
  );
  assert.equal(lines[6], '');
  assert.equal(lines.length, 7);

  const base = store.getImage(pc.parent.id)!;
  const wr = imageTree(store, base.id, true).split('\n');
  // libimage imageTreeTraverseChildren: a linear start, then each sibling layer is its own
  // subtree added to the current tree (here: the root)
  assert.equal(wr[4], `├── ID: ${chain0} Size: ${sz(size)} Top Layer of: [localhost/base:1]`);
  assert.match(wr[5]!, /^├── ID: [0-9a-f]{12} .* Top Layer of: \[localhost\/child:1\]$/);
  assert.match(wr[6]!, /^└── ID: [0-9a-f]{12} .* Top Layer of: \[localhost\/other:1\]$/);
  assert.ok(other.id);
});

test('gotree printing of nested and multi-line items', () => {
  const s = printTree({
    text: 'root\nline2',
    items: [
      {
        text: 'a',
        items: [
          { text: 'a1', items: [] },
          { text: 'a2\nmore', items: [] },
        ],
      },
      { text: 'b', items: [{ text: 'b1', items: [] }] },
    ],
  });
  assert.equal(s, 'root\nline2\n├── a\n│   ├── a1\n│   └── a2\n│       more\n└── b\n    └── b1\n');
});
