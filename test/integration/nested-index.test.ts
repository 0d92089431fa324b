/**
 * Image indexes whose chosen entry is itself an index, and indexes whose entries carry no
 * platform: pull and copy choose as containers/image does (an OCI index's first entry without a
 * platform when none matches) and refuse a list inside a list in its words, for one image and
 * for --all, leaving the store without the image — compared with podman 4.3.1 and skopeo on the
 * same OCI layouts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchPodman, skipUnlessTools, writeTinyOciLayout, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { HOST_ARCH, OTHER_ARCH } from './index-fixtures.js';

const T = { timeout: 60_000 };
const INDEX = 'application/vnd.oci.image.index.v1+json';
const HOST = { architecture: HOST_ARCH, os: 'linux' };

/**
 * An OCI layout with one tiny image (of `arch`), tagged `x` as an index over `entry(image)`:
 * the entries the index lists, written as blobs (an entry may be an index written by `blob`).
 */
function layoutWith(dir: string, arch: string, entries: (image: object, blob: (doc: object) => object) => object[]): Promise<void> {
  return writeTinyOciLayout(dir, { architecture: arch }).then(() => {
    const blob = (doc: object) => {
      const bytes = Buffer.from(JSON.stringify(doc));
      const hex = createHash('sha256').update(bytes).digest('hex');
      fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex), bytes);
      return { mediaType: INDEX, digest: `sha256:${hex}`, size: bytes.length };
    };
    const m = (JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: Array<Record<string, unknown>> })
      .manifests[0]!;
    const image = { mediaType: m.mediaType, digest: m.digest, size: m.size };
    const top = blob({ schemaVersion: 2, mediaType: INDEX, manifests: entries(image, blob) });
    const ref = { ...top, annotations: { 'org.opencontainers.image.ref.name': 'x' } };
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [ref] }));
  });
}

const lastLine = (r: RunResult) =>
  r.stderr
    .trim()
    .split('\n')
    .at(-1)!
    .replace(/^time="[^"]+" level=fatal msg="(.*)"$/, '$1')
    .replace(/^Error: /, '')
    .replace(/\\"/g, '"');

describe('nested and platform-less index entries', { skip: skipUnlessTools('podman', 'skopeo') }, () => {
  let b: ScratchBerth;
  let p: ScratchPodman;
  let dir: string;
  before(async () => {
    b = await scratchBerth();
    p = await scratchPodman();
    dir = b.dir;
    // the host's image behind an index, behind another index (with and without a platform)
    await layoutWith(path.join(dir, 'nested'), HOST_ARCH, (image, blob) => [
      { ...blob({ schemaVersion: 2, mediaType: INDEX, manifests: [{ ...image, platform: HOST }] }), platform: HOST },
    ]);
    await layoutWith(path.join(dir, 'nested-noplat'), HOST_ARCH, (image, blob) => [
      blob({ schemaVersion: 2, mediaType: INDEX, manifests: [{ ...image, platform: HOST }] }),
    ]);
    // an image listed without a platform; an index of another platform only
    await layoutWith(path.join(dir, 'noplat'), OTHER_ARCH, (image) => [image]);
    await layoutWith(path.join(dir, 'other'), OTHER_ARCH, (image) => [{ ...image, platform: { architecture: OTHER_ARCH, os: 'linux' } }]);
  });
  after(async () => {
    await p?.cleanup();
    await b?.cleanup();
  });

  test('pull of a list inside a list: refused in podman words, nothing stored', T, async () => {
    for (const name of ['nested', 'nested-noplat']) {
      const src = `oci:${path.join(dir, name)}:x`;
      const [mine, theirs] = await Promise.all([b.run(['pull', '-q', src]), p.run(['pull', '-q', src])]);
      assert.equal(mine.code, 125, mine.stderr);
      assert.equal(theirs.code, 125, theirs.stderr);
      assert.equal(
        mine.stderr,
        'Error: copying system image from manifest list: Unexpectedly received a manifest list instead of a manifest for a single image\n',
      );
      assert.equal(lastLine(mine), lastLine(theirs));
    }
    assert.equal((await b.run(['images', '-q'])).stdout, '');
  });

  test('copy and copy --all of a list inside a list: as skopeo', T, async () => {
    const src = `oci:${path.join(dir, 'nested')}:x`;
    for (const [args, want] of [
      [[], 'copying system image from manifest list: Unexpectedly received a manifest list instead of a manifest for a single image'],
      [['--all'], 'copying image 1/1 from manifest list: Unexpectedly received a manifest list instead of a manifest for a single image'],
    ] as const) {
      const out = `dir:${path.join(dir, `out-${args.length}`)}`;
      const mine = await b.run(['copy', ...args, src, out]);
      const theirs = await p.skopeo(['copy', ...args, src, `dir:${path.join(dir, `skopeo-${args.length}`)}`]);
      assert.equal(mine.code, 125, mine.stderr);
      assert.notEqual(theirs.code, 0, theirs.stderr);
      assert.equal(lastLine(mine), want);
      assert.equal(lastLine(theirs), want);
    }
  });

  test("an OCI index's entry without a platform is chosen when none matches; no match at all: containers/image's words", T, async () => {
    const noplat = `oci:${path.join(dir, 'noplat')}:x`;
    const [mine, theirs] = await Promise.all([b.run(['pull', '-q', noplat]), p.run(['pull', '-q', noplat])]);
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(mine.stdout, theirs.stdout);

    const other = `oci:${path.join(dir, 'other')}:x`;
    const [m2, t2] = await Promise.all([b.run(['pull', '-q', other]), p.run(['pull', '-q', other])]);
    assert.equal(m2.code, 125);
    assert.equal(t2.code, 125);
    const words = `choosing an image from manifest list ${other}: no image found in image index for architecture ${HOST_ARCH}, variant "${HOST_ARCH === 'arm64' ? 'v8' : ''}", OS linux`;
    assert.equal(m2.stderr, `Error: ${words} (available: linux/${OTHER_ARCH}; choose one with --platform)\n`);
    assert.equal(t2.stderr.trim().split('\n').at(-1), `Error: ${words}`);
  });
});
