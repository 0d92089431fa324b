/**
 * berth manifest create/add/annotate/inspect/exists/remove/rm/push against a real registry,
 * side by side with podman: the same inspect output and the same pushed list digest for the
 * same steps, instances copied from the registry or from the store, and podman's words and
 * exit codes for the failures.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchPodman, skipUnlessTools, type RunResult, type ScratchPodman, scratchDir } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { writeIndexLayoutFull, type IndexLayout } from './index-fixtures.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('podman', 'skopeo') : '/usr/bin/docker-registry not installed';
const T = { timeout: 120_000 };
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('manifest lists (berth manifest ...) beside podman manifest', { skip }, () => {
  let reg: Registry;
  let pod: ScratchPodman;
  let b: ScratchBerth;
  let work: string;
  let src: IndexLayout;

  const skopeo = async (args: string[]) => ok(await pod.skopeo(args), `skopeo ${args.join(' ')}`);
  const raw = async (ref: string) => Buffer.from((await skopeo(['inspect', '--raw', '--tls-verify=false', ref])).stdout);
  const berth = (args: string[]) => b.run(args);
  const podman = async (args: string[]) => ok(await pod.run(args), `podman ${args.join(' ')}`);

  before(async () => {
    reg = await startRegistry();
    pod = await scratchPodman();
    b = await scratchBerth();
    work = await scratchDir('berth-manifest-');
    src = await writeIndexLayoutFull(path.join(work, 'src'), 'multi', ['amd64', 'arm64', 's390x'], { gzip: true });
    await skopeo([
      'copy',
      '-q',
      '--all',
      '--dest-tls-verify=false',
      `oci:${path.join(work, 'src')}:multi`,
      `docker://${reg.host}/src/multi:1`,
    ]);
  });
  after(async () => {
    await reg?.stop();
    await pod?.cleanup();
    await b?.cleanup();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  test('create, exists, inspect of an empty list; a taken name is refused with podman words; --amend reuses it', T, async () => {
    const id = ok(await berth(['manifest', 'create', 'empty']), 'create').stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal((await berth(['manifest', 'exists', 'empty'])).code, 0);
    assert.equal((await berth(['manifest', 'exists', id])).code, 0);
    const missing = await berth(['manifest', 'exists', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, '');
    await podman(['manifest', 'create', 'empty']);
    const ours = ok(await berth(['manifest', 'inspect', 'empty']), 'inspect').stdout;
    assert.equal(ours, (await podman(['manifest', 'inspect', 'empty'])).stdout);
    const again = await berth(['manifest', 'create', 'empty']);
    assert.equal(again.code, 125);
    assert.equal(
      again.stderr.trim(),
      `Error: creating image to hold manifest list: image name "localhost/empty:latest" is already associated with image "${id}": that name is already in use`,
    );
    assert.equal(ok(await berth(['manifest', 'create', '--amend', 'empty']), 'amend').stdout.trim(), id);
  });

  test("add --all from a registry, remove one: inspect and the pushed list equal podman's", T, async () => {
    const from = `docker://${reg.host}/src/multi:1`;
    ok(await berth(['manifest', 'create', 'mylist']), 'create');
    // without --all: this machine's platform only; then --all adds the rest (the same digest is not repeated)
    ok(await berth(['manifest', 'add', '--tls-verify=false', 'mylist', from]), 'add');
    ok(await berth(['manifest', 'add', '--all', '--tls-verify=false', 'mylist', from]), 'add --all');
    const s390x = src.images.s390x!.manifestDigest;
    ok(await berth(['manifest', 'remove', 'mylist', s390x]), 'remove');
    await podman(['manifest', 'create', 'plist']);
    await podman(['manifest', 'add', '--all', '--tls-verify=false', 'plist', from]);
    await podman(['manifest', 'remove', 'plist', s390x]);
    const ours = ok(await berth(['manifest', 'inspect', 'mylist']), 'inspect').stdout;
    const doc = JSON.parse(ours) as { manifests: { digest: string }[] };
    assert.deepEqual(
      doc.manifests.map((m) => m.digest).sort(),
      [src.images.amd64!.manifestDigest, src.images.arm64!.manifestDigest].sort(),
    );
    // podman 4.3 names a non-empty list a docker list in inspect (newer podman says OCI, as berth does)
    const theirs = (await podman(['manifest', 'inspect', 'plist'])).stdout;
    const norm = (t: string) =>
      t.replace(/"application\/vnd\.(docker\.distribution\.manifest\.list\.v2|oci\.image\.index\.v1)\+json"/, '"LIST"');
    assert.equal(norm(ours), norm(theirs));

    const digestfile = path.join(work, 'digest');
    const pushed = ok(
      await berth([
        'manifest',
        'push',
        '-q',
        '--tls-verify=false',
        '--digestfile',
        digestfile,
        'mylist',
        `docker://${reg.host}/dst/berth:1`,
      ]),
      'push',
    ).stdout.trim();
    assert.equal(await fsp.readFile(digestfile, 'utf8'), pushed);
    await podman(['manifest', 'push', '-q', '--all', '--tls-verify=false', 'plist', `docker://${reg.host}/dst/podman:1`]);
    const list = await raw(`docker://${reg.host}/dst/berth:1`);
    assert.equal(sha256(list), pushed);
    assert.equal(sha256(await raw(`docker://${reg.host}/dst/podman:1`)), pushed, 'podman pushed the same list');
    for (const arch of ['amd64', 'arm64']) {
      const d = src.images[arch]!.manifestDigest;
      assert.equal(sha256(await raw(`docker://${reg.host}/dst/berth@${d}`)), d, `${arch} instance pushed`);
    }
  });

  test('a local image added by name is pushed from the store; annotate; rm and its exit codes', T, async () => {
    // an image that exists only in the store (pulled from an OCI layout, then named)
    const imageId = ok(await berth(['pull', '-q', `oci:${path.join(work, 'src')}-arm64`]), 'pull from layout').stdout.trim();
    ok(await berth(['untag', imageId]), 'untag');
    ok(await berth(['tag', imageId, 'onlyhere:arm']), 'tag');
    const id = ok(await berth(['manifest', 'create', 'local', 'onlyhere:arm']), 'create with image').stdout.trim();
    const d = src.images.arm64!.manifestDigest;
    assert.equal(
      ok(await berth(['manifest', 'annotate', '--annotation', 'org.example=1', '--variant', 'v8', 'local', d]), 'annotate').stdout.trim(),
      id,
    );
    const doc = JSON.parse(ok(await berth(['manifest', 'inspect', 'local']), 'inspect').stdout) as {
      mediaType: string;
      manifests: { digest: string; platform: { architecture: string; variant?: string }; annotations?: Record<string, string> }[];
    };
    assert.equal(doc.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(doc.manifests[0], { ...doc.manifests[0], digest: d, annotations: { 'org.example': '1' } });
    assert.equal(doc.manifests[0]!.platform.variant, 'v8');
    // the instance exists nowhere but in the store
    const pushed = ok(
      await berth(['manifest', 'push', '-q', '--tls-verify=false', '--rm', 'local', `docker://${reg.host}/dst/local:1`]),
      'push',
    ).stdout.trim();
    assert.equal(sha256(await raw(`docker://${reg.host}/dst/local:1`)), pushed);
    assert.equal(sha256(await raw(`docker://${reg.host}/dst/local@${d}`)), d);
    assert.equal((await berth(['manifest', 'exists', 'local'])).code, 1, '--rm removed the list');

    ok(await berth(['manifest', 'create', 'gone']), 'create');
    const rm = ok(await berth(['manifest', 'rm', 'gone']), 'rm');
    assert.match(rm.stdout, /^Untagged: localhost\/gone:latest\nDeleted: [0-9a-f]{64}\n$/);
    const again = await berth(['manifest', 'rm', 'gone']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim(), 'Error: gone: image not known');
    const ignored = await berth(['manifest', 'rm', '--ignore', 'gone']);
    assert.equal(ignored.code, 0);
    assert.equal(ignored.stdout, '');
    const notList = await berth(['manifest', 'rm', 'onlyhere:arm']);
    assert.equal(notList.code, 125);
    assert.equal(notList.stderr.trim(), 'Error: localhost/onlyhere:arm: image is not a manifest list');
    const badDigest = await berth(['manifest', 'remove', 'empty', `sha256:${'0'.repeat(64)}`]);
    assert.equal(badDigest.code, 125);
    assert.equal(
      badDigest.stderr.trim(),
      `Error: removing from manifest list empty: no instance matching digest "sha256:${'0'.repeat(64)}" found in manifest list: file does not exist`,
    );
  });

  test('inspect of a list that is only in the registry', T, async () => {
    const r = ok(await berth(['manifest', 'inspect', '--tls-verify=false', `${reg.host}/src/multi:1`]), 'remote inspect');
    const doc = JSON.parse(r.stdout) as { mediaType: string; manifests: { digest: string }[] };
    assert.equal(doc.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      doc.manifests.map((m) => m.digest),
      ['amd64', 'arm64', 's390x'].map((a) => src.images[a]!.manifestDigest),
    );
  });
});
