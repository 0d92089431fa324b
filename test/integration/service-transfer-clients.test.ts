/**
 * Real Docker clients against the transfer endpoints: dockerode (every endpoint), the pull
 * Testcontainers-node makes (dockerode.pull, then the NDJSON stream read to its end), and the
 * real docker CLI (pull by tag and by digest, push, save, load): digests, exit codes, output
 * words, store contents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { makeTar, run, toolPath } from '../helpers/tools.js';
import { startWorld, noise } from './service-transfer-fixture.js';

type Json = Record<string, unknown>;

/** Read a dockerode stream to its end (as Testcontainers does with byline) and parse its lines. */
async function readLines(stream: NodeJS.ReadableStream): Promise<Json[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks)
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Json);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

test('dockerode: pull (as Testcontainers), push, get, getImages, loadImage, importImage, checkAuth', async (t) => {
  const w = await startWorld(t);
  const H = w.reg.host;
  const digest = await w.seed('tc:1.0', { 'a.bin': noise(1 << 20) });
  await w.seed('side:latest', { 'b.txt': 'side\n' });
  const docker = new Docker({ socketPath: w.svc.socketPath });

  // Testcontainers: image absent (inspect 404 "No such image"), then pull and read to the end
  await assert.rejects(docker.getImage(`${H}/tc:1.0`).inspect(), (e: { statusCode?: number; message: string }) => {
    assert.equal(e.statusCode, 404);
    assert.match(e.message, /No such image/);
    return true;
  });
  const lines = await readLines(await docker.pull(`${H}/tc:1.0`, { authconfig: {} }));
  assert.deepEqual(lines[0], { status: 'Pulling from tc', id: '1.0' });
  assert.deepEqual(lines.at(-1), { status: `Status: Downloaded newer image for ${H}/tc:1.0` });
  assert.ok(lines.every((l) => !('error' in l)));
  const inspected = await docker.getImage(`${H}/tc:1.0`).inspect();
  assert.deepEqual(inspected.RepoDigests, [`${H}/tc@${digest}`]);
  // followProgress (dockerode's own reader) sees the same stream end without error
  const byDigest = await docker.pull(`${H}/tc@${digest}`);
  const followed = await new Promise<Json[]>((resolve, reject) =>
    docker.modem.followProgress(byDigest, (err, out) => (err ? reject(err) : resolve(out))),
  );
  assert.deepEqual(followed.at(-1), { status: `Status: Image is up to date for ${H}/tc@${digest}` });
  // an unknown image fails the pull call itself (Testcontainers sees the error; no 200 with an error inside)
  await assert.rejects(docker.pull(`${H}/absent:1`), (e: { statusCode?: number; message: string; json?: unknown }) => {
    assert.equal(e.statusCode, 404);
    assert.match(`${e.message} ${JSON.stringify(e.json)}`, new RegExp(`${H}/absent`));
    return true;
  });

  // push with an auth config (the registry needs none: it is accepted and unused)
  await docker.getImage(`${H}/tc:1.0`).tag({ repo: `${H}/tc-copy`, tag: 'x' });
  const pushed = await readLines(
    await docker.getImage(`${H}/tc-copy`).push({ tag: 'x', authconfig: { username: 'u', password: 'p', serveraddress: H } }),
  );
  const aux = pushed.find((l) => l.aux)?.aux as { Tag: string; Digest: string; Size: number };
  assert.equal(aux.Tag, 'x');
  const remote = await fetch(`${w.reg.url}/v2/tc-copy/manifests/x`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  assert.equal(remote.headers.get('docker-content-digest'), aux.Digest);

  // save one and several
  const one = await readAll(await docker.getImage(`${H}/tc:1.0`).get());
  assert.ok(one.includes(Buffer.from('manifest.json')));
  await readLines(await docker.pull(`${H}/side:latest`));
  const both = await readAll(await docker.getImages({ names: [`${H}/tc:1.0`, `${H}/side:latest`] } as never));
  assert.ok(both.includes(Buffer.from(`${H}/side:latest`)) && both.includes(Buffer.from(`${H}/tc:1.0`)));

  // load into another store
  const other = await w.startOther();
  const docker2 = new Docker({ socketPath: other.svc.socketPath });
  const loaded = await readLines(await docker2.loadImage(Readable.from([both]) as never));
  assert.deepEqual(loaded.map((l) => l.stream).sort(), [`Loaded image: ${H}/side:latest\n`, `Loaded image: ${H}/tc:1.0\n`]);
  assert.equal((await docker2.getImage(`${H}/tc:1.0`).inspect()).Id, inspected.Id);

  // import
  const modem = docker2.modem;
  const imported = await new Promise<Json[]>((resolve, reject) =>
    modem.dial(
      {
        path: '/images/create?',
        method: 'POST',
        options: { fromSrc: '-', repo: 'fromtar', tag: 'v1' },
        file: Readable.from([makeTar({ 'x.txt': 'x\n' })]),
        isStream: true,
        statusCodes: { 200: true, 500: 'server error' },
      },
      (err, data) => {
        if (err) reject(err);
        else void readLines(data as NodeJS.ReadableStream).then(resolve, reject);
      },
    ),
  );
  assert.match(String(imported[0]?.status), /^sha256:[a-f0-9]{64}$/);
  assert.equal((await docker2.getImage('fromtar:v1').inspect()).Id, imported[0]!.status);

  // checkAuth against a registry without authentication
  assert.deepEqual(await docker.checkAuth({ username: 'any', password: 'thing', serveraddress: H }), {
    IdentityToken: '',
    Status: 'Login Succeeded',
  });
});

const docker = toolPath('docker');

test('the real docker CLI: pull by tag and digest, push, save, load', { skip: !docker && 'docker CLI not installed' }, async (t) => {
  const w = await startWorld(t);
  const H = w.reg.host;
  const digest = await w.seed('cli:v1', { 'big.bin': noise(5 << 20), 'etc/hello': 'hi\n' });
  const cfg = path.join(w.sb.dir, 'docker-config');
  await fsp.mkdir(cfg, { recursive: true });
  const dockerRun = (args: string[], host = w.svc.dockerHost) =>
    run(docker!, args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: cfg, HOME: w.sb.home }, timeoutMs: 60_000 });

  const pull = await dockerRun(['pull', `${H}/cli:v1`]);
  assert.equal(pull.code, 0, pull.stderr);
  const out = pull.stdout.split('\n');
  assert.equal(out[0], 'v1: Pulling from cli');
  assert.ok(
    out.some((l) => /^[a-f0-9]{12}: Pull complete$/.test(l)),
    pull.stdout,
  );
  assert.ok(out.includes(`Digest: ${digest}`), pull.stdout);
  assert.ok(out.includes(`Status: Downloaded newer image for ${H}/cli:v1`), pull.stdout);
  assert.equal(out.filter(Boolean).at(-1), `${H}/cli:v1`);

  const byDigest = await dockerRun(['pull', `${H}/cli@${digest}`]);
  assert.equal(byDigest.code, 0, byDigest.stderr);
  assert.match(byDigest.stdout, new RegExp(`${H}/cli@${digest}: Pulling from cli`));
  assert.match(byDigest.stdout, new RegExp(`Status: Image is up to date for ${H}/cli@${digest}`));
  assert.match(await w.berth('images', '--digests', '--format', '{{.Repository}} {{.Digest}}'), new RegExp(`${H}/cli ${digest}`));

  const missing = await dockerRun(['pull', `${H}/cli:nope`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`Error response from daemon: manifest for ${H}/cli:nope not found: manifest unknown`));

  const tag = await dockerRun(['tag', `${H}/cli:v1`, `${H}/cli-pushed:v2`]);
  assert.equal(tag.code, 0, tag.stderr);
  const push = await dockerRun(['push', `${H}/cli-pushed:v2`]);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${H}/cli-pushed\\]$`, 'm'));
  const dline = /^v2: digest: (sha256:[a-f0-9]{64}) size: (\d+)$/m.exec(push.stdout);
  assert.ok(dline, push.stdout);
  const remote = await fetch(`${w.reg.url}/v2/cli-pushed/manifests/v2`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  assert.equal(remote.headers.get('docker-content-digest'), dline[1]);
  assert.equal((await remote.arrayBuffer()).byteLength, Number(dline[2]));

  const tar = path.join(w.sb.dir, 'saved.tar');
  const save = await dockerRun(['save', '-o', tar, `${H}/cli:v1`, `${H}/cli-pushed:v2`]);
  assert.equal(save.code, 0, save.stderr);
  assert.ok((await fsp.stat(tar)).size > 5 << 20);

  const other = await w.startOther();
  const load = await dockerRun(['load', '-i', tar], other.svc.dockerHost);
  assert.equal(load.code, 0, load.stderr);
  assert.deepEqual(load.stdout.trim().split('\n').sort(), [`Loaded image: ${H}/cli-pushed:v2`, `Loaded image: ${H}/cli:v1`]);
  const names = (await w.sb.run(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { root: other.root })).stdout;
  const here = await w.berth('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}');
  assert.ok(names.includes(here.split('\n').find((l) => l.startsWith(`${H}/cli:v1 `))!), `${names}\n${here}`);
});
