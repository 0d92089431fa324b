/**
 * Simple signing: the "atomic container signature" payload (exact bytes, strict parsing),
 * verification with the openpgp package of signatures made by the real gpg (good, wrong key,
 * tampered, garbage, expired and revoked keys, key sources), and gpgSigner (with and without a
 * passphrase, unknown key).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { digestOf } from '../../../src/digest/digest.js';
import {
  parseSimpleSigningPayload,
  serializeSimpleSigningPayload,
  type SimpleSigningPayload,
} from '../../../src/trust/simple-signing/payload.js';
import { verifySimpleSignature } from '../../../src/trust/simple-signing/verify.js';
import { gpgSigner } from '../../../src/trust/simple-signing/sign.js';
import { expectError } from '../../helpers/expect-error.js';
import { gpgHome, type GpgHome, type TestKey } from '../../helpers/gpg.js';
import { skipUnlessTools } from '../../helpers/tools.js';

const DIGEST = digestOf('{"schemaVersion":2}');

describe('simple signing payload', () => {
  test('is written as containers/image writes it (sorted keys, compact)', () => {
    const p: SimpleSigningPayload = {
      dockerManifestDigest: DIGEST,
      dockerReference: 'example.com/a/b:1',
      creator: 'berth',
      timestamp: 1700000000,
    };
    assert.equal(
      serializeSimpleSigningPayload(p).toString(),
      `{"critical":{"identity":{"docker-reference":"example.com/a/b:1"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"atomic container signature"},"optional":{"creator":"berth","timestamp":1700000000}}`,
    );
    assert.deepEqual(parseSimpleSigningPayload(serializeSimpleSigningPayload(p)), p);
  });

  const doc = (critical: object, optional: object = {}) => Buffer.from(JSON.stringify({ critical, optional }));
  const good = { type: 'atomic container signature', image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': 'r:1' } };

  test('unknown optional keys are ignored; the optional fields are typed', () => {
    assert.deepEqual(parseSimpleSigningPayload(doc(good, { other: [1], creator: 'x' })), {
      dockerManifestDigest: DIGEST,
      dockerReference: 'r:1',
      creator: 'x',
    });
    assert.throws(() => parseSimpleSigningPayload(doc(good, { timestamp: 1.5 })), expectError('INVALID_SIGNATURE', /not an integer/));
    assert.throws(() => parseSimpleSigningPayload(doc(good, { creator: 1 })), expectError('INVALID_SIGNATURE', /creator is not a string/));
  });

  test('the critical part is strict: unknown, missing, mistyped keys and another type are rejected', () => {
    assert.throws(
      () => parseSimpleSigningPayload(doc({ ...good, extra: 1 })),
      expectError('INVALID_SIGNATURE', /unknown key "extra" in "critical"/),
    );
    const { identity: _i, ...noIdentity } = good;
    assert.throws(() => parseSimpleSigningPayload(doc(noIdentity)), expectError('INVALID_SIGNATURE', /key "identity" missing/));
    assert.throws(
      () => parseSimpleSigningPayload(doc({ ...good, image: { 'docker-manifest-digest': DIGEST, x: 1 } })),
      expectError('INVALID_SIGNATURE', /unknown key "x" in critical.image/),
    );
    assert.throws(
      () => parseSimpleSigningPayload(doc({ ...good, identity: { 'docker-reference': 5 } })),
      expectError('INVALID_SIGNATURE', /docker-reference is not a string/),
    );
    assert.throws(
      () => parseSimpleSigningPayload(doc({ ...good, type: 'other' })),
      expectError('INVALID_SIGNATURE', /Unrecognized signature type other/),
    );
    assert.throws(
      () => parseSimpleSigningPayload(doc({ ...good, image: { 'docker-manifest-digest': 'sha256:../../x' } })),
      expectError('INVALID_SIGNATURE', /invalid docker-manifest-digest/),
    );
    assert.throws(
      () => parseSimpleSigningPayload(Buffer.from(JSON.stringify({ critical: good }))),
      expectError('INVALID_SIGNATURE', /"optional" missing/),
    );
    assert.throws(
      () => parseSimpleSigningPayload(Buffer.from(JSON.stringify({ critical: good, optional: {}, x: 1 }))),
      expectError('INVALID_SIGNATURE'),
    );
    const dup = `{"critical":${JSON.stringify(good)},"optional":{},"optional":{}}`;
    assert.throws(() => parseSimpleSigningPayload(Buffer.from(dup)), expectError('INVALID_SIGNATURE', /duplicate key "optional"/));
    assert.throws(() => parseSimpleSigningPayload(Buffer.from('not json')), expectError('INVALID_SIGNATURE'));
  });
});

describe('simple signatures made by gpg', { skip: skipUnlessTools('gpg') }, () => {
  let g: GpgHome;
  let alice: TestKey;
  let bob: TestKey;
  let payload: Buffer;

  before(async () => {
    g = await gpgHome();
    alice = await g.genKey('Alice', { algo: 'rsa2048' });
    bob = await g.genKey('Bob');
    payload = serializeSimpleSigningPayload({
      dockerManifestDigest: DIGEST,
      dockerReference: 'example.com/app:1',
      creator: 'test',
      timestamp: 1,
    });
  });
  after(() => g?.cleanup());

  test('verify: the claim of a good signature, keys from a binary or armored file, keyPaths, keyData', async () => {
    const sig = await g.sign(payload, alice);
    const claim = {
      dockerManifestDigest: DIGEST,
      dockerReference: 'example.com/app:1',
      keyFingerprint: alice.fingerprint,
      creator: 'test',
      timestamp: 1,
    };
    assert.deepEqual(await verifySimpleSignature(sig, { keyPath: alice.publicPath }), claim);
    const armored = path.join(g.home, 'alice.asc');
    await fsp.writeFile(armored, alice.publicArmored);
    assert.deepEqual(await verifySimpleSignature(sig, { keyPath: armored }), claim);
    assert.deepEqual(await verifySimpleSignature(sig, { keyPaths: [bob.publicPath, alice.publicPath] }), claim);
    assert.deepEqual(await verifySimpleSignature(sig, { keyData: (await fsp.readFile(alice.publicPath)).toString('base64') }), claim);
    // a keyring with several keys, as `gpg --export` writes it
    const ring = path.join(g.home, 'ring.gpg');
    await fsp.writeFile(ring, (await g.gpg(['--export'])).stdoutBuf);
    assert.deepEqual(await verifySimpleSignature(await g.sign(payload, bob), { keyPath: ring }), {
      ...claim,
      keyFingerprint: bob.fingerprint,
    });
  });

  test('a signature by another key is refused, naming the key ID', async () => {
    const sig = await g.sign(payload, bob);
    await assert.rejects(
      verifySimpleSignature(sig, { keyPath: alice.publicPath }),
      expectError('INVALID_SIGNATURE', `Key not found for key ID ${bob.fingerprint.slice(-16)} in signature`),
    );
  });

  test('tampered signed data, garbage and an empty file are refused', async () => {
    const sig = await g.sign(payload, alice, { compress: false });
    const at = sig.indexOf(Buffer.from('example.com/app:1'));
    assert.ok(at > 0);
    const tampered = Buffer.from(sig);
    tampered[at + 'example.com/app:'.length] = '2'.charCodeAt(0);
    await assert.rejects(
      verifySimpleSignature(tampered, { keyPath: alice.publicPath }),
      expectError('INVALID_SIGNATURE', /^Invalid GPG signature by key ID/),
    );
    await assert.rejects(
      verifySimpleSignature(Buffer.from('garbage\n'), { keyPath: alice.publicPath }),
      expectError('INVALID_SIGNATURE', /not an OpenPGP message/),
    );
    await assert.rejects(
      verifySimpleSignature(Buffer.alloc(0), { keyPath: alice.publicPath }),
      expectError('INVALID_SIGNATURE', 'The signature is empty'),
    );
    // signed data that is not a payload
    await assert.rejects(
      verifySimpleSignature(await g.sign('hello', alice), { keyPath: alice.publicPath }),
      expectError('INVALID_SIGNATURE', /invalid signature payload/),
    );
  });

  test('signatures of an expired or a revoked key are refused', async () => {
    const old = await g.genKey('Expired', { fakedTime: '20200101T000000!', expire: '1d' });
    const sig = await g.sign(payload, old, { fakedTime: '20200101T010000!' });
    await assert.rejects(verifySimpleSignature(sig, { keyPath: old.publicPath }), expectError('INVALID_SIGNATURE', /expired/i));
    const gone = await g.genKey('Revoked');
    const sig2 = await g.sign(payload, gone);
    assert.equal((await verifySimpleSignature(sig2, { keyPath: gone.publicPath })).keyFingerprint, gone.fingerprint);
    await g.revoke(gone);
    await assert.rejects(verifySimpleSignature(sig2, { keyPath: gone.publicPath }), expectError('INVALID_SIGNATURE', /revoked/i));
  });

  test('key sources: exactly one, files that exist and hold keys', async () => {
    const sig = await g.sign(payload, alice);
    await assert.rejects(verifySimpleSignature(sig, {}), expectError('CONFIG', /not exactly one of "keyPath", "keyPaths" and "keyData"/));
    await assert.rejects(verifySimpleSignature(sig, { keyPath: alice.publicPath, keyData: 'eA==' }), expectError('CONFIG'));
    await assert.rejects(
      verifySimpleSignature(sig, { keyPath: path.join(g.home, 'missing.gpg') }),
      expectError('CONFIG', /missing\.gpg: no such file or directory$/),
    );
    await assert.rejects(verifySimpleSignature(sig, { keyPaths: [] }), expectError('CONFIG', 'No public keys imported'));
    const junk = path.join(g.home, 'junk');
    await fsp.writeFile(junk, 'not a key');
    await assert.rejects(
      verifySimpleSignature(sig, { keyPath: junk }),
      expectError('INVALID_SIGNATURE', /is not an OpenPGP public key or keyring/),
    );
  });

  test('gpgSigner: signs with the keyring (GNUPGHOME) and with a passphrase file; unknown keys and bad passphrases fail', async () => {
    const manifest = Buffer.from('{"schemaVersion":2,"x":1}');
    const s = gpgSigner({ keyId: alice.fingerprint, homedir: g.home });
    const sig = await s.sign(manifest, 'example.com/app:2');
    assert.equal(sig.kind, 'simple');
    const v = await verifySimpleSignature((sig as { data: Buffer }).data, { keyPath: alice.publicPath });
    assert.equal(v.dockerManifestDigest, digestOf(manifest));
    assert.equal(v.dockerReference, 'example.com/app:2');
    assert.equal(v.creator, 'berth');

    const carol = await g.genKey('Carol', { passphrase: 'open sesame' });
    const wrong = path.join(g.home, 'wrong-pass');
    await fsp.writeFile(wrong, 'not it\n');
    await assert.rejects(
      gpgSigner({ keyId: carol.fingerprint, homedir: g.home, passphraseFile: wrong }).sign(manifest, 'a/b:1'),
      expectError('SIGNING_FAILED', /bad passphrase/),
    );
    const pass = path.join(g.home, 'pass');
    await fsp.writeFile(pass, 'open sesame\nsecond line is ignored\n');
    const s2 = await gpgSigner({ keyId: carol.fingerprint, homedir: g.home, passphraseFile: pass }).sign(manifest, 'example.com/app:3');
    assert.equal(
      (await verifySimpleSignature((s2 as { data: Buffer }).data, { keyPath: carol.publicPath })).keyFingerprint,
      carol.fingerprint,
    );

    await assert.rejects(
      gpgSigner({ keyId: 'DEADBEEF', homedir: g.home }).sign(manifest, 'a/b:1'),
      expectError('SIGNING_FAILED', 'key "DEADBEEF" not found'),
    );
    assert.throws(
      () => gpgSigner({ keyId: alice.fingerprint, passphraseFile: path.join(g.home, 'none') }),
      expectError('INVALID_ARGUMENT', /no such file or directory/),
    );
    assert.throws(() => gpgSigner({ keyId: '' }), expectError('INVALID_ARGUMENT', 'please provide an identity'));
  });
});
