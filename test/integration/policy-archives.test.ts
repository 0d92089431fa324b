/**
 * policy.json on load, save and import, as podman 4.3.1 evaluates it: load judges the archive
 * ("docker-archive:PATH:NAME", only the transport-wide "" scope; "oci-archive:PATH", path scopes),
 * save judges each stored image by ID (containers-storage "[ROOT]@ID", as push), import judges
 * "tarball:PATH" (only the "" scope). A refusal is one line, exit 125, and leaves the store and
 * the output path as they were. Side by side with podman on the same policies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { haveTool, makeTar, scratchPodman, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { filesUnder, scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 120_000 };
const skipPodman = haveTool('podman') ? false : 'podman not installed';

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('policy.json on load, save and import', () => {
  let b: ScratchBerth;
  let root: string;
  let id: string;
  let tarball: string;
  let dockerTar: string;
  let ociTar: string;
  let n = 0;
  const NAME = 'localhost/pa/tiny:1';

  before(async () => {
    b = await scratchBerth();
    root = b.store();
    tarball = path.join(b.dir, 'rootfs.tar');
    await fsp.writeFile(tarball, makeTar({ 'hello.txt': 'hello from the policy test\n' }));
    id = ok(await b.run(['import', '-q', tarball, NAME], { root }), 'import')
      .stdout.trim()
      .replace(/^sha256:/, '');
    dockerTar = path.join(b.dir, 'docker.tar');
    ociTar = path.join(b.dir, 'archives', 'oci.tar');
    await fsp.mkdir(path.dirname(ociTar));
    ok(await b.run(['save', '-q', '-o', dockerTar, NAME], { root }), 'save docker-archive');
    ok(await b.run(['save', '-q', '--format', 'oci-archive', '-o', ociTar, NAME], { root }), 'save oci-archive');
  });
  after(() => b?.cleanup());

  const policyFile = async (policy: object): Promise<string> => {
    const file = path.join(b.dir, `policy-${n++}.json`);
    await fsp.writeFile(file, JSON.stringify(policy));
    return file;
  };
  const reject = [{ type: 'reject' }];
  const acceptBut = (transports: object) => policyFile({ default: [{ type: 'insecureAcceptAnything' }], transports });
  const state = async (r: string) => {
    const imgs = await b.run(['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'], { root: r });
    return `${imgs.stdout}\n${filesUnder(path.join(r, 'blobs')).join('\n')}`;
  };

  /** Runs `args` against store `r` and expects exactly `want` on stderr, exit 125, nothing else changed. */
  async function refused(r: string, args: string[], want: string): Promise<void> {
    const before = await state(r);
    const res = await b.run(args, { root: r });
    assert.equal(res.code, 125, res.stderr);
    assert.equal(res.stderr, want);
    assert.equal(res.stdout, '');
    assert.equal(await state(r), before, 'the store is unchanged');
  }
  const rejected = (image: string, where: string, file: string) =>
    `Error: Source image rejected: Running image ${image} is rejected by policy. (requirement "reject" of ${where} in ${file})\n`;

  test('reject as the default refuses load (both archive formats), save and import', T, async () => {
    const file = await policyFile({ default: reject });
    const fresh = b.store();
    await refused(
      fresh,
      ['load', '--signature-policy', file, '-i', dockerTar],
      rejected(`docker-archive:${dockerTar}:${NAME}`, '"default"', file),
    );
    await refused(fresh, ['load', '-q', '--signature-policy', file, '-i', ociTar], rejected(`oci-archive:${ociTar}`, '"default"', file));
    const out = path.join(b.dir, `saved-${n++}.tar`);
    await refused(root, ['save', '--signature-policy', file, '-o', out, NAME], rejected(`containers-storage:${id}`, '"default"', file));
    assert.equal(fs.existsSync(out), false, 'no archive written');
    const dir = path.join(b.dir, `saved-${n++}`);
    await refused(
      root,
      ['save', '--signature-policy', file, '--format', 'oci-dir', '-o', dir, NAME],
      rejected(`containers-storage:${id}`, '"default"', file),
    );
    assert.equal(fs.existsSync(dir), false, 'no directory written');
    await refused(
      root,
      ['import', '--signature-policy', file, tarball, 'localhost/pa/other:1'],
      rejected(`tarball:${tarball}`, '"default"', file),
    );
  });

  test('the user policy.json is read without flags', T, async () => {
    const saved = await fsp.readFile(b.policyFile);
    await fsp.copyFile(await policyFile({ default: reject }), b.policyFile);
    try {
      await refused(b.store(), ['load', '-i', dockerTar], rejected(`docker-archive:${dockerTar}:${NAME}`, '"default"', b.policyFile));
      await refused(root, ['import', '-q', tarball], rejected(`tarball:${tarball}`, '"default"', b.policyFile));
    } finally {
      await fsp.writeFile(b.policyFile, saved);
    }
  });

  test('transport scopes: docker-archive and tarball "" only, oci-archive by path, containers-storage for save', T, async () => {
    const fresh = b.store();
    const da = await acceptBut({ 'docker-archive': { '': reject } });
    await refused(
      fresh,
      ['load', '--signature-policy', da, '-i', dockerTar],
      rejected(`docker-archive:${dockerTar}:${NAME}`, 'transports.docker-archive[""]', da),
    );
    // the oci-archive next to it is not a docker-archive
    ok(
      await b.run(['load', '-q', '--signature-policy', da, '-i', ociTar], { root: fresh }),
      'load oci-archive past a docker-archive scope',
    );

    const parent = path.dirname(ociTar);
    const oa = await acceptBut({ 'oci-archive': { [parent]: reject } });
    await refused(
      b.store(),
      ['load', '--signature-policy', oa, '-i', ociTar],
      rejected(`oci-archive:${ociTar}`, `transports.oci-archive[${JSON.stringify(parent)}]`, oa),
    );
    const elsewhere = await acceptBut({ 'oci-archive': { '/elsewhere': reject } });
    ok(await b.run(['load', '-q', '--signature-policy', elsewhere, '-i', ociTar], { root: b.store() }), 'load past another path scope');

    const tb = await acceptBut({ tarball: { '': reject } });
    await refused(root, ['import', '--signature-policy', tb, tarball], rejected(`tarball:${tarball}`, 'transports.tarball[""]', tb));

    const cs = await acceptBut({ 'containers-storage': { [`[${root}]`]: reject } });
    const out = path.join(b.dir, `saved-${n++}.tar`);
    await refused(
      root,
      ['save', '--signature-policy', cs, '-o', out, NAME],
      rejected(`containers-storage:${id}`, `transports.containers-storage["[${root}]"]`, cs),
    );
    assert.equal(fs.existsSync(out), false);
    // save opens images by ID, so a name scope does not apply (as push)
    const byName = await acceptBut({ 'containers-storage': { [`[${root}]localhost/pa/tiny`]: reject } });
    ok(await b.run(['save', '-q', '--signature-policy', byName, '-o', out, NAME], { root }), 'save past a name scope');
    assert.ok(fs.statSync(out).size > 0);
  });

  test('a policy file that does not exist is an error for load, save and import', T, async () => {
    const missing = path.join(b.dir, 'no-such-policy.json');
    for (const args of [
      ['load', '--signature-policy', missing, '-i', dockerTar],
      ['save', '--signature-policy', missing, '-o', path.join(b.dir, `x-${n++}.tar`), NAME],
      ['import', '--signature-policy', missing, tarball],
    ]) {
      const before = await state(root);
      const r = await b.run(args, { root });
      assert.equal(r.code, 125, `${args[0]}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.match(r.stderr, /^Error: .*no-such-policy\.json/);
      assert.equal(await state(root), before);
    }
  });

  describe('podman 4.3.1 refuses the same', { skip: skipPodman }, () => {
    let p: ScratchPodman;
    before(async () => {
      p = await scratchPodman();
      ok(await p.run(['load', '-q', '-i', dockerTar]), 'podman load');
    });
    after(() => p?.cleanup());

    test('load, save and import with reject as the default', T, async () => {
      const file = await policyFile({ default: reject });
      const load = await p.run(['load', '--signature-policy', file, '-i', dockerTar]);
      assert.equal(load.code, 125);
      // podman lists every format it tried; the docker-archive one is berth's whole message
      assert.ok(
        load.stderr.includes(
          ` * docker-archive: Source image rejected: Running image docker-archive:${dockerTar}:${NAME} is rejected by policy.\n`,
        ),
        load.stderr,
      );
      const loadOci = await p.run(['load', '--signature-policy', file, '-i', ociTar]);
      assert.equal(loadOci.code, 125);
      assert.ok(
        loadOci.stderr.includes(` * oci-archive: Source image rejected: Running image oci-archive:${ociTar}: is rejected by policy.\n`),
        loadOci.stderr,
      );
      const save = await p.run(['save', '--signature-policy', file, '-o', path.join(b.dir, `podman-${n++}.tar`), NAME]);
      assert.equal(save.code, 125);
      assert.match(
        save.stderr,
        new RegExp(`^Error: Source image rejected: Running image containers-storage:\\[[^\\]]+\\]@${id} is rejected by policy\\.\\n$`),
      );
      const imp = await p.run(['import', '--signature-policy', file, tarball]);
      assert.equal(imp.code, 125);
      assert.equal(imp.stderr, `Error: Source image rejected: Running image tarball:${tarball} is rejected by policy.\n`);
    });

    test('transport scopes: docker-archive "", oci-archive parent directory, tarball ""', T, async () => {
      const file = await acceptBut({
        'docker-archive': { '': reject },
        'oci-archive': { [path.dirname(ociTar)]: reject },
        tarball: { '': reject },
      });
      for (const args of [
        ['load', '--signature-policy', file, '-i', dockerTar],
        ['load', '--signature-policy', file, '-i', ociTar],
        ['import', '--signature-policy', file, tarball],
      ]) {
        const r = await p.run(args);
        assert.equal(r.code, 125, `podman ${args.join(' ')}`);
        assert.match(r.stderr, /Source image rejected: Running image \S+ is rejected by policy\./);
      }
    });
  });
});
