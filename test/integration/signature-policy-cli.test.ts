/**
 * policy.json as pull and copy apply it (the context carries it; library calls get it too): a
 * rejected scope stores nothing, other scopes pass, copy --insecure-policy evaluates none.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeTinyOciLayout, type RunResult, type TinyImage } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { pullImage, Store } from '../../src/index.js';
import { expectError } from '../helpers/expect-error.js';

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}

describe('signature policy (policy.json) through pull and copy', () => {
  let b: ScratchBerth;
  let denied: TinyImage;
  let allowed: TinyImage;
  let policy: string;

  before(async () => {
    b = await scratchBerth();
    denied = await writeTinyOciLayout(path.join(b.dir, 'denied'), { files: { 'd.txt': 'denied\n' } });
    allowed = await writeTinyOciLayout(path.join(b.dir, 'allowed'), { files: { 'a.txt': 'allowed\n' } });
    policy = path.join(b.dir, 'policy.json');
    await fsp.writeFile(
      policy,
      JSON.stringify({
        default: [{ type: 'insecureAcceptAnything' }],
        transports: { oci: { [denied.dir]: [{ type: 'reject' }] } },
      }),
    );
  });
  after(() => b.cleanup());

  test('pull --signature-policy: a rejected scope is refused and stores nothing; another scope pulls', async () => {
    const store = b.store();
    const r = await b.run(['pull', '-q', '--signature-policy', policy, `oci:${denied.dir}:latest`], { root: store });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^Error: .*rejected.*\n$/i);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.equal((await b.run(['images', '-q'], { root: store })).stdout, '');
    const ok = await b.run(['pull', '-q', '--signature-policy', policy, `oci:${allowed.dir}:latest`], { root: store });
    assertOk(ok, 'pull of an accepted scope');
    assert.equal(ok.stdout.trim(), allowed.configDigest.slice('sha256:'.length));
  });

  test('pull without flags reads the user policy.json ($HOME/.config/containers)', async () => {
    const user = b.policyFile;
    const saved = await fsp.readFile(user);
    await fsp.copyFile(policy, user);
    try {
      const r = await b.run(['pull', '-q', `oci:${denied.dir}:latest`], { root: b.store() });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /rejected/i);
    } finally {
      await fsp.writeFile(user, saved);
    }
  });

  test('copy --policy refuses before writing; --insecure-policy copies', async () => {
    const out = path.join(b.dir, 'copy-out');
    const r = await b.run(['copy', '-q', '--policy', policy, `oci:${denied.dir}:latest`, `oci:${out}:x`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /rejected/i);
    assert.equal(fs.existsSync(path.join(out, 'index.json')), false, 'nothing written');
    assertOk(
      await b.run(['copy', '-q', '--policy', policy, '--insecure-policy', `oci:${denied.dir}:latest`, `oci:${out}:x`]),
      'copy --insecure-policy',
    );
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8')).manifests[0].digest, denied.manifestDigest);
  });

  test('library pullImage applies policy.json too (signaturePolicy option)', async () => {
    const store = Store.open({ root: b.store() });
    try {
      await assert.rejects(
        pullImage(store, `oci:${denied.dir}:latest`, { signaturePolicy: policy }),
        expectError('POLICY_DENIED', /rejected/i),
      );
      assert.equal(store.listImages().length, 0);
      const r = await pullImage(store, `oci:${allowed.dir}:latest`, { signaturePolicy: policy });
      assert.deepEqual(r.ids, [allowed.configDigest.slice('sha256:'.length)]);
    } finally {
      store.close();
    }
  });
});
