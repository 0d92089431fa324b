/**
 * policy.json judges the local store as a source, as containers/image judges its storage transport:
 * push opens the image by ID ("[ROOT]@ID" under "containers-storage", so only store-wide scopes
 * apply, as podman's push), copy from "containers-storage:NAME" by name and ID ("[ROOT]NAME@ID",
 * then "[ROOT]NAME", its repository components, "[ROOT]"). Side by side with podman 4.3.1 on the
 * same policies (its store spec names the driver too). A refusal writes nothing; a policy file
 * that does not exist is an error, as podman's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { haveTool, scratchPodman, writeTinyOciLayout, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 120_000 };

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

describe('policy.json for the local store as a source (push, copy)', () => {
  let b: ScratchBerth;
  let root: string;
  let id: string;
  let layout: string;
  let n = 0;
  const NAME = 'localhost/app/tiny:1';
  before(async () => {
    b = await scratchBerth();
    root = b.store();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'));
    layout = img.dir;
    id = img.configDigest.slice(7);
    ok(await b.run(['pull', '-q', `oci:${img.dir}`], { root }), 'pull');
    ok(await b.run(['tag', id, NAME], { root }), 'tag');
  });
  after(() => b?.cleanup());

  const policyFile = async (storage: Record<string, unknown>): Promise<string> => {
    const file = path.join(b.dir, `policy-${n++}.json`);
    await fsp.writeFile(
      file,
      JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { 'containers-storage': storage } }),
    );
    return file;
  };
  const reject = [{ type: 'reject' }];
  const out = () => path.join(b.dir, `out-${n++}`);

  test('push: a store-wide scope refuses, nothing is written; a name scope does not apply to push (by ID)', T, async () => {
    const file = await policyFile({ [`[${root}]`]: reject });
    const dest = out();
    const r = await b.run(['push', '-q', '--signature-policy', file, NAME, `oci:${dest}`], { root });
    assert.equal(r.code, 125);
    assert.equal(
      r.stderr,
      `Error: Source image rejected: Running image containers-storage:${id} is rejected by policy. (requirement "reject" of transports.containers-storage["[${root}]"] in ${file})\n`,
    );
    assert.equal(r.stdout, '');
    assert.equal(fs.existsSync(dest), false, 'nothing written');

    const byName = await policyFile({ [`[${root}]localhost/app/tiny`]: reject, [`[${root}]localhost/app`]: reject });
    ok(await b.run(['push', '-q', '--signature-policy', byName, NAME, `oci:${out()}`], { root }), 'push past name scopes');
  });

  test('push reads the user policy.json without flags', T, async () => {
    const saved = await fsp.readFile(b.policyFile);
    await fsp.copyFile(await policyFile({ [`[${root}]`]: reject }), b.policyFile);
    try {
      const dest = out();
      const r = await b.run(['push', '-q', NAME, `oci:${dest}`], { root });
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: Source image rejected: Running image containers-storage:[0-9a-f]{64} is rejected by policy\. /);
      assert.equal(fs.existsSync(dest), false);
    } finally {
      await fsp.writeFile(b.policyFile, saved);
    }
  });

  test('copy containers-storage:NAME: the identity, the name and its repository components; by ID only the store', T, async () => {
    const cases: [string, string][] = [
      [`[${root}]${NAME}@${id}`, NAME],
      [`[${root}]${NAME}`, NAME],
      [`[${root}]localhost/app/tiny`, NAME],
      [`[${root}]localhost`, NAME],
      [`[${root}]`, id],
    ];
    for (const [scope, src] of cases) {
      const file = await policyFile({ [scope]: reject });
      const dest = out();
      const r = await b.run(['copy', '-q', '--policy', file, `containers-storage:${src}`, `oci:${dest}`], { root });
      assert.equal(r.code, 125, `${scope}: ${r.stderr}`);
      assert.ok(
        r.stderr.endsWith(`(requirement "reject" of transports.containers-storage[${JSON.stringify(scope)}] in ${file})\n`),
        r.stderr,
      );
      assert.equal(fs.existsSync(dest), false);
    }
    // by ID, name scopes do not apply
    const file = await policyFile({ [`[${root}]${NAME}`]: reject });
    ok(await b.run(['copy', '-q', '--policy', file, `containers-storage:${id}`, `oci:${out()}`], { root }), 'copy by ID');
    // another store's scope does not apply either
    const other = await policyFile({ [`[${root}-other]`]: reject });
    ok(await b.run(['copy', '-q', '--policy', other, `containers-storage:${NAME}`, `oci:${out()}`], { root }), 'copy');
  });

  test('a policy file that does not exist: podman words, nothing written (pull, push, copy)', T, async () => {
    const missing = path.join(b.dir, 'no-such-policy.json');
    const want = `Error: open ${missing}: no such file or directory\n`;
    const dest = out();
    const runs = [
      await b.run(['push', '-q', '--signature-policy', missing, NAME, `oci:${dest}`], { root }),
      await b.run(['copy', '-q', '--policy', missing, `containers-storage:${NAME}`, `oci:${dest}`], { root }),
      await b.run(['pull', '-q', '--signature-policy', missing, `oci:${layout}`], { root: b.store() }),
    ];
    for (const r of runs) {
      assert.equal(r.code, 125);
      assert.equal(r.stderr, want);
    }
    assert.equal(fs.existsSync(dest), false);
  });

  describe('podman 4.3.1 on the same scopes', { skip: haveTool('podman') ? false : 'podman not installed' }, () => {
    let p: ScratchPodman;
    before(async () => {
      p = await scratchPodman();
      ok(await p.run(['pull', '-q', `oci:${layout}`]), 'podman pull');
      ok(await p.run(['tag', id, NAME]), 'podman tag');
    });
    after(() => p?.cleanup());

    test('push: store-wide scope refuses, a name scope does not (both tools)', T, async () => {
      const policyPath = path.join(p.home, '.config', 'containers', 'policy.json');
      const saved = await fsp.readFile(policyPath);
      try {
        for (const [scopeFor, refused] of [
          [(r: string) => `[${r}]`, true],
          [(r: string) => `[${r}]localhost/app/tiny`, false],
        ] as const) {
          const dest = out();
          await fsp.writeFile(
            policyPath,
            JSON.stringify({
              default: [{ type: 'insecureAcceptAnything' }],
              transports: { 'containers-storage': { [scopeFor(p.root)]: reject } },
            }),
          );
          const theirs = await p.run(['push', '-q', NAME, `oci:${dest}`]);
          const file = await policyFile({ [scopeFor(root)]: reject });
          const mine = await b.run(['push', '-q', '--signature-policy', file, NAME, `oci:${dest}-b`], { root });
          assert.equal(theirs.code, refused ? 125 : 0, theirs.stderr);
          assert.equal(mine.code, theirs.code, mine.stderr);
          if (refused)
            assert.match(
              theirs.stderr,
              /^Error: Source image rejected: Running image containers-storage:\[.*\]@[0-9a-f]{64} is rejected by policy\.\n$/,
            );
        }
      } finally {
        await fsp.writeFile(policyPath, saved);
      }
    });
  });
});
