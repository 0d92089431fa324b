/**
 * The Docker API transfer endpoints over raw HTTP against a real registry: pull (by tag, by a
 * digest in `tag`, a tag in fromImage and in `tag`), import, push, save, load — the stream's
 * exact words and shapes, Docker's statuses before the stream, the store's contents, events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { makeTar, writeTinyOciLayout } from '../helpers/tools.js';
import { startRegistry } from '../helpers/registry.js';
import { startWorld, noise, messages, statuses, imageEvents, request } from './service-transfer-fixture.js';

test('pull, import, push, save and load over the Docker API, as dockerd words them', async (t) => {
  const w = await startWorld(t);
  const H = w.reg.host;
  const big = noise(6 << 20);
  const appDigest = await w.seed('app:v1', { 'big.bin': big, 'hello.txt': 'hello\n' }, ['v2']);
  const otherDigest = await w.seed('other:latest', { 'other.txt': 'other\n' });
  const sock = w.svc.socketPath;

  await t.test('pull by tag: NDJSON progress with details, then Digest and Status', async () => {
    const r = await request(sock, 'POST', `/v1.41/images/create?fromImage=${H}/app&tag=v1`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(r.body, /\r\n$/);
    const m = messages(r);
    assert.deepEqual(m[0], { status: 'Pulling from app', id: 'v1' });
    const layerIds = new Set(m.filter((x) => x.status === 'Pulling fs layer').map((x) => x.id));
    assert.equal(layerIds.size, 1);
    const [id] = [...layerIds] as string[];
    assert.match(id!, /^[a-f0-9]{12}$/);
    const rows = m.filter((x) => x.id === id).map((x) => x.status);
    assert.deepEqual(
      rows.filter((s) => s !== 'Downloading'),
      ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete'],
    );
    const dl = m.filter((x) => x.status === 'Downloading') as { progressDetail: { current?: number; total: number }; progress: string }[];
    assert.ok(dl.length >= 2, 'at least the start and the end of the download');
    const total = dl[0]!.progressDetail.total;
    assert.ok(total > 6 << 20);
    assert.deepEqual(dl.at(-1)!.progressDetail, { current: total, total });
    assert.match(dl.at(-1)!.progress, /^\[={50}>\] +\d+(\.\d+)?MB\/\d+(\.\d+)?MB$/);
    assert.deepEqual(m.slice(-2), [{ status: `Digest: ${appDigest}` }, { status: `Status: Downloaded newer image for ${H}/app:v1` }]);
    assert.match(await w.berth('images', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}'), new RegExp(`${H}/app:v1 ${appDigest}`));
  });

  await t.test('the same pull again: up to date; a new tag of the same image: layers already exist', async () => {
    const again = await request(sock, 'POST', `/images/create?fromImage=${H}/app&tag=v1`);
    assert.equal(again.status, 200);
    const s = statuses(again);
    assert.ok(s.includes('Already exists'));
    assert.ok(!s.includes('Downloading'));
    assert.equal(s.at(-1), `Status: Image is up to date for ${H}/app:v1`);
    // a tag in fromImage and another in `tag`: `tag` wins (not name:tag:tag)
    const v2 = await request(sock, 'POST', `/images/create?fromImage=${encodeURIComponent(`${H}/app:v1`)}&tag=v2`);
    assert.equal(v2.status, 200, v2.body);
    assert.equal(statuses(v2).at(-1), `Status: Downloaded newer image for ${H}/app:v2`);
    assert.ok(statuses(v2).includes('Already exists'));
    // a tag in fromImage alone is used
    const other = await request(sock, 'POST', `/images/create?fromImage=${encodeURIComponent(`${H}/other:latest`)}`);
    assert.equal(other.status, 200, other.body);
    assert.equal(statuses(other).at(-1), `Status: Downloaded newer image for ${H}/other:latest`);
    const names = await w.berth('images', '--format', '{{.Repository}}:{{.Tag}}');
    assert.match(names, new RegExp(`${H}/app:v2`));
    assert.match(names, new RegExp(`${H}/other:latest`));
  });

  await t.test('no tag anywhere: every tag of the repository, one "Pulling from" per tag', async () => {
    const r = await request(sock, 'POST', `/images/create?fromImage=${H}/app`);
    assert.equal(r.status, 200, r.body);
    const pulling = messages(r).filter((x) => x.status === 'Pulling from app');
    assert.deepEqual(
      pulling.map((x) => x.id),
      ['v1', 'v2'],
    );
    assert.equal(statuses(r).filter((s) => s.startsWith('Digest: ')).length, 2);
    assert.equal(statuses(r).at(-1), `Status: Image is up to date for ${H}/app`);
  });

  await t.test('pull with the digest in `tag` (as the docker CLI sends it)', async () => {
    const r = await request(sock, 'POST', `/images/create?fromImage=${H}/other&tag=${otherDigest}`);
    assert.equal(r.status, 200, r.body);
    const m = messages(r);
    assert.deepEqual(m[0], { status: 'Pulling from other', id: `${H}/other@${otherDigest}` });
    assert.deepEqual(m.at(-1), { status: `Status: Image is up to date for ${H}/other@${otherDigest}` });
    // and with a tag in fromImage too: the digest decides
    const both = await request(sock, 'POST', `/images/create?fromImage=${encodeURIComponent(`${H}/app:v1`)}&tag=${otherDigest}`);
    assert.equal(both.status, 404, both.body);
    assert.match(
      (both.json() as { message: string }).message,
      new RegExp(`^manifest for ${H}/app@${otherDigest} not found: manifest unknown`),
    );
  });

  await t.test('failures before the stream: Docker status and {"message"}, no 200', async () => {
    const cases: [string, number, RegExp][] = [
      [`fromImage=${H}/app&tag=nope`, 404, new RegExp(`^manifest for ${H}/app:nope not found: manifest unknown: manifest unknown$`)],
      [
        `fromImage=${H}/missing&tag=latest`,
        404,
        new RegExp(`^(repository ${H}/missing not found: name unknown|manifest for ${H}/missing:latest not found)`),
      ],
      ['fromImage=Upper/Case&tag=latest', 400, /invalid reference format/],
      [`fromImage=${H}/app&tag=${encodeURIComponent('bad tag!')}`, 400, /^invalid tag format/],
      ['fromImage=scratch&tag=latest', 400, /'scratch' is a reserved name/],
      [`fromImage=${H}/app&tag=v1&platform=linux%2F`, 400, /invalid platform/],
      ['fromImage=127.0.0.1:1/app&tag=v1', 500, /127\.0\.0\.1:1/],
      ['', 400, /fromImage/],
    ];
    for (const [q, status, words] of cases) {
      const r = await request(sock, 'POST', `/v1.41/images/create?${q}`);
      assert.equal(r.status, status, `${q}: ${r.body}`);
      assert.equal(r.headers['content-type'], 'application/json');
      const body = r.json() as { message: string };
      assert.deepEqual(Object.keys(body), ['message'], q);
      assert.match(body.message, words, q);
    }
  });

  await t.test('import (fromSrc=-): the body becomes a one-layer image with repo, tag, message and changes', async () => {
    const tar = makeTar({ 'etc/motd': 'imported\n' });
    const q = new URLSearchParams({ fromSrc: '-', repo: 'imported', tag: 't1', message: 'from the API' });
    q.append('changes', 'CMD ["/bin/true"]');
    q.append('changes', 'ENV A=1');
    const r = await request(sock, 'POST', `/images/create?${q}`, tar, { 'content-type': 'application/x-tar' });
    assert.equal(r.status, 200, r.body);
    const [msg] = messages(r);
    assert.match(String(msg!.status), /^sha256:[a-f0-9]{64}$/);
    const inspect = JSON.parse(await w.berth('inspect', 'docker.io/library/imported:t1'))[0];
    assert.equal(`sha256:${inspect.Id}`, msg!.status);
    assert.deepEqual(inspect.Config.Cmd, ['/bin/true']);
    assert.ok(inspect.Config.Env.includes('A=1'));
    assert.equal(inspect.History[0].comment, 'from the API');
    const bad = await request(sock, 'POST', '/images/create?fromSrc=-&repo=broken', Buffer.from('not a tar archive at all'));
    assert.equal(bad.status, 400, bad.body);
    assert.match((bad.json() as { message: string }).message, /not a valid tar archive/);
    const digestRepo = await request(sock, 'POST', `/images/create?fromSrc=-&repo=${encodeURIComponent(`x@${appDigest}`)}`, tar);
    assert.equal(digestRepo.status, 400);
    assert.deepEqual(digestRepo.json(), { message: 'cannot import digest reference' });
  });

  let pushedDigest = '';
  await t.test('push: repository line, per-layer rows, digest line and aux; the registry has it', async () => {
    await w.berth('tag', `${H}/app:v1`, `${H}/pushed:v9`);
    const r = await request(sock, 'POST', `/v1.41/images/${H}/pushed/push?tag=v9`, undefined, {
      'X-Registry-Auth': Buffer.from('{}').toString('base64url'),
    });
    assert.equal(r.status, 200, r.body);
    const m = messages(r);
    assert.deepEqual(m[0], { status: `The push refers to repository [${H}/pushed]` });
    const layer = m.find((x) => x.status === 'Preparing')!.id;
    const rows = m.filter((x) => x.id === layer).map((x) => x.status);
    assert.equal(rows[0], 'Preparing');
    assert.ok(rows.at(-1) === 'Pushed' || rows.at(-1) === 'Layer already exists', rows.join());
    const last = m.at(-1) as { aux: { Tag: string; Digest: string; Size: number } };
    assert.equal(last.aux.Tag, 'v9');
    pushedDigest = last.aux.Digest;
    assert.deepEqual(m.at(-2), { status: `v9: digest: ${pushedDigest} size: ${last.aux.Size}` });
    const got = await fetch(`${w.reg.url}/v2/pushed/manifests/v9`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(got.headers.get('docker-content-digest'), pushedDigest);
    assert.equal((await got.arrayBuffer()).byteLength, last.aux.Size);
  });

  await t.test('push: unknown image, unknown tag, digest reference', async () => {
    const ghost = await request(sock, 'POST', `/images/${H}/ghost/push?tag=latest`);
    assert.equal(ghost.status, 404);
    assert.deepEqual(ghost.json(), { message: `An image does not exist locally with the tag: ${H}/ghost` });
    const tag = await request(sock, 'POST', `/images/${H}/pushed/push?tag=nope`);
    assert.equal(tag.status, 404);
    assert.deepEqual(tag.json(), { message: `tag does not exist: ${H}/pushed:nope` });
    const dig = await request(sock, 'POST', `/images/${H}/pushed@${appDigest}/push`);
    assert.equal(dig.status, 400);
    assert.deepEqual(dig.json(), { message: 'cannot push a digest reference' });
  });

  let archive: Buffer = Buffer.alloc(0);
  await t.test('save: one image, several images in one archive, unknown name', async () => {
    const one = await rawGet(sock, `/images/${encodeURIComponent(`${H}/app:v1`)}/get`);
    assert.equal(one.status, 200, one.body.toString());
    assert.equal(one.type, 'application/x-tar');
    const m1 = tarManifest(one.body);
    assert.equal(m1.length, 1);
    assert.deepEqual(m1[0]!.RepoTags, [`${H}/app:v1`]);
    const many = await rawGet(
      sock,
      `/images/get?names=${encodeURIComponent(`${H}/app:v1`)}&names=${encodeURIComponent(`${H}/other:latest`)}&names=${H}/app`,
    );
    assert.equal(many.status, 200, many.body.toString());
    const m2 = tarManifest(many.body);
    assert.equal(m2.length, 2);
    assert.deepEqual(m2.flatMap((x) => x.RepoTags).sort(), [`${H}/app:v1`, `${H}/app:v2`, `${H}/other:latest`]);
    archive = many.body;
    const missing = await request(sock, 'GET', '/images/get?names=nothing-here');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { message: 'No such image: nothing-here:latest' });
  });

  await t.test('load: a multi-image archive into another store; quiet by default; bad archives are 400', async () => {
    const other = await w.startOther();
    const r = await request(other.svc.socketPath, 'POST', '/images/load', archive, { 'content-type': 'application/x-tar' });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(
      messages(r)
        .map((x) => x.stream)
        .sort(),
      [`Loaded image: ${H}/app:v1\n`, `Loaded image: ${H}/app:v2\n`, `Loaded image: ${H}/other:latest\n`],
    );
    const names = (await w.sb.run(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root: other.root })).stdout;
    for (const n of [`${H}/app:v1`, `${H}/app:v2`, `${H}/other:latest`]) assert.ok(names.includes(n), names);
    const loud = await request(other.svc.socketPath, 'POST', '/images/load?quiet=0', archive);
    assert.equal(loud.status, 200);
    assert.ok(
      messages(loud).some((x) => x.status === 'Loading layer' && typeof x.progressDetail === 'object'),
      loud.body,
    );
    const bad = await request(other.svc.socketPath, 'POST', '/images/load', Buffer.from('garbage'));
    assert.equal(bad.status, 400, bad.body);
    assert.equal(Object.keys(bad.json() as object).join(), 'message');
    const ev = await imageEvents(other.svc);
    assert.equal(ev.filter((e) => e.Action === 'load' && /^sha256:[a-f0-9]{64}$/.test(e.Actor.ID)).length, 4, JSON.stringify(ev));
  });

  await t.test('image events: pull, push, save, load and import', async () => {
    const ev = await imageEvents(w.svc);
    const pulls = ev.filter((e) => e.Action === 'pull');
    assert.ok(
      pulls.some((e) => e.Actor.ID === `${H}/app:v1` && e.Actor.Attributes.name === `${H}/app`),
      JSON.stringify(ev),
    );
    assert.ok(ev.some((e) => e.Action === 'push' && e.Actor.ID === `${H}/pushed:v9`));
    assert.ok(ev.some((e) => e.Action === 'save' && /^sha256:[a-f0-9]{64}$/.test(e.Actor.ID)));
    assert.ok(ev.some((e) => e.Action === 'import'));
  });
});

async function rawGet(socketPath: string, p: string): Promise<{ status: number; type: string; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: p }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** manifest.json of an uncompressed docker-archive tar. */
function tarManifest(tar: Buffer): { RepoTags: string[]; Config: string; Layers: string[] }[] {
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar
      .subarray(off, off + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(
      tar
        .subarray(off + 124, off + 136)
        .toString('ascii')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (name === 'manifest.json') return JSON.parse(tar.subarray(off + 512, off + 512 + size).toString('utf8'));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no manifest.json in the archive');
}

test('a plain-http registry on a loopback address needs no registries.conf entry (dockerd treats 127.0.0.0/8 as insecure)', async (t) => {
  const w = await startWorld(t);
  const plain = await startRegistry();
  t.after(() => plain.stop());
  const dir = path.join(w.sb.dir, 'loopback-oci');
  const img = await writeTinyOciLayout(dir, { files: { 'lo.txt': 'loopback\n' } });
  const seeded = await w.sb.run(['copy', '--dest-tls-verify=false', `oci:${dir}:${img.tag}`, `docker://${plain.host}/lo:1`], {
    root: w.sb.store(),
  });
  assert.equal(seeded.code, 0, seeded.stderr);
  // the CLI, without --tls-verify=false, refuses plain http for it (registries.conf has no entry)
  const cli = await w.sb.run(['pull', '-q', `${plain.host}/lo:1`], { root: w.sb.store() });
  assert.notEqual(cli.code, 0);
  const r = await request(w.svc.socketPath, 'POST', `/images/create?fromImage=${plain.host}/lo&tag=1`);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(messages(r).at(-1), { status: `Status: Downloaded newer image for ${plain.host}/lo:1` });
  assert.match(await w.berth('images', '--format', '{{.Repository}}:{{.Tag}}'), new RegExp(`^${plain.host}/lo:1$`, 'm'));
});
