/**
 * The real docker CLI (client only) against `berth system service`: images, inspect, tag,
 * history, rmi, image prune, info, system df — the words and columns it prints from our answers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../../src/store/store.js';
import { writeImage, type WrittenImage } from '../unit/images/fixture.js';
import { startService, type RunningService } from '../helpers/service.js';
import { run, toolPath } from '../helpers/tools.js';

const skip = !toolPath('docker') && 'the docker CLI is not installed';
let dir: string;
let svc: RunningService;
let busybox: WrittenImage;
let dangling: WrittenImage;

before(async () => {
  if (skip) return;
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-svc-docker-'));
  const root = path.join(dir, 'store');
  const store = Store.open({ root });
  busybox = await writeImage(store, { names: ['docker.io/library/busybox:latest'], layers: ['a', 'b'], created: '2024-01-02T03:04:05Z' });
  dangling = await writeImage(store, { layers: ['c'] });
  store.close();
  await fsp.mkdir(path.join(dir, 'docker-config'));
  svc = await startService({ root });
});

after(async () => {
  await svc?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function docker(...args: string[]): Promise<string> {
  const env = {
    DOCKER_HOST: svc.dockerHost,
    DOCKER_CONFIG: path.join(dir, 'docker-config'),
    DOCKER_CONTEXT: undefined,
    DOCKER_API_VERSION: undefined,
  };
  const r = await run('docker', args, { env, timeoutMs: 30_000 });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('docker images / image inspect / history / tag / rmi / image prune / info / system df', { skip }, async () => {
  const short = (w: WrittenImage) => w.id.slice(0, 12);
  assert.equal(
    await docker('images', '--format', '{{.Repository}} {{.Tag}} {{.ID}}'),
    `busybox latest ${short(busybox)}\n<none> <none> ${short(dangling)}\n`,
  );
  assert.equal(
    await docker('image', 'inspect', 'busybox', '--format', '{{.Id}} {{.Os}} {{len .RootFS.Layers}}'),
    `sha256:${busybox.id} linux 2\n`,
  );
  assert.equal(await docker('history', 'busybox', '--format', '{{.ID}} {{.CreatedBy}}'), `${short(busybox)} layer 1\n<missing> layer 0\n`);
  await docker('tag', 'busybox', 'myrepo:x');
  assert.equal(await docker('images', 'myrepo', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'), `myrepo:x ${short(busybox)}\n`);
  // dockerd untags the repository's digest reference with its last tag
  assert.equal(await docker('rmi', 'myrepo:x'), `Untagged: myrepo:x\nUntagged: myrepo@${busybox.manifestDigest}\n`);
  await docker('tag', 'busybox', 'myrepo:y');
  // a digest reference derived from the repository's tags goes with them (as with dockerd's containerd
  // image store); the image stays under its other names
  await docker('tag', 'busybox', 'myrepo:z');
  assert.equal(
    await docker('rmi', `myrepo@${busybox.manifestDigest}`),
    `Untagged: myrepo@${busybox.manifestDigest}\nUntagged: myrepo:y\nUntagged: myrepo:z\n`,
  );
  assert.equal(await docker('images', 'myrepo', '--format', '{{.Repository}}:{{.Tag}}'), '');
  assert.equal(await docker('images', 'busybox', '--format', '{{.Repository}}:{{.Tag}}'), 'busybox:latest\n');
  assert.match(
    await docker('image', 'prune', '-f'),
    new RegExp(`^Deleted Images:\ndeleted: sha256:${dangling.id}\n\nTotal reclaimed space: \\d`),
  );
  assert.equal(await docker('info', '--format', '{{.Images}} {{.OSType}} {{.Driver}}'), '1 linux berth\n');
  assert.match(await docker('system', 'df', '--format', '{{.Type}} {{.TotalCount}}'), /^Images 1\n/);
  const missing = await run('docker', ['image', 'inspect', 'nope'], {
    env: { DOCKER_HOST: svc.dockerHost, DOCKER_CONFIG: path.join(dir, 'docker-config') },
    timeoutMs: 30_000,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No such image: nope/);
});
