/**
 * The Docker API's image metadata endpoints (`berth system service`) with dockerode:
 * images/json (shape per API version, filters), inspect (Docker's name rules and "No such
 * image"), history, tag, remove (Docker's conflicts), prune, events, system/df, info (the
 * calls Testcontainers makes), and bad requests that leave the service answering.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { Store } from '../../src/store/store.js';
import { writeImage, type WrittenImage } from '../unit/images/fixture.js';
import { request, startService, type RunningService } from '../helpers/service.js';
import { run } from '../helpers/tools.js';
import { BERTH_CLI } from '../helpers/berth.js';

let dir: string;
let root: string;
let svc: RunningService;
let docker: Docker;
const img: Record<string, WrittenImage> = {};

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-svc-images-'));
  root = path.join(dir, 'store');
  const store = Store.open({ root });
  img.busybox = await writeImage(store, {
    names: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'],
    labels: { tier: 'base' },
    created: '2024-01-02T03:04:05Z',
    layers: ['bb1', 'bb2'],
    cmd: ['sh'],
    env: ['PATH=/bin'],
  });
  img.app = await writeImage(store, { names: ['localhost:5000/team/app:v1'], created: '2024-03-01T00:00:00Z', layers: ['app'] });
  img.dangling = await writeImage(store, { created: '2023-01-01T00:00:00Z', layers: ['old'] });
  img.local = await writeImage(store, { names: ['localhost/only-local:latest'], created: '2024-02-01T00:00:00Z', layers: ['local'] });
  img.two = await writeImage(store, {
    names: ['quay.io/a/two:1', 'quay.io/b/two:1'],
    created: '2024-02-02T00:00:00Z',
    layers: ['two'],
  });
  store.close();
  svc = await startService({ root });
  docker = new Docker({ socketPath: svc.socketPath });
});

after(async () => {
  await svc?.stop();
  await fsp.rm(dir, { recursive: true, force: true });
});

const sha = (w: WrittenImage) => `sha256:${w.id}`;
const ids = (list: Record<string, unknown>[]) => list.map((i) => i.Id);

test('GET /images/json: Docker summaries, newest first; VirtualSize only before 1.44; filters', async () => {
  const list = await docker.listImages();
  assert.deepEqual(ids(list), [sha(img.app!), sha(img.two!), sha(img.local!), sha(img.busybox!), sha(img.dangling!)]);
  const bb = list.find((i) => i.Id === sha(img.busybox!))!;
  assert.deepEqual(Object.keys(bb), ['Containers', 'Created', 'Id', 'Labels', 'ParentId', 'RepoDigests', 'RepoTags', 'SharedSize', 'Size']);
  assert.deepEqual([...(bb.RepoTags as string[])].sort(), ['busybox:1.36', 'busybox:latest']);
  assert.ok((bb.RepoDigests as string[]).every((d) => /^busybox@sha256:[a-f0-9]{64}$/.test(d)));
  assert.equal(bb.Created, Date.parse('2024-01-02T03:04:05Z') / 1000);
  assert.deepEqual(bb.Labels, { tier: 'base' });
  assert.equal(bb.SharedSize, -1);
  assert.equal(bb.Containers, 0);
  assert.ok((bb.Size as number) > 0);
  const app = list.find((i) => i.Id === sha(img.app!))!;
  assert.deepEqual(app.RepoTags, ['localhost:5000/team/app:v1']);
  assert.equal(app.Labels, null);
  const dangling = list.find((i) => i.Id === sha(img.dangling!))!;
  assert.deepEqual(dangling.RepoTags, []);

  const old = await new Docker({ socketPath: svc.socketPath, version: 'v1.41' }).listImages();
  assert.equal(old[0]!.VirtualSize, old[0]!.Size);

  const f = (filters: Record<string, string[]>) => docker.listImages({ filters: JSON.stringify(filters) }).then(ids);
  assert.deepEqual(await f({ dangling: ['true'] }), [sha(img.dangling!)]);
  assert.deepEqual(await f({ reference: ['busybox'] }), [sha(img.busybox!)]);
  assert.deepEqual(await f({ reference: ['busybox:1.36'] }), [sha(img.busybox!)]);
  assert.deepEqual(await f({ label: ['tier=base'] }), [sha(img.busybox!)]);
  assert.deepEqual(await f({ before: ['busybox:latest'] }), [sha(img.dangling!)]);
  assert.deepEqual(await f({ since: ['only-local:latest'.replace('only-local', 'localhost/only-local')] }), [sha(img.app!), sha(img.two!)]);
  // the old map form of filters
  assert.deepEqual(ids(await docker.listImages({ filters: JSON.stringify({ dangling: { true: true } }) })), [sha(img.dangling!)]);

  // digests: RepoDigests are always there (dockerd ignores the parameter)
  const withDigests = await request(svc.socketPath, 'GET', '/images/json?digests=1');
  assert.deepEqual(withDigests.json(), list);
  // manifests (API 1.47): the manifest each image was stored from, with its platform and sizes; not before 1.47
  const m = (await request(svc.socketPath, 'GET', '/v1.47/images/json?manifests=1')).json() as Record<string, unknown>[];
  const mbb = m.find((i) => i.Id === sha(img.busybox!))!;
  assert.deepEqual(Object.keys(mbb), [
    'Containers',
    'Created',
    'Id',
    'Labels',
    'ParentId',
    'Manifests',
    'RepoDigests',
    'RepoTags',
    'SharedSize',
    'Size',
  ]);
  const [man] = mbb.Manifests as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal((mbb.Manifests as unknown[]).length, 1);
  assert.equal(man!.ID, img.busybox!.manifestDigest);
  assert.equal(man!.Descriptor.digest, img.busybox!.manifestDigest);
  // dockerd's key order; a manifest stored alone has a plain descriptor (its platform is the config's)
  assert.deepEqual(Object.keys(man!), ['ID', 'Descriptor', 'Available', 'Size', 'Kind', 'ImageData']);
  assert.deepEqual(Object.keys(man!.Descriptor), ['mediaType', 'digest', 'size']);
  assert.equal(man!.Descriptor.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.ok(man!.Descriptor.size > 0);
  assert.equal(man!.Available, true);
  assert.equal(man!.Kind, 'image');
  assert.deepEqual(Object.keys(man!.Size), ['Content', 'Total']);
  // content: the stored blobs (manifest, config, layers); the fixture's layers are plain tars
  assert.equal(man!.Size.Content, bb.Size);
  assert.ok(man!.ImageData.Size.Unpacked > 0);
  assert.equal(man!.Size.Total, man!.Size.Content + man!.ImageData.Size.Unpacked);
  assert.deepEqual(Object.keys(man!.ImageData), ['Platform', 'Size', 'Containers']);
  assert.equal(man!.ImageData.Containers, null);
  assert.deepEqual(man!.ImageData.Platform, { architecture: 'amd64', os: 'linux' });
  const older = (await request(svc.socketPath, 'GET', '/v1.46/images/json?manifests=1')).json() as Record<string, unknown>[];
  assert.ok(older.every((i) => !('Manifests' in i)));
  assert.ok(list.every((i) => !('Manifests' in i)));

  const shared = await docker.listImages({ 'shared-size': true });
  assert.ok(shared.every((i) => typeof i.SharedSize === 'number' && i.SharedSize >= 0));

  const bad = await request(svc.socketPath, 'GET', `/images/json?filters=${encodeURIComponent('{"foo":["x"]}')}`);
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json(), { message: "invalid filter 'foo'" });
  const malformed = await request(svc.socketPath, 'GET', '/images/json?filters=%7Bnot-json');
  assert.equal(malformed.status, 400);
  assert.match((malformed.json() as { message: string }).message, /^invalid filter: /);
  const noBase = await request(svc.socketPath, 'GET', `/images/json?filters=${encodeURIComponent('{"since":["nope"]}')}`);
  assert.equal(noBase.status, 404);
  assert.deepEqual(noBase.json(), { message: 'No such image: nope:latest' });
});

test('GET /images/{name}/json: Docker name rules, Docker inspect shape, 404 "No such image"', async () => {
  const i = await docker.getImage('busybox').inspect();
  assert.equal(i.Id, sha(img.busybox!));
  assert.deepEqual([...(i.RepoTags as string[])].sort(), ['busybox:1.36', 'busybox:latest']);
  assert.equal(i.Created, '2024-01-02T03:04:05Z');
  assert.equal(i.Os, 'linux');
  assert.equal(i.Architecture, 'amd64');
  const cfg = i.Config as Record<string, unknown>;
  assert.deepEqual(cfg.Cmd, ['sh']);
  assert.deepEqual(cfg.Env, ['PATH=/bin']);
  assert.deepEqual(cfg.Labels, { tier: 'base' });
  assert.equal(cfg.Entrypoint, null);
  assert.deepEqual(i.RootFS, { Type: 'layers', Layers: img.busybox!.diffIDs });
  assert.equal('VirtualSize' in i, false);
  assert.equal('ContainerConfig' in i, false);
  for (const name of [
    'busybox:1.36',
    'docker.io/library/busybox',
    'library/busybox:latest',
    img.busybox!.id,
    sha(img.busybox!),
    img.busybox!.id.slice(0, 12),
  ])
    assert.equal((await docker.getImage(name).inspect()).Id, sha(img.busybox!), name);
  assert.equal((await docker.getImage('localhost:5000/team/app:v1').inspect()).Id, sha(img.app!));
  const old = await new Docker({ socketPath: svc.socketPath, version: 'v1.43' }).getImage('busybox').inspect();
  assert.equal(old.VirtualSize, old.Size);
  assert.ok('ContainerConfig' in old);

  // Docker's rules, not podman's short-name search: "only-local" is docker.io/library/only-local
  for (const [name, shown] of [
    ['only-local', 'only-local:latest'],
    ['team/app:v1', 'team/app:v1'],
    ['busybox:nope', 'busybox:nope'],
    ['sha256:' + 'f'.repeat(64), 'sha256:' + 'f'.repeat(64)],
  ]) {
    const r = await request(svc.socketPath, 'GET', `/v1.41/images/${name}/json`);
    assert.equal(r.status, 404, name);
    assert.deepEqual(r.json(), { message: `No such image: ${shown}` }, name);
  }
  // dockerode's error carries the words Testcontainers looks for
  await assert.rejects(docker.getImage('redis:7').inspect(), (e: Error & { statusCode?: number }) => {
    assert.equal(e.statusCode, 404);
    assert.match(e.message.toLowerCase(), /no such image/);
    return true;
  });
  const bad = await request(svc.socketPath, 'GET', '/images/UPPER/json');
  assert.equal(bad.status, 400);
  assert.match((bad.json() as { message: string }).message, /invalid reference format/);
});

test('GET /images/{name}/history', async () => {
  const h = await docker.getImage('busybox:latest').history();
  assert.equal(h.length, 2);
  assert.equal(h[0]!.Id, sha(img.busybox!));
  assert.equal(h[0]!.CreatedBy, 'layer 1');
  assert.equal(h[0]!.Created, Date.parse('2024-01-02T03:04:05Z') / 1000);
  assert.deepEqual([...(h[0]!.Tags as string[])].sort(), ['busybox:1.36', 'busybox:latest']);
  assert.equal(h[1]!.Id, '<missing>');
  assert.equal(h[1]!.Tags, null);
  assert.ok((h[1]!.Size as number) > 0);
  assert.equal((await request(svc.socketPath, 'GET', '/images/nope/history')).status, 404);
});

/** Collect /events lines until `n` have arrived. */
function collectEvents(query: string): { lines: Record<string, unknown>[]; ready: Promise<void>; close(): void } {
  const lines: Record<string, unknown>[] = [];
  let req!: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.request({ socketPath: svc.socketPath, path: `/events${query}` }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
          buf = buf.slice(nl + 1);
        }
      });
      res.on('error', () => {});
      resolve();
    });
    req.on('error', reject);
    req.end();
  });
  return { lines, ready, close: () => req.destroy() };
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('POST /images/{name}/tag, DELETE /images/{name}, POST /images/prune, with their events', async () => {
  const t0 = Date.now() / 1000 - 1;
  const stream = collectEvents(`?filters=${encodeURIComponent('{"type":["image"]}')}`);
  await stream.ready;
  const untagOnly = collectEvents(`?filters=${encodeURIComponent('{"event":["untag"]}')}`);
  await untagOnly.ready;
  try {
    await docker.getImage('busybox').tag({ repo: 'myrepo', tag: 'x' });
    const tagged = await docker.getImage('myrepo:x').inspect();
    assert.equal(tagged.Id, sha(img.busybox!));
    assert.ok((tagged.RepoTags as string[]).includes('myrepo:x'));
    await docker.getImage(img.app!.id).tag({ repo: 'localhost:5000/team/app', tag: 'v2' });
    assert.equal((await docker.getImage('localhost:5000/team/app:v2').inspect()).Id, sha(img.app!));

    const badTag = await request(svc.socketPath, 'POST', '/images/busybox/tag?repo=x&tag=-bad');
    assert.equal(badTag.status, 400);
    const digestTag = await request(svc.socketPath, 'POST', `/images/busybox/tag?repo=x@sha256:${'a'.repeat(64)}`);
    assert.equal(digestTag.status, 400);
    const noImage = await request(svc.socketPath, 'POST', '/images/nope/tag?repo=x&tag=y');
    assert.equal(noImage.status, 404);
    assert.deepEqual(noImage.json(), { message: 'No such image: nope:latest' });

    // a name of an image with several: only that name goes, with its repository's digest reference when it
    // was the repository's last tag (as dockerd)
    assert.deepEqual(await docker.getImage('myrepo:x').remove(), [
      { Untagged: 'myrepo:x' },
      { Untagged: `myrepo@${img.busybox!.manifestDigest}` },
    ]);
    await docker.getImage('busybox').tag({ repo: 'mine', tag: 'x' });
    await docker.getImage('busybox').tag({ repo: 'mine', tag: 'y' });
    assert.deepEqual(await docker.getImage('mine:x').remove(), [{ Untagged: 'mine:x' }], 'mine:y still holds the repository');
    // NAME@DIGEST that is no stored name (a RepoDigest derived from the repository's tags) stands for
    // those tags, as in dockerd's containerd image store: they go with it, the image's other names stay
    const mineDigest = `mine@${img.busybox!.manifestDigest}`;
    assert.deepEqual(await docker.getImage(mineDigest).remove(), [{ Untagged: mineDigest }, { Untagged: 'mine:y' }]);
    const afterDigest = await docker.getImage('busybox').inspect();
    assert.deepEqual([...(afterDigest.RepoTags as string[])].sort(), ['busybox:1.36', 'busybox:latest']);
    assert.ok(!(afterDigest.RepoDigests as string[]).some((d) => d.startsWith('mine@')));
    const again = await request(svc.socketPath, 'DELETE', `/images/${mineDigest}`);
    assert.equal(again.status, 404);
    assert.deepEqual(again.json(), { message: `No such image: ${mineDigest}` });
    // by ID, names in several repositories: Docker's conflict, unless forced
    const conflict = await request(svc.socketPath, 'DELETE', `/images/${img.two!.id.slice(0, 12)}`);
    assert.equal(conflict.status, 409);
    assert.deepEqual(conflict.json(), {
      message: `conflict: unable to delete ${img.two!.id.slice(0, 12)} (must be forced) - image is referenced in multiple repositories`,
    });
    const forced = await docker.getImage(img.two!.id).remove({ force: true });
    assert.deepEqual(forced.at(-1), { Deleted: sha(img.two!) });
    assert.deepEqual(
      forced
        .filter((x) => 'Untagged' in x)
        .map((x) => x.Untagged)
        .sort(),
      // every reference, lexically: tags and the digest references of both repositories
      ['quay.io/a/two:1', `quay.io/a/two@${img.two!.manifestDigest}`, 'quay.io/b/two:1', `quay.io/b/two@${img.two!.manifestDigest}`],
    );
    // by ID, every name in one repository: no force needed
    const byId = await docker.getImage(sha(img.app!)).remove();
    assert.deepEqual(byId.at(-1), { Deleted: sha(img.app!) });
    // the last name: untagged and deleted
    assert.deepEqual(await docker.getImage('localhost/only-local').remove(), [
      { Untagged: 'localhost/only-local:latest' },
      { Untagged: `localhost/only-local@${img.local!.manifestDigest}` },
      { Deleted: sha(img.local!) },
    ]);
    const gone = await request(svc.socketPath, 'DELETE', '/images/localhost/only-local');
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json(), { message: 'No such image: localhost/only-local:latest' });

    const pruned = await docker.pruneImages();
    assert.deepEqual(pruned.ImagesDeleted, [{ Deleted: sha(img.dangling!) }]);
    assert.ok((pruned.SpaceReclaimed as number) > 0);
    assert.deepEqual((await docker.pruneImages()).ImagesDeleted, null);
    const badPrune = await request(svc.socketPath, 'POST', `/images/prune?filters=${encodeURIComponent('{"reference":["x"]}')}`);
    assert.equal(badPrune.status, 400);
    assert.deepEqual(await docker.listImages().then(ids), [sha(img.busybox!)]);

    await waitFor(() => stream.lines.some((e) => e.Action === 'prune'), 'the prune event');
    const actions = stream.lines.map((e) => `${e.Action} ${(e.Actor as { Attributes: { name: string } }).Attributes.name ?? ''}`);
    assert.deepEqual(actions.slice(0, 3), [`tag myrepo:x`, `tag localhost:5000/team/app:v2`, `untag ${sha(img.busybox!)}`]);
    assert.ok(actions.includes(`delete ${sha(img.two!)}`));
    assert.ok(actions.includes(`delete ${sha(img.dangling!)}`));
    const first = stream.lines[0]!;
    assert.equal(first.Type, 'image');
    assert.equal(first.scope, 'local');
    assert.equal(first.status, 'tag');
    assert.equal((first.Actor as { ID: string }).ID, sha(img.busybox!));
    assert.ok(typeof first.time === 'number' && first.time >= Math.floor(t0));
    assert.ok(untagOnly.lines.length > 0 && untagOnly.lines.every((e) => e.Action === 'untag'));

    // since/until replay what happened, then the stream ends
    const now = Math.ceil(Date.now() / 1000) + 1;
    const replay = await request(
      svc.socketPath,
      'GET',
      `/events?since=${t0}&until=${now}&filters=${encodeURIComponent(JSON.stringify({ image: ['myrepo:x'] }))}`,
    );
    assert.equal(replay.status, 200);
    const replayed = replay.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string });
    assert.deepEqual(
      replayed.map((e) => e.Action),
      ['tag'],
    );
  } finally {
    stream.close();
    untagOnly.close();
  }
});

test('GET /info (what Testcontainers reads), GET /system/df', async () => {
  const info = await docker.info();
  assert.equal(info.IndexServerAddress, 'https://index.docker.io/v1/');
  assert.match(String(info.ServerVersion), /^\d+\.\d+\.\d+$/);
  assert.equal(info.OSType, 'linux');
  assert.equal(info.Architecture, os.machine());
  assert.equal(info.NCPU, os.availableParallelism());
  assert.equal(info.MemTotal, os.totalmem());
  assert.equal(info.DockerRootDir, root);
  assert.equal(typeof info.Images, 'number');
  assert.equal(typeof info.OperatingSystem, 'string');
  assert.deepEqual(info.Labels, []);
  assert.deepEqual(Object.keys(info.Runtimes as object), []);
  const df = await docker.df();
  const images = df.Images as Record<string, unknown>[];
  assert.equal(images.length, info.Images);
  assert.ok((df.LayersSize as number) > 0);
  assert.deepEqual(df.Containers, []);
  assert.deepEqual(df.Volumes, []);
  for (const i of images) assert.match(String(i.Id), /^sha256:[a-f0-9]{64}$/);
  // the images' RepoDigests and labels, as in the listing
  const bb = images.find((i) => i.Id === sha(img.busybox!))!;
  assert.deepEqual(bb.RepoDigests, [`busybox@${img.busybox!.manifestDigest}`]);
  assert.deepEqual(bb.Labels, { tier: 'base' });
});

test('bad requests get Docker JSON errors and the service keeps answering', async () => {
  const cases: [string, string, number][] = [
    ['GET', '/images/a%2FB/json', 400],
    ['GET', '/images/' + 'a'.repeat(300) + '/json', 400],
    ['DELETE', '/images/nope', 404],
    ['GET', '/events?since=yesterday', 400],
    ['POST', '/images/busybox/tag', 400],
  ];
  for (const [method, p, status] of cases) {
    const r = await request(svc.socketPath, method, p);
    assert.equal(r.status, status, `${method} ${p}: ${r.body}`);
    assert.equal(typeof (r.json() as { message: unknown }).message, 'string');
  }
  // a request line far too long: Node refuses it, the service goes on
  const long = await request(svc.socketPath, 'GET', `/images/json?x=${'a'.repeat(100_000)}`).catch(() => undefined);
  if (long) assert.equal(long.status, 431);
  assert.equal(String(await docker.ping()), 'OK');
  assert.equal(svc.child.exitCode, null);
});

test('a warm listing follows changes other processes make to the store', async () => {
  const before = await docker.listImages();
  const r = await run(process.execPath, [BERTH_CLI, '--root', root, 'tag', sha(img.busybox!), 'quay.io/elsewhere/bb:9'], {
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const after = await docker.listImages();
  assert.notDeepEqual(after, before);
  assert.ok((after.find((i) => i.Id === sha(img.busybox!))!.RepoTags as string[]).includes('quay.io/elsewhere/bb:9'));
  const r2 = await run(process.execPath, [BERTH_CLI, '--root', root, 'untag', sha(img.busybox!), 'quay.io/elsewhere/bb:9'], {
    timeoutMs: 30_000,
  });
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(await docker.listImages(), before);
});

test('concurrent requests: listings, inspects and tags at once all answer', async () => {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 20; i++) {
    calls.push(docker.listImages());
    calls.push(docker.getImage('busybox').inspect());
    calls.push(docker.getImage('busybox').tag({ repo: `concurrent/n${i}`, tag: 'x' }));
  }
  await Promise.all(calls);
  const tags = (await docker.getImage('busybox').inspect()).RepoTags as string[];
  for (let i = 0; i < 20; i++) assert.ok(tags.includes(`concurrent/n${i}:x`), `concurrent/n${i}:x`);
  await Promise.all(Array.from({ length: 20 }, (_, i) => docker.getImage(`concurrent/n${i}:x`).remove()));
  assert.ok(!((await docker.getImage('busybox').inspect()).RepoTags as string[]).some((t) => t.startsWith('concurrent/')));
});

test('an image stored through an index: manifests=1 lists every entry of it; its derived digest reference takes its last names', async () => {
  const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const arm = {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${'b'.repeat(64)}`,
    size: 1234,
    platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
  };
  let own: { mediaType: string; digest: string; size: number } | undefined;
  const store = Store.open({ root });
  let multi: WrittenImage;
  try {
    multi = await writeImage(store, {
      names: ['localhost/multi:1', 'localhost/multi:2'],
      layers: ['multi'],
      index: (m) => {
        own = m;
        return [
          { ...m, platform: { architecture: 'amd64', os: 'linux' } },
          arm as never,
          {
            mediaType: OCI_MANIFEST,
            digest: `sha256:${'c'.repeat(64)}`,
            size: 567,
            annotations: { 'vnd.docker.reference.digest': m.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
            platform: { architecture: 'unknown', os: 'unknown' },
          } as never,
        ];
      },
    });
  } finally {
    store.close();
  }
  const list = (await request(svc.socketPath, 'GET', '/v1.47/images/json?manifests=1')).json() as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  const summary = list.find((i) => i.Id === sha(multi))!;
  assert.ok((summary.RepoDigests as string[]).includes(`localhost/multi@${multi.indexDigest}`));
  const [mine, other, attestation, ...more] = summary.Manifests as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(more.length, 0);
  // the stored one: the index's descriptor (with its platform), its blobs and unpacked layers
  assert.equal(mine!.ID, multi.manifestDigest);
  assert.deepEqual(mine!.Descriptor, { ...own, platform: { architecture: 'amd64', os: 'linux' } });
  assert.equal(mine!.Available, true);
  assert.equal(mine!.Kind, 'image');
  assert.equal(mine!.Size.Content, summary.Size);
  assert.equal(mine!.Size.Total, mine!.Size.Content + mine!.ImageData.Size.Unpacked);
  assert.deepEqual(mine!.ImageData.Platform, { architecture: 'amd64', os: 'linux' });
  assert.equal(mine!.ImageData.Containers, null);
  // another platform's manifest, not in the store
  assert.deepEqual(other, {
    ID: arm.digest,
    Descriptor: arm,
    Available: false,
    Size: { Content: 0, Total: 0 },
    Kind: 'image',
    ImageData: { Platform: arm.platform, Size: { Unpacked: 0 }, Containers: null },
  });
  // buildkit's attestation manifest for the stored one
  assert.equal(attestation!.ID, `sha256:${'c'.repeat(64)}`);
  assert.equal(attestation!.Available, false);
  assert.equal(attestation!.Kind, 'attestation');
  assert.deepEqual(attestation!.AttestationData, { For: multi.manifestDigest });
  assert.ok(!('ImageData' in attestation!));

  // the index's digest reference (derived from the tags) when those are all its names: the image goes
  const ref = `localhost/multi@${multi.indexDigest}`;
  const gone = await docker.getImage(ref).remove();
  const refs = [
    'localhost/multi:1',
    'localhost/multi:2',
    `localhost/multi@${multi.indexDigest}`,
    `localhost/multi@${multi.manifestDigest}`,
  ];
  assert.deepEqual(gone, [
    { Untagged: ref },
    ...refs
      .filter((r) => r !== ref)
      .sort()
      .map((r) => ({ Untagged: r })),
    { Deleted: sha(multi) },
  ]);
  assert.ok(!(await docker.listImages()).some((i) => i.Id === sha(multi)));
});
