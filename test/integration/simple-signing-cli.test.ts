/**
 * Simple signing with the real tools, both ways: skopeo signs -> berth verifies, berth signs ->
 * skopeo verifies (standalone-sign/-verify) and a skopeo copy under a signedBy policy accepts
 * what `berth image sign` put in the registries.d lookaside; refusals (wrong key, tampered
 * signature, identity or digest mismatch, garbage) are one line with a non-zero exit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { gpgHome, type GpgHome, type TestKey } from '../helpers/gpg.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchSkopeo, skipUnlessTools, writeTinyOciLayout, type RunResult, type ScratchSkopeo } from '../helpers/tools.js';

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}
function oneLineError(r: RunResult, pattern: RegExp): void {
  assert.equal(r.code, 125, `expected exit 125, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.equal(r.stdout, '');
}

describe('simple signing interop with skopeo', { skip: skipUnlessTools('gpg', 'skopeo', 'docker-registry') }, () => {
  let g: GpgHome;
  let alice: TestKey;
  let bob: TestKey;
  let b: ScratchBerth;
  let sk: ScratchSkopeo;
  let reg: Registry;
  let dir: string;
  let manifest: string;
  const berth = (args: string[]) => b.run(args, { env: g.env });
  const skopeo = (args: string[]) => sk.run(args, { env: g.env });

  before(async () => {
    g = await gpgHome();
    alice = await g.genKey('Alice');
    bob = await g.genKey('Bob');
    reg = await startRegistry();
    b = await scratchBerth(`unqualified-search-registries = []\n[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`);
    sk = await scratchSkopeo();
    dir = b.dir;
    manifest = path.join(dir, 'manifest.json');
    await fsp.writeFile(manifest, '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
  });
  after(async () => {
    await g?.cleanup();
    await reg?.stop();
    await sk?.cleanup();
    await b?.cleanup();
  });

  test('skopeo standalone-sign -> berth standalone-verify; berth standalone-sign -> skopeo standalone-verify', async () => {
    const bySkopeo = path.join(dir, 'by-skopeo.sig');
    ok(await skopeo(['standalone-sign', manifest, 'example.com/app:1', alice.fingerprint, '-o', bySkopeo]), 'skopeo standalone-sign');
    const v = ok(
      await berth(['image', 'standalone-verify', manifest, 'example.com/app:1', `${bob.fingerprint},${alice.fingerprint}`, bySkopeo]),
      'verify',
    );
    assert.match(v.stdout, new RegExp(`^Signature verified using fingerprint ${alice.fingerprint}, digest sha256:[0-9a-f]{64}\\n$`));
    const pub = path.join(dir, 'alice.asc');
    await fsp.writeFile(pub, alice.publicArmored);
    ok(await berth(['image', 'standalone-verify', '--public-key-file', pub, manifest, 'example.com/app:1', 'any', bySkopeo]), 'verify any');

    const byBerth = path.join(dir, 'by-berth.sig');
    ok(await berth(['image', 'standalone-sign', manifest, 'example.com/app:1', alice.fingerprint, '-o', byBerth]), 'berth standalone-sign');
    const s = ok(
      await skopeo(['standalone-verify', manifest, 'example.com/app:1', alice.fingerprint, byBerth]),
      'skopeo standalone-verify',
    );
    assert.match(s.stdout, /^Signature verified/);
  });

  test('standalone-verify refuses a wrong key, another identity, another manifest, a tampered signature and garbage', async () => {
    const sig = path.join(dir, 'r.sig');
    ok(await berth(['image', 'standalone-sign', manifest, 'example.com/app:1', alice.fingerprint, '-o', sig]), 'sign');
    oneLineError(
      await berth(['image', 'standalone-verify', manifest, 'example.com/app:1', bob.fingerprint, sig]),
      new RegExp(`^Error: Error verifying signature: signature by key ${alice.fingerprint} is not accepted\\n$`),
    );
    oneLineError(
      await berth(['image', 'standalone-verify', manifest, 'example.com/app:2', alice.fingerprint, sig]),
      /^Error: Error verifying signature: Docker reference "example.com\/app:1" does not match "example.com\/app:2"\n$/,
    );
    const other = path.join(dir, 'other.json');
    await fsp.writeFile(other, '{}');
    oneLineError(
      await berth(['image', 'standalone-verify', other, 'example.com/app:1', alice.fingerprint, sig]),
      /^Error: Error verifying signature: Signature for docker digest "sha256:[0-9a-f]{64}" does not match\n$/,
    );
    const raw = path.join(dir, 'raw.sig');
    const payload = `{"critical":{"identity":{"docker-reference":"example.com/app:1"},"image":{"docker-manifest-digest":"sha256:${'0'.repeat(64)}"},"type":"atomic container signature"},"optional":{}}`;
    const signed = await g.sign(payload, alice, { compress: false });
    const at = signed.indexOf(Buffer.from('example.com/app:1'));
    signed[at] = 'f'.charCodeAt(0);
    await fsp.writeFile(raw, signed);
    oneLineError(
      await berth(['image', 'standalone-verify', manifest, 'example.com/app:1', alice.fingerprint, raw]),
      /^Error: Error verifying signature: Invalid GPG signature/,
    );
    await fsp.writeFile(raw, 'garbage');
    oneLineError(
      await berth(['image', 'standalone-verify', manifest, 'example.com/app:1', alice.fingerprint, raw]),
      /^Error: Error verifying signature: /,
    );
    const none = path.join(dir, 'none.sig');
    oneLineError(
      await berth(['image', 'standalone-sign', manifest, 'example.com/app:1', 'nobody@example.com', '-o', none]),
      /^Error: Error creating signature: key "nobody@example.com" not found/,
    );
    await assert.rejects(fsp.stat(none));
  });

  test('berth image sign -> the registries.d lookaside -> skopeo copy under signedBy accepts it, another key is refused', async () => {
    const image = await writeTinyOciLayout(path.join(dir, 'oci'), { files: { 'signed.txt': 'signed\n' } });
    const ref = `${reg.host}/signed/app:1`;
    const digestFile = path.join(dir, 'pushed.digest');
    ok(
      await skopeo(['copy', '--dest-tls-verify=false', '--digestfile', digestFile, `oci:${image.dir}:latest`, `docker://${ref}`]),
      'skopeo copy to the registry',
    );
    const pushed = (await fsp.readFile(digestFile, 'utf8')).trim();
    const lookaside = path.join(dir, 'lookaside');
    const regd = path.join(b.home, '.config/containers/registries.d');
    await fsp.mkdir(regd, { recursive: true });
    await fsp.writeFile(
      path.join(regd, 'test.yaml'),
      `docker:\n  ${reg.host}:\n    lookaside-staging: file://${lookaside}\n    lookaside: file://${lookaside}\n`,
    );
    ok(await berth(['image', 'sign', '--sign-by', alice.fingerprint, `docker://${ref}`]), 'berth image sign');
    const sigDir = path.join(lookaside, `signed/app@sha256=${pushed.slice(7)}`);
    assert.deepEqual(await fsp.readdir(sigDir), ['signature-1']);

    await fsp.writeFile(path.join(sk.registriesDDir, 'test.yaml'), `docker:\n  ${reg.host}:\n    lookaside: file://${lookaside}\n`);
    const policy = (key: TestKey) =>
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: { docker: { [reg.host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicPath }] } },
      });
    await fsp.writeFile(sk.policyPath, policy(alice));
    ok(
      await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${path.join(dir, 'out-ok')}`]),
      'skopeo copy under signedBy',
    );
    await fsp.writeFile(sk.policyPath, policy(bob));
    const refused = await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${path.join(dir, 'out-refused')}`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Source image rejected/);

    // a second signature goes after the first; --directory writes under DIR/REPO
    ok(await berth(['image', 'sign', '--sign-by', bob.fingerprint, `docker://${ref}`]), 'second image sign');
    assert.deepEqual((await fsp.readdir(sigDir)).sort(), ['signature-1', 'signature-2']);
    await fsp.writeFile(sk.policyPath, policy(bob));
    ok(
      await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${path.join(dir, 'out-bob')}`]),
      'skopeo copy, second signature',
    );
    const other = path.join(dir, 'other-sigs');
    await fsp.mkdir(other);
    ok(await berth(['image', 'sign', '--sign-by', alice.fingerprint, '--directory', other, `docker://${ref}`]), 'image sign --directory');
    const written = path.join(other, `signed/app@sha256=${pushed.slice(7)}/signature-1`);
    const manifestFile = path.join(dir, 'out-ok', 'manifest.json');
    ok(await skopeo(['standalone-verify', manifestFile, ref, alice.fingerprint, written]), 'skopeo verifies the --directory signature');
  });

  test('berth push --sign-by -> skopeo copy under signedBy accepts it; skopeo copy --sign-by -> berth pull under signedBy', async () => {
    const lookaside = path.join(dir, 'lookaside-push');
    const regd = path.join(b.home, '.config/containers/registries.d');
    await fsp.mkdir(regd, { recursive: true });
    await fsp.writeFile(path.join(regd, 'test.yaml'), `default-docker:\n  lookaside: file://${lookaside}\n`);
    await fsp.writeFile(path.join(sk.registriesDDir, 'test.yaml'), `default-docker:\n  lookaside: file://${lookaside}\n`);
    const policy = (key: TestKey) =>
      JSON.stringify({
        default: [{ type: 'insecureAcceptAnything' }],
        transports: { docker: { [reg.host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicPath }] } },
      });

    // berth signs on push, with a passphrase-protected key and --sign-passphrase-file
    const carol = await g.genKey('Carol', { passphrase: 'pushing' });
    const pass = path.join(dir, 'carol-pass');
    await fsp.writeFile(pass, 'pushing\n');
    const image = await writeTinyOciLayout(path.join(dir, 'oci-push'), { files: { 'pushed.txt': 'pushed\n' } });
    const store = b.store();
    ok(await b.run(['pull', '-q', `oci:${image.dir}:latest`], { root: store, env: g.env }), 'pull from oci');
    ok(await b.run(['tag', image.configDigest.slice(7), 'localhost/pushed:1'], { root: store }), 'tag');
    const tag = `${reg.host}/pushed/app:1`;
    const digestFile = path.join(dir, 'push.digest');
    ok(
      await b.run(
        [
          'push',
          '--tls-verify=false',
          '--digestfile',
          digestFile,
          '--sign-by',
          carol.fingerprint,
          '--sign-passphrase-file',
          pass,
          'localhost/pushed:1',
          `docker://${tag}`,
        ],
        {
          root: store,
          env: g.env,
        },
      ),
      'push --sign-by',
    );
    const digest = (await fsp.readFile(digestFile, 'utf8')).trim();
    assert.deepEqual(await fsp.readdir(path.join(lookaside, `pushed/app@sha256=${digest.slice(7)}`)), ['signature-1']);
    await fsp.writeFile(sk.policyPath, policy(carol));
    ok(
      await skopeo(['copy', '--src-tls-verify=false', `docker://${tag}`, `dir:${path.join(dir, 'push-ok')}`]),
      'skopeo accepts the pushed signature',
    );
    await fsp.writeFile(sk.policyPath, policy(alice));
    assert.notEqual((await skopeo(['copy', '--src-tls-verify=false', `docker://${tag}`, `dir:${path.join(dir, 'push-no')}`])).code, 0);

    // skopeo signs on copy; berth pulls under signedBy (and refuses with another key, storing nothing)
    const other = await writeTinyOciLayout(path.join(dir, 'oci-skopeo'), { files: { 'skopeo.txt': 'by skopeo\n' } });
    const sref = `${reg.host}/by-skopeo/app:1`;
    await fsp.writeFile(sk.policyPath, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    ok(
      await skopeo(['copy', '--dest-tls-verify=false', '--sign-by', alice.fingerprint, `oci:${other.dir}:latest`, `docker://${sref}`]),
      'skopeo copy --sign-by',
    );
    const policyFile = path.join(dir, 'policy-pull.json');
    await fsp.writeFile(policyFile, policy(alice));
    const pstore = b.store();
    const pulled = ok(
      await b.run(['pull', '-q', '--tls-verify=false', '--signature-policy', policyFile, `docker://${sref}`], { root: pstore }),
      'pull under signedBy',
    );
    assert.match(pulled.stdout, /^[0-9a-f]{64}\n$/);
    await fsp.writeFile(policyFile, policy(bob));
    const refused = await b.run(['pull', '-q', '--tls-verify=false', '--signature-policy', policyFile, `docker://${sref}`], {
      root: b.store(),
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /^Error: .*Source image rejected: .*\n$/);
    assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
    const refusedPull = async (ref: string, why: RegExp) => {
      const st = b.store();
      const r = await b.run(['pull', '-q', '--tls-verify=false', '--signature-policy', policyFile, `docker://${ref}`], { root: st });
      assert.notEqual(r.code, 0, `${ref} was accepted`);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.equal((await b.run(['images', '-q'], { root: st })).stdout, '', 'nothing stored');
    };
    await refusedPull(sref, new RegExp(`Source image rejected: Key not found for key ID ${alice.fingerprint.slice(-16)} in signature`));
    await fsp.writeFile(policyFile, policy(alice));
    // no signature
    const uref = `${reg.host}/unsigned/app:1`;
    ok(await skopeo(['copy', '--dest-tls-verify=false', `oci:${other.dir}:latest`, `docker://${uref}`]), 'skopeo copy unsigned');
    await refusedPull(uref, /Source image rejected: A signature was required, but no signature exists/);
    // identity mismatch: the same manifest and its signature under another repository
    const sdigest = (await fsp.readdir(path.join(lookaside, 'by-skopeo'))).find((n) => n.startsWith('app@'))!;
    await fsp.mkdir(path.join(lookaside, 'unsigned', sdigest), { recursive: true });
    await fsp.copyFile(path.join(lookaside, 'by-skopeo', sdigest, 'signature-1'), path.join(lookaside, 'unsigned', sdigest, 'signature-1'));
    await refusedPull(uref, /Source image rejected: Signature for identity "[^"]*by-skopeo\/app:1" is not accepted/);
    // tampered signature
    const sigFile = path.join(lookaside, 'by-skopeo', sdigest, 'signature-1');
    const good = await fsp.readFile(sigFile);
    const bad = Buffer.from(good);
    bad[bad.length - 20] ^= 0xff;
    await fsp.writeFile(sigFile, bad);
    await refusedPull(sref, /Source image rejected: /);
    await fsp.writeFile(sigFile, good);
    // berth copy --sign-by (skopeo's flags) to another repository, verified by skopeo
    const cref = `${reg.host}/copied/app:1`;
    ok(
      await b.run(
        [
          'copy',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          '--registries.d',
          regd,
          '--sign-by',
          bob.fingerprint,
          '--remove-signatures',
          `docker://${sref}`,
          `docker://${cref}`,
        ],
        {
          env: g.env,
        },
      ),
      'berth copy --sign-by',
    );
    await fsp.writeFile(sk.policyPath, policy(bob));
    ok(
      await skopeo(['copy', '--src-tls-verify=false', `docker://${cref}`, `dir:${path.join(dir, 'copy-ok')}`]),
      'skopeo accepts the copy signature',
    );
  });

  test('image sign refusals: no identity, no transport, missing directory', async () => {
    oneLineError(await berth(['image', 'sign', 'containers-storage:x']), /^Error: please provide an identity\n$/);
    oneLineError(
      await berth(['image', 'sign', '--sign-by', alice.fingerprint, 'busybox']),
      /^Error: parsing image name: Invalid image name "busybox", expected colon-separated transport:reference\n$/,
    );
    oneLineError(
      await berth(['image', 'sign', '--sign-by', alice.fingerprint, '--directory', path.join(dir, 'nope'), 'docker://x/y:1']),
      /no such file or directory/,
    );
  });
});
