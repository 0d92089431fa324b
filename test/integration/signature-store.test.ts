/**
 * Signatures carried by the copy engine: dir: signature-N files -> store -> dir: byte for byte,
 * removed with the image, refused (before anything is written) by destinations that cannot
 * hold them unless --remove-signatures, and read by the policy's signature requirements.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchSkopeo, skipUnlessTools, writeTinyOciLayout, type RunResult, type TinyImage } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { openImage, Store } from '../../src/index.js';
import { signatureToBlob } from '../../src/trust/blob.js';
import type { Signature } from '../../src/trust/signature.js';

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}

/** An OpenPGP-looking blob (signature packet tag): the engine carries signatures as opaque bytes. */
const SIMPLE: Signature = { kind: 'simple', data: Buffer.concat([Buffer.from([0x89, 0x01]), Buffer.from('not really a signature')]) };
const SIGSTORE: Signature = {
  kind: 'sigstore',
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  payload: Buffer.from('{"critical":{}}'),
  annotations: { 'dev.cosignproject.cosign/signature': 'c2ln', 'a<b': 'x&y' },
};

function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of fs.readdirSync(dir).sort()) out[n] = fs.readFileSync(path.join(dir, n)).toString('hex');
  return out;
}

describe('signatures through the store and dir:', () => {
  let b: ScratchBerth;
  let img: TinyImage;
  let signedDir: string;

  before(async () => {
    b = await scratchBerth();
    img = await writeTinyOciLayout(path.join(b.dir, 'oci'), { files: { 's.txt': 'signed\n' } });
    signedDir = path.join(b.dir, 'signed-dir');
    assertOk(await b.run(['copy', '-q', `oci:${img.dir}:latest`, `dir:${signedDir}`]), 'copy to dir:');
    fs.writeFileSync(path.join(signedDir, 'signature-1'), signatureToBlob(SIMPLE));
    fs.writeFileSync(path.join(signedDir, 'signature-2'), signatureToBlob(SIGSTORE));
  });
  after(() => b.cleanup());

  test('dir: -> store -> dir: keeps every signature byte for byte; rmi removes them', async () => {
    const root = b.store();
    const pulled = await b.run(['pull', '-q', `dir:${signedDir}`], { root });
    assertOk(pulled, 'pull dir:');
    const id = pulled.stdout.trim();
    const store = Store.open({ root });
    try {
      assert.deepEqual(openImage(store, id).signatures(), [SIMPLE, SIGSTORE]);
    } finally {
      store.close();
    }
    const out = path.join(b.dir, 'out-dir');
    assertOk(await b.run(['push', '-q', id, `dir:${out}`], { root }), 'push to dir:');
    const a = listing(signedDir);
    const c = listing(out);
    assert.deepEqual(Object.keys(c), Object.keys(a));
    assert.equal(c['signature-1'], a['signature-1']);
    assert.equal(c['signature-2'], a['signature-2']);
    assert.equal(c['manifest.json'], a['manifest.json']);

    // --remove-signatures leaves them out
    const bare = path.join(b.dir, 'bare-dir');
    assertOk(await b.run(['push', '-q', '--remove-signatures', id, `dir:${bare}`], { root }), 'push --remove-signatures');
    assert.deepEqual(
      fs.readdirSync(bare).filter((n) => n.startsWith('signature-')),
      [],
    );

    assertOk(await b.run(['rmi', id], { root }), 'rmi');
    const s2 = Store.open({ root });
    try {
      assert.equal(s2.listImages().length, 0);
      assert.deepEqual(s2.signatures(id, img.manifestDigest as never), []);
    } finally {
      s2.close();
    }
    // pulled again without signatures: none come back from the removed image
    assertOk(await b.run(['pull', '-q', `oci:${img.dir}:latest`], { root }), 'pull unsigned');
    const s3 = Store.open({ root });
    try {
      assert.deepEqual(openImage(s3, id).signatures(), []);
    } finally {
      s3.close();
    }
  });

  test('copy of a signed image to oci: is refused before writing; --remove-signatures copies', async () => {
    const out = path.join(b.dir, 'oci-out');
    const r = await b.run(['copy', '-q', `dir:${signedDir}`, `oci:${out}:x`]);
    assert.equal(r.code, 125);
    assert.equal(
      r.stderr,
      `Error: Can not copy signatures to oci:${out}:x: Pushing signatures for OCI images is not supported (use --remove-signatures to copy the image without its signatures)\n`,
    );
    assert.equal(fs.existsSync(path.join(out, 'index.json')), false, 'nothing written');
    assertOk(await b.run(['copy', '-q', '--remove-signatures', `dir:${signedDir}`, `oci:${out}:x`]), 'copy --remove-signatures');
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8')).manifests[0].digest, img.manifestDigest);
  });

  test('a signed image is copied unchanged or not at all (no manifest conversion)', async () => {
    const out = path.join(b.dir, 'conv-dir');
    const r = await b.run(['copy', '-q', '--format', 'v2s2', `dir:${signedDir}`, `dir:${out}`]);
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      /^Error: Manifest must be converted to type "application\/vnd\.docker\.distribution\.manifest\.v2\+json" to be written to destination, but we cannot modify it: "Would invalidate signatures"\n$/,
    );
    assert.equal(fs.existsSync(path.join(out, 'manifest.json')), false);
  });

  test('skopeo reads the signature files berth writes and writes the same bytes', { skip: skipUnlessTools('skopeo') }, async () => {
    const sk = await scratchSkopeo();
    try {
      const out = path.join(sk.dir, 'sk-dir');
      const r = await sk.run(['copy', '-q', `dir:${signedDir}`, `dir:${out}`]);
      assertOk(r, 'skopeo copy dir: dir:');
      const a = listing(signedDir);
      const c = listing(out);
      assert.equal(c['signature-1'], a['signature-1']);
      assert.equal(c['signature-2'], a['signature-2']);
    } finally {
      await sk.cleanup();
    }
  });

  test('save leaves signatures out, as podman save', async () => {
    const root = b.store();
    const id = (await b.run(['pull', '-q', `dir:${signedDir}`], { root })).stdout.trim();
    const tar = path.join(b.dir, 'saved.tar');
    assertOk(await b.run(['save', '-q', '-o', tar, '--format', 'oci-archive', id], { root }), 'save');
    assert.ok(fs.statSync(tar).size > 0);
  });
});
