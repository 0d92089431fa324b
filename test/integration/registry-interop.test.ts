/**
 * Interoperability with podman and skopeo through a real registry (Debian docker-registry, plain
 * http): what they push berth pulls with the same image ID and manifest digest, what berth pushes
 * they pull and agree on, zstd layers, and a two-platform manifest list.
 * podman and skopeo always run with scratch stores and configuration (test/helpers/tools.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { runOk, scratchPodman, skipUnlessTools, type RunResult, type ScratchPodman, scratchDir } from '../helpers/tools.js';
import { buildImage, writeLayout } from './docker-fixtures.js';
import { HOST_ARCH, OTHER_ARCH, writeIndexLayout } from './index-fixtures.js';
import { scratchBerth, type ScratchBerth as Berth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('podman', 'skopeo') : '/usr/bin/docker-registry not installed';
const T = { timeout: 120_000 };

function assertOk(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}
const hex = (d: string) => d.slice(d.indexOf(':') + 1);
describe('interop with podman and skopeo through a registry', { skip }, () => {
  let reg: Registry;
  let pod: ScratchPodman;
  let b: Berth;
  let work: string;
  const img = buildImage({
    layers: [
      { files: { 'etc/os-release': 'ID=interop\n', 'bin/tool': Buffer.alloc(20_000, 3) }, gzip: true },
      { files: { 'app/readme': 'interop\n' }, gzip: true },
    ],
    label: 'interop',
  });

  const skopeo = (args: string[]) => runOk('skopeo', ['--policy', pod.policyPath, ...args], { env: pod.env });
  const inspect = async (ref: string, ...flags: string[]) =>
    JSON.parse((await skopeo(['inspect', '--tls-verify=false', ...flags, `docker://${ref}`])).stdout) as Record<string, unknown>;
  const podman = async (args: string[], what = args.join(' ')) => {
    const r = await pod.run(args);
    assert.equal(r.code, 0, `podman ${what} failed:\n${r.stderr}`);
    return r;
  };
  /** `berth images` row for a name: "digest id". */
  const berthRow = async (root: string, name: string) => {
    const r = assertOk(
      await b.run(['images', '--digests', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}'], { root }),
      'images',
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} not listed:\n${r.stdout}`);
    const [, digest, id] = line.split(' ');
    return { digest: digest!, id: id! };
  };
  /** podman's view of a name: image ID, its Digest, and the RepoDigests (podman keeps one image per ID). */
  const podmanImage = async (name: string) => {
    const r = await podman(['image', 'inspect', '--format', '{{.Id}} {{.Digest}} {{json .RepoDigests}}', name]);
    const [id, digest, ...rest] = r.stdout.trim().split(' ');
    return { id: `sha256:${id!.replace(/^sha256:/, '')}`, digest: digest!, repoDigests: JSON.parse(rest.join(' ')) as string[] };
  };
  const repo = (name: string) => name.replace(/:[^:/]+$/, '');

  before(async () => {
    reg = await startRegistry();
    pod = await scratchPodman();
    b = await scratchBerth();
    work = await scratchDir('berth-interop-work-');
    await writeLayout(path.join(work, 'img'), img, 'v1');
  });
  after(async () => {
    await reg?.stop();
    await pod?.cleanup();
    await b?.cleanup();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  test('skopeo push (OCI and converted to v2s2) -> berth pull: same image ID and manifest digest', T, async () => {
    await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${path.join(work, 'img')}:v1`, `docker://${reg.host}/interop/skopeo:oci`]);
    await skopeo([
      'copy',
      '-q',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      `oci:${path.join(work, 'img')}:v1`,
      `docker://${reg.host}/interop/skopeo:v2s2`,
    ]);
    const root = b.store();
    for (const tag of ['oci', 'v2s2']) {
      const ref = `${reg.host}/interop/skopeo:${tag}`;
      const info = await inspect(ref);
      const raw = await inspect(ref, '--raw');
      const r = assertOk(await b.run(['pull', '-q', '--tls-verify=false', ref], { root }), `berth pull ${tag}`);
      assert.equal(r.stdout, `${hex((raw.config as { digest: string }).digest)}\n`, 'image ID = config digest');
      const row = await berthRow(root, ref);
      assert.equal(row.digest, info.Digest);
      assert.equal(row.id, img.configDigest);
      const mt = assertOk(await b.run(['inspect', '--format', '{{.ManifestType}} {{.Digest}}', ref], { root }), 'inspect');
      assert.equal(mt.stdout, `${raw.mediaType} ${info.Digest}\n`);
    }
  });

  test('podman push -> berth pull: same image ID and manifest digest', T, async () => {
    const digestfile = path.join(work, 'podman.digest');
    const name = `${reg.host}/interop/podman:1`;
    const c = await pod.skopeo(['copy', '-q', `oci:${path.join(work, 'img')}:v1`, pod.storageRef(name)]);
    assert.equal(c.code, 0, c.stderr);
    await podman(['push', '-q', '--tls-verify=false', '--digestfile', digestfile, name]);
    const podmanDigest = (await fsp.readFile(digestfile, 'utf8')).trim();
    const podmanId = (await podman(['images', '--no-trunc', '--format', '{{.ID}}', name])).stdout.trim();

    const root = b.store();
    const r = assertOk(await b.run(['pull', '--tls-verify=false', name], { root }), 'berth pull');
    assert.equal(`sha256:${r.stdout.trim()}`, podmanId.startsWith('sha256:') ? podmanId : `sha256:${podmanId}`);
    const row = await berthRow(root, name);
    assert.equal(row.digest, podmanDigest);
    assert.equal((await inspect(name)).Digest, podmanDigest);
  });

  test('berth push -> skopeo inspect and podman pull agree on the digest berth printed', T, async () => {
    const root = b.store();
    assertOk(await b.run(['pull', '-q', `oci:${path.join(work, 'img')}:v1`], { root }), 'berth pull oci:');
    for (const format of ['oci', 'v2s2']) {
      const name = `${reg.host}/interop/berth:${format}`;
      const digestfile = path.join(work, `berth-${format}.digest`);
      const r = assertOk(
        await b.run(['push', '--tls-verify=false', '--format', format, '--digestfile', digestfile, hex(img.configDigest), name], { root }),
        `berth push --format ${format}`,
      );
      const printed = r.stdout.trim();
      assert.match(printed, /^sha256:[0-9a-f]{64}$/);
      assert.equal(await fsp.readFile(digestfile, 'utf8'), printed);
      const info = await inspect(name);
      const raw = await inspect(name, '--raw');
      assert.equal(info.Digest, printed);
      assert.equal(
        raw.mediaType,
        format === 'oci' ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
      );
      assert.equal((raw.config as { digest: string }).digest, img.configDigest);
      await podman(['pull', '-q', '--tls-verify=false', name]);
      const pimg = await podmanImage(name);
      assert.ok(pimg.repoDigests.includes(`${repo(name)}@${printed}`), JSON.stringify(pimg.repoDigests));
      assert.equal(pimg.id, img.configDigest);
    }
  });

  test('berth push --compression-format zstd: zstd layers, podman pulls it, berth pulls it back', T, async () => {
    const root = b.store();
    assertOk(await b.run(['pull', '-q', `oci:${path.join(work, 'img')}:v1`], { root }), 'berth pull oci:');
    const name = `${reg.host}/interop/zstd:1`;
    const r = assertOk(
      await b.run(['push', '--tls-verify=false', '--compression-format', 'zstd', hex(img.configDigest), name], { root }),
      'push zstd',
    );
    const printed = r.stdout.trim();
    const raw = await inspect(name, '--raw');
    assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const layers = raw.layers as Array<{ mediaType: string }>;
    assert.equal(layers.length, 2);
    for (const l of layers) assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.equal((await inspect(name)).Digest, printed);

    await podman(['pull', '-q', '--tls-verify=false', name]);
    const pimg = await podmanImage(name);
    assert.ok(pimg.repoDigests.includes(`${repo(name)}@${printed}`), JSON.stringify(pimg.repoDigests));
    assert.equal(pimg.id, img.configDigest, 'same diffIDs, same config');

    const back = assertOk(await b.run(['pull', '--tls-verify=false', name], { root: b.store() }), 'berth pull zstd');
    assert.equal(back.stdout, `${hex(img.configDigest)}\n`);
  });

  test('a two-platform manifest list: host platform by default, --platform picks, unknown platform fails clearly', T, async () => {
    const dir = path.join(work, 'multi');
    const per = await writeIndexLayout(dir, 'multi');
    await skopeo(['copy', '-q', '--all', '--dest-tls-verify=false', `oci:${dir}:multi`, `docker://${reg.host}/interop/multi:1`]);
    const name = `${reg.host}/interop/multi:1`;
    const info = await inspect(name);
    const list = await inspect(name, '--raw');
    assert.equal(list.mediaType, 'application/vnd.oci.image.index.v1+json');
    const indexDigest = info.Digest as string;

    // default: the host's platform
    const root = b.store();
    let r = assertOk(await b.run(['pull', '--tls-verify=false', name], { root }), 'pull list');
    assert.equal(r.stdout, `${hex(per[HOST_ARCH]!.configDigest)}\n`);
    let row = await berthRow(root, name);
    assert.equal(row.digest, indexDigest, 'images --digests shows the list digest, as podman does');
    r = assertOk(await b.run(['inspect', '--format', '{{.Architecture}} {{.Os}}', name], { root }), 'inspect');
    assert.equal(r.stdout, `${HOST_ARCH} linux\n`);
    await podman(['pull', '-q', '--tls-verify=false', name]);
    const pimg = await podmanImage(name);
    assert.equal(pimg.id, per[HOST_ARCH]!.configDigest, 'podman picks the same instance');
    assert.equal(pimg.digest, indexDigest);

    // --platform: the other one
    r = assertOk(await b.run(['pull', '--tls-verify=false', '--platform', `linux/${OTHER_ARCH}`, name], { root }), 'pull --platform');
    assert.equal(r.stdout, `${hex(per[OTHER_ARCH]!.configDigest)}\n`);
    r = assertOk(await b.run(['inspect', '--format', '{{.Architecture}}', name], { root }), 'inspect other');
    assert.equal(r.stdout, `${OTHER_ARCH}\n`);
    row = await berthRow(root, name);
    assert.equal(row.id, per[OTHER_ARCH]!.configDigest, 'the tag moved to the platform pulled last');

    // a platform the list does not have
    const before = (await b.run(['images', '-a', '-q', '--no-trunc'], { root })).stdout;
    r = await b.run(['pull', '--tls-verify=false', '--platform', 'linux/s390x', name], { root });
    assert.equal(r.code, 125);
    const err = r.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? '';
    // containers/image's words, as podman's
    assert.ok(
      err.startsWith(
        `Error: choosing an image from manifest list docker://${name}: no image found in image index for architecture s390x, variant "", OS linux`,
      ),
      err,
    );
    assert.ok(err.includes(`linux/${HOST_ARCH}`) && err.includes(`linux/${OTHER_ARCH}`), `available platforms listed: ${err}`);
    assert.equal((await b.run(['images', '-a', '-q', '--no-trunc'], { root })).stdout, before, 'nothing changed');

    // one instance by digest (verified against the digest in the list)
    const inst = (list.manifests as Array<{ digest: string; platform: { architecture: string } }>).find(
      (m) => m.platform.architecture === OTHER_ARCH,
    )!;
    r = assertOk(
      await b.run(['pull', '--tls-verify=false', `${reg.host}/interop/multi@${inst.digest}`], { root: b.store() }),
      'pull instance by digest',
    );
    assert.equal(r.stdout, `${hex(per[OTHER_ARCH]!.configDigest)}\n`);
  });
});
