/**
 * Multi-image copies (copy --all, --platform a,b, --preserve-digests) through a real registry,
 * side by side with skopeo: the same list and instance digests where nothing changes, the
 * list rewritten (and its digest changed) when platforms are dropped or formats converted,
 * and refusals that write nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchSkopeo, skipUnlessTools, type RunResult, type ScratchSkopeo, scratchDir } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { writeIndexLayoutFull, type IndexLayout } from './index-fixtures.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('skopeo') : '/usr/bin/docker-registry not installed';
const T = { timeout: 120_000 };
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
}
interface List {
  mediaType: string;
  manifests: Entry[];
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('copy of manifest lists (--all, --platform a,b, --preserve-digests)', { skip }, () => {
  let reg: Registry;
  let sk: ScratchSkopeo;
  let b: ScratchBerth;
  let work: string;
  let src: IndexLayout;
  let srcDir: string;

  const skopeo = async (args: string[]) => ok(await sk.run(args), `skopeo ${args.join(' ')}`);
  const rawOf = async (ref: string) => {
    const r = await skopeo(['inspect', '--raw', '--tls-verify=false', ref]);
    return Buffer.from(r.stdout);
  };
  const berth = (args: string[]) => b.run(args);

  before(async () => {
    reg = await startRegistry();
    sk = await scratchSkopeo();
    b = await scratchBerth();
    work = await scratchDir('berth-copy-multi-');
    srcDir = path.join(work, 'src');
    src = await writeIndexLayoutFull(srcDir, 'multi', ['amd64', 'arm64', 's390x'], { gzip: true });
  });
  after(async () => {
    await reg?.stop();
    await sk?.cleanup();
    await b?.cleanup();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  test('--all to a registry keeps the list and every instance digest, as skopeo --all', T, async () => {
    const r = ok(
      await berth(['copy', '--all', '--dest-tls-verify=false', `oci:${srcDir}:multi`, `docker://${reg.host}/multi/berth:1`]),
      'copy --all',
    );
    // skopeo's progress lines, on stdout as skopeo's
    assert.match(r.stdout, /^Getting image list signatures\nCopying 3 images generated from 3 images in list$/m);
    assert.match(r.stdout, /^Writing manifest list to image destination\nStoring list signatures$/m);
    assert.match(r.stderr, new RegExp(`Copied ${src.indexDigest}`));
    const raw = await rawOf(`docker://${reg.host}/multi/berth:1`);
    assert.equal(sha256(raw), src.indexDigest, 'the list is byte-identical');
    for (const [arch, img] of Object.entries(src.images)) {
      const inst = await rawOf(`docker://${reg.host}/multi/berth@${img.manifestDigest}`);
      assert.equal(sha256(inst), img.manifestDigest, `${arch} instance stored by digest`);
    }
    await skopeo(['copy', '-q', '--all', '--dest-tls-verify=false', `oci:${srcDir}:multi`, `docker://${reg.host}/multi/skopeo:1`]);
    assert.equal(sha256(await rawOf(`docker://${reg.host}/multi/skopeo:1`)), src.indexDigest);
  });

  test('--multi-arch all from the registry into dir: and oci:, read back by skopeo', T, async () => {
    const dir = path.join(work, 'dir-all');
    ok(
      await berth(['copy', '-q', '--multi-arch', 'all', '--src-tls-verify=false', `docker://${reg.host}/multi/berth:1`, `dir:${dir}`]),
      'copy to dir:',
    );
    assert.equal(sha256(await fsp.readFile(path.join(dir, 'manifest.json'))), src.indexDigest);
    for (const img of Object.values(src.images)) {
      const hex = img.manifestDigest.slice(7);
      assert.equal(sha256(await fsp.readFile(path.join(dir, `${hex}.manifest.json`))), img.manifestDigest);
    }
    assert.equal(sha256(await rawOf(`dir:${dir}`)), src.indexDigest, 'skopeo reads the list from dir:');

    const oci = path.join(work, 'oci-all');
    ok(
      await berth(['copy', '-q', '--all', '--src-tls-verify=false', `docker://${reg.host}/multi/berth:1`, `oci:${oci}:v1`]),
      'copy to oci:',
    );
    assert.equal(sha256(await rawOf(`oci:${oci}:v1`)), src.indexDigest);
    // skopeo copies the whole list back out of berth's layout
    await skopeo(['copy', '-q', '--all', '--dest-tls-verify=false', `oci:${oci}:v1`, `docker://${reg.host}/multi/roundtrip:1`]);
    assert.equal(sha256(await rawOf(`docker://${reg.host}/multi/roundtrip:1`)), src.indexDigest);
  });

  test('--platform a,b copies a subset: the list is rewritten with those entries only', T, async () => {
    const oci = path.join(work, 'oci-sub');
    const r = ok(
      await berth([
        'copy',
        '--platform',
        'linux/amd64,linux/s390x',
        '--src-tls-verify=false',
        `docker://${reg.host}/multi/berth:1`,
        `oci:${oci}:sub`,
      ]),
      'copy subset',
    );
    assert.match(r.stdout, /Copying 2 images generated from 3 images in list/);
    const raw = await rawOf(`oci:${oci}:sub`);
    const list = JSON.parse(raw.toString()) as List;
    assert.equal(list.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      list.manifests.map((m) => [m.platform?.architecture, m.digest]),
      [
        ['amd64', src.images.amd64!.manifestDigest],
        ['s390x', src.images.s390x!.manifestDigest],
      ],
    );
    assert.notEqual(sha256(raw), src.indexDigest, 'a rewritten list has another digest');
    assert.match(r.stderr, new RegExp(`Copied ${sha256(raw)}`));
    // the arm64 image was not copied
    assert.equal(fs.existsSync(path.join(oci, 'blobs', 'sha256', src.images.arm64!.manifestDigest.slice(7))), false);
    // skopeo copies the rewritten list on
    await skopeo(['copy', '-q', '--all', '--dest-tls-verify=false', `oci:${oci}:sub`, `docker://${reg.host}/multi/sub:1`]);
    assert.equal(sha256(await rawOf(`docker://${reg.host}/multi/sub:1`)), sha256(raw));
  });

  test('--format v2s2 --all converts the list and every instance exactly as skopeo does', T, async () => {
    ok(
      await berth([
        'copy',
        '-q',
        '--all',
        '--format',
        'v2s2',
        '--dest-tls-verify=false',
        `oci:${srcDir}:multi`,
        `docker://${reg.host}/multi/v2b:1`,
      ]),
      'berth convert',
    );
    await skopeo([
      'copy',
      '-q',
      '--all',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      `oci:${srcDir}:multi`,
      `docker://${reg.host}/multi/v2s:1`,
    ]);
    const ours = await rawOf(`docker://${reg.host}/multi/v2b:1`);
    const theirs = await rawOf(`docker://${reg.host}/multi/v2s:1`);
    const list = JSON.parse(ours.toString()) as List;
    assert.equal(list.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.ok(list.manifests.every((m) => m.mediaType === 'application/vnd.docker.distribution.manifest.v2+json'));
    assert.equal(ours.toString(), theirs.toString(), 'byte-identical list');
  });

  test(
    'refusals write nothing: --preserve-digests with a subset or a conversion, a list into docker-archive, bad combinations',
    T,
    async () => {
      const oci = path.join(work, 'oci-refused');
      let r = await berth([
        'copy',
        '--preserve-digests',
        '--platform',
        'linux/amd64,linux/arm64',
        '--src-tls-verify=false',
        `docker://${reg.host}/multi/berth:1`,
        `oci:${oci}:x`,
      ]);
      assert.equal(r.code, 125);
      assert.equal(
        r.stderr.trim(),
        `Error: we should delete instance ${src.images.s390x!.manifestDigest} from manifest list, but we cannot: Instructed to preserve digests`,
      );
      assert.equal(fs.existsSync(path.join(oci, 'index.json')), false, 'no layout written');

      r = await berth([
        'copy',
        '--all',
        '--preserve-digests',
        '--format',
        'v2s2',
        '--dest-tls-verify=false',
        `oci:${srcDir}:multi`,
        `docker://${reg.host}/multi/pd:1`,
      ]);
      assert.equal(r.code, 125);
      assert.equal(
        r.stderr.trim(),
        'Error: Manifest list must be converted to type "application/vnd.docker.distribution.manifest.list.v2+json" to be written to destination, but we cannot modify it: Instructed to preserve digests',
      );
      const tags = await sk.run(['list-tags', '--tls-verify=false', `docker://${reg.host}/multi/pd`]);
      assert.notEqual(tags.code, 0, 'nothing pushed');

      r = await berth(['copy', '--all', `oci:${srcDir}:multi`, `docker-archive:${path.join(work, 'x.tar')}`]);
      assert.equal(r.code, 125);
      // skopeo 1.9.3's words
      assert.equal(
        r.stderr,
        'Error: copying multiple images: destination transport "docker-archive" does not support copying multiple images as a group\n',
      );
      const theirs = await sk.run(['copy', '--all', `oci:${srcDir}:multi`, `docker-archive:${path.join(work, 'y.tar')}`]);
      assert.match(
        theirs.stderr,
        /msg="copying multiple images: destination transport \\"docker-archive\\" does not support copying multiple images as a group"/,
      );
      assert.equal(fs.existsSync(path.join(work, 'x.tar')), false);

      r = await berth(['copy', '--all', '--platform', 'linux/amd64,linux/arm64', `oci:${srcDir}:multi`, `oci:${oci}:y`]);
      assert.equal(r.code, 125);
      assert.equal(r.stderr.trim(), 'Error: --all and a list of platforms cannot be used together');

      r = await berth(['copy', '--platform', 'linux/amd64,linux/mips', `oci:${srcDir}:multi`, `oci:${oci}:z`]);
      assert.equal(r.code, 125);
      assert.equal(r.stderr.trim(), 'Error: no instances found for platform linux/mips');
      assert.equal(fs.existsSync(path.join(oci, 'index.json')), false);

      r = await berth(['copy', '--multi-arch', 'index-only', `oci:${srcDir}:multi`, `oci:${oci}:z`]);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: unknown multi-arch option "index-only"/);
    },
  );

  test('--preserve-digests passes when nothing changes', T, async () => {
    const oci = path.join(work, 'oci-pd');
    ok(await berth(['copy', '-q', '--all', '--preserve-digests', `oci:${srcDir}:multi`, `oci:${oci}:v1`]), 'copy --preserve-digests');
    assert.equal(sha256(await rawOf(`oci:${oci}:v1`)), src.indexDigest);
  });
});
