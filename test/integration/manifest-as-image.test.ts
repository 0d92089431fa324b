/**
 * A manifest list (berth manifest) is an image to the image commands, side by side with
 * podman 4.3.1 on the same images: `images` lists it (and `--filter manifest=`), `tag` names
 * it, `rmi` untags and removes it with podman's words and exit codes, and `inspect`,
 * `image exists` and `history` see the list's stored image for this platform, or fail with
 * podman's words when there is none.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { scratchPodman, skipUnlessTools, writeTinyOciLayout, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { startRegistry, type Registry } from '../helpers/registry.js';

const skip = skipUnlessTools('podman');
const T = { skip, timeout: 300_000 };

/** IDs and digests differ between the stores (a list's ID is random): compare the rest. */
const norm = (s: string) => s.replace(/(sha256:)?[0-9a-f]{64}/g, 'HEX').replace(/\b[0-9a-f]{12}\b/g, 'ID');

describe('manifest lists as images, beside podman', { skip }, () => {
  let b: ScratchBerth;
  let p: ScratchPodman;
  let layout: string;

  before(async () => {
    if (skip) return;
    b = await scratchBerth();
    p = await scratchPodman();
    layout = (await writeTinyOciLayout(path.join(b.dir, 'oci'), { files: { 'x.txt': 'x\n' }, architecture: 'amd64' })).dir;
  });
  after(async () => {
    await b?.cleanup();
    await p?.cleanup();
  });

  const berth = (args: string[]) => b.run(args);
  const podman = (args: string[]) => p.run(args);

  async function both(args: string[]): Promise<[RunResult, RunResult]> {
    return [await berth(args), await podman(args)];
  }

  /** Same exit code, same stdout and stderr once IDs are set aside. */
  async function same(args: string[], code: number): Promise<[RunResult, RunResult]> {
    const [o, t] = await both(args);
    assert.equal(o.code, code, `berth ${args.join(' ')}: ${o.stderr}`);
    assert.equal(t.code, code, `podman ${args.join(' ')}: ${t.stderr}`);
    assert.equal(norm(o.stdout), norm(t.stdout), `stdout of ${args.join(' ')}`);
    assert.equal(norm(o.stderr), norm(t.stderr), `stderr of ${args.join(' ')}`);
    return [o, t];
  }

  const rows = async (args: string[] = []) => {
    const fmt = ['--format', '{{.Repository}}:{{.Tag}} {{.Size}}'];
    const [o, t] = await both(['images', ...args, ...fmt]);
    assert.equal(o.code, 0, o.stderr);
    assert.equal(t.code, 0, t.stderr);
    return [o.stdout.split('\n').filter(Boolean).sort(), t.stdout.split('\n').filter(Boolean).sort()];
  };

  test('images lists lists; inspect, exists and history see the stored image of this platform', T, async () => {
    const o = await berth(['pull', '-q', `oci:${layout}:latest`]);
    const t = await podman(['pull', '-q', `oci:${layout}:latest`]);
    assert.equal(o.code, 0, o.stderr);
    assert.equal(t.code, 0, t.stderr);
    const id = o.stdout.trim();
    assert.equal(t.stdout.trim(), id, 'the same image ID');
    await same(['tag', id, 'example.com/img:1'], 0);
    await same(['manifest', 'create', 'l'], 0);
    assert.equal((await berth(['manifest', 'add', 'l', 'example.com/img:1'])).code, 0);
    assert.equal((await podman(['manifest', 'add', 'l', 'containers-storage:example.com/img:1'])).code, 0);
    await same(['manifest', 'create', 'l2'], 0);

    const [ours, theirs] = await rows();
    const names = (r: string[]) => r.map((x) => x.split(' ')[0]);
    assert.deepEqual(names(ours), names(theirs));
    assert.ok(names(ours).includes('localhost/l:latest') && names(ours).includes('localhost/l2:latest'));
    const [ml, pml] = await rows(['--filter', 'manifest=true']);
    assert.deepEqual(names(ml), names(pml));
    assert.deepEqual(names(ml), ['localhost/l2:latest', 'localhost/l:latest']);
    const [mf, pmf] = await rows(['--filter', 'manifest=false']);
    assert.deepEqual(names(mf), names(pmf));
    // the JSON row of a list has podman's fields
    const keys = async (run: typeof berth) => {
      const r = await run(['images', '--format', 'json', '--filter', 'reference=l2']);
      const [row] = JSON.parse(r.stdout) as Record<string, unknown>[];
      return Object.keys(row!).sort();
    };
    assert.deepEqual(await keys(berth), await keys(podman));

    // a list with an entry for this platform whose image is stored stands for that image
    const inspected = JSON.parse((await berth(['image', 'inspect', 'l'])).stdout) as { Id: string }[];
    assert.equal(inspected[0]!.Id, id);
    await same(['image', 'exists', 'l'], 0);
    // an empty list: podman's words
    await same(['image', 'inspect', 'l2'], 125);
    await same(['image', 'exists', 'l2'], 1);
    await same(['history', 'l2'], 125);
  });

  test('tag names a list; rmi untags it, then removes it; untag removes its names', T, async () => {
    await same(['tag', 'l2', 'x'], 0);
    const [o, t] = await rows(['--filter', 'manifest=true']);
    assert.deepEqual(
      o.map((r) => r.split(' ')[0]),
      t.map((r) => r.split(' ')[0]),
    );
    assert.ok(o.some((r) => r.startsWith('localhost/x:latest')));
    await same(['rmi', 'x'], 0); // Untagged: localhost/x:latest
    await same(['manifest', 'exists', 'x'], 1);
    await same(['tag', 'l2', 'y'], 0);
    // by ID with two names: refused without -f, podman's words
    const lid = (await berth(['images', '-q', '--no-trunc', '--filter', 'reference=y'])).stdout.trim().replace('sha256:', '');
    const plid = (await podman(['images', '-q', '--no-trunc', '--filter', 'reference=y'])).stdout.trim().replace('sha256:', '');
    const [r1, r2] = [await berth(['rmi', lid]), await podman(['rmi', plid])];
    assert.equal(r1.code, r2.code);
    assert.equal(r1.code, 125);
    // (berth adds a hint after podman's words, as for images)
    assert.equal(norm(r1.stderr).replace(/ \(remove the names with "berth untag", or use -f\)\n$/, '\n'), norm(r2.stderr));
    await same(['rmi', 'y', 'l2'], 0); // Untagged: y, Untagged: l2, Deleted: ID
    await same(['image', 'exists', 'l2'], 1);
    await same(['rmi', 'l2'], 1);

    // untag of a list (podman 4.3.1 untags the list's image instead: berth untags the list)
    const uid = (await berth(['manifest', 'create', 'u'])).stdout.trim();
    assert.equal((await berth(['tag', 'u', 'u2', 'u3'])).code, 0);
    assert.equal((await berth(['untag', 'u', 'localhost/u2:latest'])).code, 0);
    const left = await berth(['images', '--filter', 'manifest=true', '--format', '{{.Repository}}']);
    assert.deepEqual(left.stdout.split('\n').filter(Boolean).sort(), ['localhost/l', 'localhost/u', 'localhost/u3']);
    const bad = await berth(['untag', 'u', 'nosuch']);
    assert.equal(bad.code, 125);
    assert.equal(bad.stderr, 'Error: localhost/nosuch:latest: tag not known\n');
    assert.equal((await berth(['untag', 'u3'])).code, 0); // every name
    assert.equal((await berth(['manifest', 'exists', 'u'])).code, 1);
    // a list without names is removed by ID
    const gone = await berth(['rmi', uid.slice(0, 12)]);
    assert.equal(gone.stdout, `Deleted: ${uid}\n`);
  });

  test('a list whose image is not stored: podman words for inspect and exists; rmi -a removes lists too', T, async () => {
    const id = (await berth(['images', '-q', '--no-trunc', '--filter', 'reference=example.com/img:1'])).stdout.trim();
    // manifest exists of an image that is not a list: an error (podman's words), not "no"
    await same(['manifest', 'exists', 'example.com/img:1'], 125);
    await same(['manifest', 'exists', id.replace('sha256:', '').slice(0, 12)], 125);
    await same(['rmi', '-f', id], 0);
    const [o, t] = await both(['image', 'inspect', 'l']);
    assert.equal(o.code, 125);
    assert.equal(t.code, 125);
    assert.equal(norm(o.stderr), norm(t.stderr));
    assert.match(
      o.stderr,
      /^Error: inspecting object: could not find image instance sha256:[0-9a-f]{64} of manifest list [0-9a-f]{64} in local containers storage: image not known: image not known\n$/,
    );
    await same(['image', 'exists', 'l'], 1);
    const [ra, rp] = await both(['rmi', '-a']);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rp.code, 0, rp.stderr);
    assert.equal(norm(ra.stdout), norm(rp.stdout));
    const [left, pleft] = await rows(['-a']);
    assert.deepEqual(left, []);
    assert.deepEqual(pleft, []);
  });

  test("pull of a multi-platform image keeps this platform's image with the list digest, and no list", T, async () => {
    const reg: Registry = await startRegistry();
    try {
      const arm = (await writeTinyOciLayout(path.join(b.dir, 'oci-arm'), { files: { 'y.txt': 'y\n' }, architecture: 'arm64' })).dir;
      assert.equal((await berth(['pull', '-q', `oci:${arm}:latest`])).code, 0);
      const armId = (await berth(['images', '-q', '--no-trunc', '--filter', 'manifest=false'])).stdout.trim().split('\n');
      assert.equal((await berth(['pull', '-q', `oci:${layout}:latest`])).code, 0);
      const amdId = (await berth(['images', '-q', '--no-trunc', '--filter', 'manifest=false'])).stdout
        .trim()
        .split('\n')
        .find((x) => !armId.includes(x))!;
      assert.equal((await berth(['manifest', 'create', 'multi', amdId, armId[0]!])).code, 0);
      const pushed = await berth(['manifest', 'push', '-q', '--tls-verify=false', 'multi', `docker://${reg.host}/multi:1`]);
      assert.equal(pushed.code, 0, pushed.stderr);
      const listDigest = pushed.stdout.trim();
      assert.equal((await berth(['rmi', '-a', '-f'])).code, 0);
      assert.equal((await berth(['images', '-a', '-q'])).stdout, '');
      await same(['pull', '-q', '--tls-verify=false', `${reg.host}/multi:1`], 0);
      const [o, t] = await rows(['--filter', 'manifest=true']);
      assert.deepEqual(o, []);
      assert.deepEqual(t, []);
      const fmt = ['images', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}'];
      const [d1, d2] = await both(fmt);
      assert.equal(d1.stdout, d2.stdout);
      assert.equal(d1.stdout, `${reg.host}/multi:1 ${listDigest}\n`);
      await same(['manifest', 'exists', `${reg.host}/multi:1`], 125);
    } finally {
      await reg.stop();
    }
  });
});
