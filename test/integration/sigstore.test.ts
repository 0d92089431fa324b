/**
 * Sigstore signatures through a real registry (Debian docker-registry) and the real skopeo:
 * berth's `sha256-<hex>.sig` attachments are read by skopeo (copied to dir: as signature-N), and
 * attachments written by skopeo are read and verified by berth; appending keeps existing layers
 * and never duplicates one. (Debian's skopeo and podman are built with sigstore signing and
 * verification disabled — "Debian-local change: sigstore disabled" — so they can move these
 * signatures but not make or check them.) `berth generate-sigstore-key` as skopeo's command.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { scratchSkopeo, skipUnlessTools, writeTinyOciLayout, type ScratchSkopeo, type TinyImage } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { expectError } from '../helpers/expect-error.js';
import { parseImageName, sigstoreSigner, verifySigstoreSignature, type Signature } from '../../src/index.js';
import { buildContext } from '../../src/config/context.js';
import { SIGSTORE_ANNOTATIONS } from '../../src/trust/sigstore/sign.js';
import type { SigstoreRequirement, SigstoreSignature } from '../../src/trust/sigstore/verify.js';
import type { DockerSource } from '../../src/transports/docker/source.js';
import type { Digest } from '../../src/digest/digest.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? skipUnlessTools('skopeo') : '/usr/bin/docker-registry not installed';

/** A sigstore signature as skopeo stores it in a dir: layout ("\0sigstore-json\n" + JSON, payload in base64). */
function readDirSignature(file: string): { mimeType: string; payload: Buffer; annotations: Record<string, string> } {
  const b = fs.readFileSync(file);
  const prefix = '\0sigstore-json\n';
  assert.equal(b.subarray(0, prefix.length).toString('latin1'), prefix);
  const j = JSON.parse(b.subarray(prefix.length).toString()) as { mimeType: string; payload: string; annotations: Record<string, string> };
  return { ...j, payload: Buffer.from(j.payload, 'base64') };
}

describe('sigstore attachments and keys with a registry and skopeo', { skip }, () => {
  let reg: Registry;
  let b: ScratchBerth;
  let sk: ScratchSkopeo;
  let img: TinyImage;
  let prefix: string;
  let passFile: string;
  const req = (keyPath: string): SigstoreRequirement => ({ type: 'sigstoreSigned', keyPath, signedIdentity: { type: 'matchRepository' } });

  before(async () => {
    reg = await startRegistry();
    b = await scratchBerth();
    sk = await scratchSkopeo();
    img = await writeTinyOciLayout(path.join(b.dir, 'oci'), { files: { 's.txt': 'signed content\n' } });
    fs.writeFileSync(path.join(sk.registriesDDir, 'sigstore.yaml'), `docker:\n  ${reg.host}:\n    use-sigstore-attachments: true\n`);
    prefix = path.join(b.dir, 'mykey');
    passFile = path.join(b.dir, 'passphrase');
    fs.writeFileSync(passFile, 'sekrit\n');
    for (const repo of ['sig/app', 'sig/plain']) {
      const r = await sk.run(['copy', '-q', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/${repo}:1`]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await reg?.stop();
    await b?.cleanup();
    await sk?.cleanup();
  });

  const ctx = (enabled = true) =>
    buildContext({ registry: { tlsVerify: false }, registriesDir: enabled ? sk.registriesDDir : path.join(b.dir, 'none') });
  async function signatures(ref: string, enabled = true): Promise<Signature[]> {
    const src = await parseImageName(`docker://${ref}`).newSource(ctx(enabled));
    try {
      return await src.getSignatures!();
    } finally {
      await src.close();
    }
  }
  /** The manifest as the registry holds it (skopeo compressed the layer on the way up). */
  async function registryManifest(ref: string): Promise<{ bytes: Buffer; digest: Digest }> {
    const src = (await parseImageName(`docker://${ref}`).newSource(ctx())) as DockerSource;
    try {
      return { bytes: (await src.getManifest()).bytes, digest: await src.manifestDigest() };
    } finally {
      await src.close();
    }
  }
  async function put(ref: string, sigs: Signature[], enabled = true): Promise<void> {
    const d = await parseImageName(`docker://${ref}`).newDestination(ctx(enabled));
    try {
      await d.dest.putSignatures!(sigs, (await registryManifest(ref)).digest);
    } finally {
      await d.dest.close();
    }
  }

  test('berth generate-sigstore-key: PREFIX.pub and PREFIX.private, skopeo’s words, never overwrites', async () => {
    const r = await b.run(['generate-sigstore-key', '--output-prefix', prefix, '--passphrase-file', passFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Key written to "${prefix}.private" and "${prefix}.pub"\n`);
    assert.match(fs.readFileSync(`${prefix}.private`, 'utf8'), /^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n/);
    const again = await b.run(['generate-sigstore-key', '--output-prefix', prefix, '--passphrase-file', passFile]);
    assert.equal(again.code, 125);
    assert.equal(again.stderr, `Error: Refusing to overwrite existing "${prefix}.pub"\n`);
    const noTty = await b.run(['generate-sigstore-key', '--output-prefix', path.join(b.dir, 'other')]);
    assert.equal(noTty.code, 125);
    assert.match(noTty.stderr, /^Error: Cannot prompt for a passphrase for key .*other\.private, standard input is not a TTY/);
    assert.equal(fs.existsSync(path.join(b.dir, 'other.pub')), false);
    const noPrefix = await b.run(['generate-sigstore-key', '--passphrase-file', passFile]);
    assert.equal(noPrefix.code, 125);
    assert.match(noPrefix.stderr, /^Error: Usage: generate-sigstore-key --output-prefix PREFIX/);
  });

  test('berth writes an attachment; skopeo reads it; writing it again adds nothing; a second signature is appended', async () => {
    const ref = `${reg.host}/sig/app:1`;
    assert.deepEqual(await signatures(ref), []);
    const signer = sigstoreSigner({ privateKeyPath: `${prefix}.private`, passphraseFile: passFile });
    const { bytes: manifest, digest } = await registryManifest(ref);
    const one = (await signer.sign(manifest, ref)) as SigstoreSignature;
    await put(ref, [one]);
    await put(ref, [one]);
    const tags = (await (await fetch(`${reg.url}/v2/sig/app/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['1', `${digest.replace(':', '-')}.sig`]);

    const out = path.join(b.dir, 'skopeo-dir');
    const r = await sk.run(['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `dir:${out}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(out, 'signature-2')), false, 'one signature, not duplicated');
    const seen = readDirSignature(path.join(out, 'signature-1'));
    assert.equal(seen.mimeType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.deepEqual(seen.payload, one.payload);
    assert.deepEqual(seen.annotations, one.annotations);

    const two = (await signer.sign(manifest, `${reg.host}/sig/app:other`)) as SigstoreSignature;
    await put(ref, [two]);
    const back = await signatures(ref);
    assert.deepEqual(
      back.map((s) => (s as SigstoreSignature).payload.toString()),
      [one.payload.toString(), two.payload.toString()],
    );
    for (const s of back)
      assert.equal((await verifySigstoreSignature(s as SigstoreSignature, req(`${prefix}.pub`))).dockerManifestDigest, digest);
  });

  test('skopeo writes attachments (copying a signed dir:); berth reads and verifies them, and refuses a wrong key', async () => {
    const out = path.join(b.dir, 'skopeo-dir');
    const ref = `${reg.host}/sig/copied:1`;
    const r = await sk.run(['copy', '-q', '--dest-tls-verify=false', `dir:${out}`, `docker://${ref}`]);
    assert.equal(r.code, 0, r.stderr);
    const sigs = (await signatures(ref)) as SigstoreSignature[];
    assert.equal(sigs.length, 1);
    assert.ok(sigs[0]!.annotations[SIGSTORE_ANNOTATIONS.signature]);
    const claim = await verifySigstoreSignature(sigs[0]!, req(`${prefix}.pub`));
    assert.deepEqual(claim, { dockerManifestDigest: (await registryManifest(ref)).digest, dockerReference: `${reg.host}/sig/app:1` });
    const other = path.join(b.dir, 'otherkey');
    assert.equal((await b.run(['generate-sigstore-key', '--output-prefix', other, '--passphrase-file', passFile])).code, 0);
    await assert.rejects(
      verifySigstoreSignature(sigs[0]!, req(`${other}.pub`)),
      expectError('POLICY_DENIED', /^cryptographic signature verification failed/),
    );
  });

  test('without use-sigstore-attachments nothing is read, and writing is refused before touching the registry', async () => {
    const ref = `${reg.host}/sig/app:1`;
    assert.deepEqual(await signatures(ref, false), []);
    const signer = sigstoreSigner({ privateKeyPath: `${prefix}.private`, passphraseFile: passFile });
    const sig = await signer.sign(Buffer.from('{}'), `${reg.host}/sig/plain:1`);
    await assert.rejects(
      put(`${reg.host}/sig/plain:1`, [sig], false),
      expectError('UNSUPPORTED', /writing sigstore attachments is disabled by configuration$/),
    );
    const tags = (await (await fetch(`${reg.url}/v2/sig/plain/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['1']);
  });

  describe('signing on push and copy, verifying on pull (policy.json sigstoreSigned)', () => {
    let image: string;
    let policy: (o: Record<string, unknown>) => string;
    const pull = (ref: string, policyFile: string, store: string) =>
      b.run(['pull', '-q', '--tls-verify=false', '--signature-policy', policyFile, `docker://${ref}`], { root: store });
    const assertRefused = async (ref: string, policyFile: string, re: RegExp) => {
      const store = b.store();
      const r = await pull(ref, policyFile, store);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.equal((await b.run(['images', '-q'], { root: store })).stdout, '', 'nothing stored');
    };

    before(async () => {
      const d = path.join(b.home, '.config', 'containers', 'registries.d');
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'sigstore.yaml'), `docker:\n  ${reg.host}:\n    use-sigstore-attachments: true\n`);
      const r = await b.run(['pull', '-q', `oci:${img.dir}:latest`]);
      assert.equal(r.code, 0, r.stderr);
      image = r.stdout.trim();
      let n = 0;
      policy = (o) => {
        const f = path.join(b.dir, `policy-${n++}.json`);
        fs.writeFileSync(
          f,
          JSON.stringify({
            default: [{ type: 'insecureAcceptAnything' }],
            transports: { docker: { [reg.host]: [{ type: 'sigstoreSigned', ...o }] } },
          }),
        );
        return f;
      };
    });

    test('berth push --sign-by-sigstore-private-key -> berth pull under sigstoreSigned verifies', async () => {
      const ref = `${reg.host}/e2e/pushed:1`;
      const r = await b.run([
        'push',
        '--tls-verify=false',
        '--sign-by-sigstore-private-key',
        `${prefix}.private`,
        '--sign-passphrase-file',
        passFile,
        image,
        `docker://${ref}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Creating signature: Signing image using a sigstore signature/);
      const digest = r.stdout.trim();
      const sigs = (await signatures(ref)) as SigstoreSignature[];
      assert.equal(sigs.length, 1);
      assert.deepEqual(await verifySigstoreSignature(sigs[0]!, req(`${prefix}.pub`)), {
        dockerManifestDigest: digest,
        dockerReference: ref,
      });
      const store = b.store();
      const ok = await pull(ref, policy({ keyPath: `${prefix}.pub` }), store);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.trim(), image);
      // the verified signature is kept with the image: pushing it on carries it to another repository
      const again = `${reg.host}/e2e/carried:1`;
      const p2 = await b.run(['push', '--tls-verify=false', image, `docker://${again}`], { root: store });
      assert.equal(p2.code, 0, p2.stderr);
      assert.equal((await signatures(again)).length, 1);
    });

    test('berth copy --sign-by-sigstore-private-key --sign-identity signs for that identity', async () => {
      const ref = `${reg.host}/e2e/copied:1`;
      const r = await b.run([
        'copy',
        '--dest-tls-verify=false',
        '--sign-by-sigstore-private-key',
        `${prefix}.private`,
        '--sign-passphrase-file',
        passFile,
        '--sign-identity',
        `${reg.host}/e2e/named:v1`,
        `oci:${img.dir}:latest`,
        `docker://${ref}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const sigs = (await signatures(ref)) as SigstoreSignature[];
      assert.equal((await verifySigstoreSignature(sigs[0]!, req(`${prefix}.pub`))).dockerReference, `${reg.host}/e2e/named:v1`);
      await assertRefused(
        ref,
        policy({ keyPath: `${prefix}.pub` }),
        /^Error: .*Signature for identity "127\.0\.0\.1:\d+\/e2e\/named:v1" is not accepted/,
      );
      const ok = await pull(
        ref,
        policy({ keyPath: `${prefix}.pub`, signedIdentity: { type: 'exactReference', dockerReference: `${reg.host}/e2e/named:v1` } }),
        b.store(),
      );
      assert.equal(ok.code, 0, ok.stderr);
    });

    test('refusals, each one line with nothing stored: no signature, wrong key, tampered payload, wrong passphrase', async () => {
      await assertRefused(
        `${reg.host}/sig/plain:1`,
        policy({ keyPath: `${prefix}.pub` }),
        /^Error: .*A signature was required, but no signature exists/,
      );
      const other = path.join(b.dir, 'otherkey');
      await assertRefused(
        `${reg.host}/e2e/pushed:1`,
        policy({ keyPath: `${other}.pub` }),
        /^Error: .*cryptographic signature verification failed/,
      );
      const ref = `${reg.host}/e2e/pushed:1`;
      const { digest } = await registryManifest(ref);
      const [good] = (await signatures(ref)) as SigstoreSignature[];
      const tampered: SigstoreSignature = {
        ...good!,
        payload: Buffer.from(good!.payload.toString().replace('"timestamp":', '"timestamp":1')),
      };
      const tref = `${reg.host}/e2e/tampered:1`;
      assert.equal(
        (
          await sk.run([
            'copy',
            '-q',
            '--src-tls-verify=false',
            '--dest-tls-verify=false',
            '--remove-signatures',
            `docker://${ref}`,
            `docker://${tref}`,
          ])
        ).code,
        0,
      );
      assert.equal((await registryManifest(tref)).digest, digest);
      await put(tref, [tampered]);
      await assertRefused(tref, policy({ keyPath: `${prefix}.pub` }), /^Error: .*cryptographic signature verification failed/);
      const bad = path.join(b.dir, 'badpass');
      fs.writeFileSync(bad, 'nope\n');
      const r = await b.run([
        'push',
        '--tls-verify=false',
        '--sign-by-sigstore-private-key',
        `${prefix}.private`,
        '--sign-passphrase-file',
        bad,
        image,
        `docker://${reg.host}/e2e/never:1`,
      ]);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: .*mykey\.private: cannot decrypt the private key: wrong passphrase or damaged key/);
      const tags = await fetch(`${reg.url}/v2/e2e/never/tags/list`);
      assert.equal(tags.status, 404, 'nothing pushed');
    });
  });
});
