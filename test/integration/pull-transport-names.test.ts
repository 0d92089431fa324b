/**
 * The names `pull TRANSPORT:...` gives an image, side by side with podman 4.3.1: oci:DIR[:REF] is
 * named after the directory (localhost/DIR:latest), an oci-archive after its ref.name annotation
 * (as a local name), a docker-archive after its RepoTags; dir: and archives without names leave
 * the image unnamed. The printed ID is the same; a directory that makes no valid name is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { haveTool, writeTinyOciLayout, type RunResult, type ScratchPodman, scratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 120_000 };
const skip = haveTool('podman') ? false : 'podman not installed';

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('pull from file transports: names and output as podman', { skip }, () => {
  let b: ScratchBerth;
  let p: ScratchPodman;
  let id: string;
  const src: Record<string, string> = {};
  before(async () => {
    b = await scratchBerth();
    p = await scratchPodman();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { tag: 'v2' });
    id = img.configDigest.slice(7);
    const seed = b.store();
    ok(await b.run(['pull', '-q', `oci:${img.dir}:v2`], { root: seed }), 'seed pull');
    const out = (name: string) => path.join(b.dir, name);
    const push = async (dest: string, image = id) => ok(await b.run(['push', '-q', image, dest], { root: seed }), `push ${dest}`);
    await push(`oci-archive:${out('oa-unnamed.tar')}`);
    await push(`oci-archive:${out('oa-short.tar')}:app:3`);
    await push(`oci-archive:${out('oa-tag.tar')}:v3`);
    await push(`oci-archive:${out('oa-full.tar')}:example.com/ns/app:7`);
    await push(`dir:${out('dirimg')}`);
    await push(`docker-archive:${out('da-unnamed.tar')}`);
    ok(await b.run(['tag', id, 'named:1'], { root: seed }), 'tag');
    ok(await b.run(['save', '-o', out('da-named.tar'), 'named:1'], { root: seed }), 'save');
    Object.assign(src, {
      oci: `oci:${img.dir}`,
      ociRef: `oci:${img.dir}:v2`,
      ociRelative: `oci:${path.relative(b.dir, img.dir)}`,
      ociArchiveUnnamed: `oci-archive:${out('oa-unnamed.tar')}`,
      ociArchiveShort: `oci-archive:${out('oa-short.tar')}`,
      ociArchiveTag: `oci-archive:${out('oa-tag.tar')}`,
      ociArchiveFull: `oci-archive:${out('oa-full.tar')}`,
      dir: `dir:${out('dirimg')}`,
      dockerArchiveUnnamed: `docker-archive:${out('da-unnamed.tar')}`,
      dockerArchiveNamed: `docker-archive:${out('da-named.tar')}`,
    });
  });
  after(async () => {
    await b?.cleanup();
    await p?.cleanup();
  });

  const listing = ['images', '-a', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'];
  const cases: [string, string][] = [
    ['oci', 'localhost/DIR/layout:latest'],
    ['ociRef', 'localhost/DIR/layout:latest'],
    ['ociRelative', 'localhost/layout:latest'],
    ['ociArchiveUnnamed', '<none>:<none>'],
    ['ociArchiveShort', 'localhost/app:3'],
    ['ociArchiveTag', 'localhost/v3:latest'],
    ['ociArchiveFull', 'example.com/ns/app:7'],
    ['dir', '<none>:<none>'],
    ['dockerArchiveUnnamed', '<none>:<none>'],
    ['dockerArchiveNamed', 'localhost/named:1'],
  ];
  for (const [which, expected] of cases) {
    test(`pull ${which}`, T, async () => {
      const root = b.store();
      await p.run(['rmi', '-a', '-f']);
      const mine = ok(await b.run(['pull', src[which]!], { root, cwd: b.dir }), `berth pull ${src[which]}`);
      const theirs = ok(await p.run(['pull', src[which]!], { cwd: b.dir }), `podman pull ${src[which]}`);
      // both print the image ID alone on stdout
      assert.equal(mine.stdout, `${id}\n`);
      assert.equal(theirs.stdout, mine.stdout);
      const want = `${expected.replace('DIR', b.dir.slice(1))} ${id.slice(0, 12)}\n`;
      assert.equal((await b.run(listing, { root })).stdout, want);
      assert.equal((await p.run(listing)).stdout, want);
    });
  }
  test('a directory that makes no valid name is refused, with podman words, nothing stored', T, async () => {
    const root = b.store();
    for (const bad of [`${src.oci}/`, `oci:./layout`]) {
      const mine = await b.run(['pull', '-q', bad], { root, cwd: b.dir });
      const theirs = await p.run(['pull', '-q', bad], { cwd: b.dir });
      assert.equal(mine.code, 125);
      assert.equal(theirs.code, 125);
      const name = `localhost/${bad.slice(4).replace(/^\/+/, '')}`;
      assert.equal(mine.stderr, `Error: parsing "${name}": parsing named reference "${name}": invalid reference format\n`);
      assert.equal(theirs.stderr, mine.stderr);
      assert.equal((await b.run(['images', '-q', '-a'], { root })).stdout, '');
    }
  });
});
