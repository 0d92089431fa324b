/**
 * Sigstore signatures made by sigstoreSigner and checked by verifySigstoreSignature under each
 * kind of sigstoreSigned trust root: public keys (keyPath, keyPaths, keyData, keyDatas), keys
 * with Rekor SETs, Fulcio certificates (a test CA made with the openssl CLI, with Fulcio's OIDC
 * issuer extensions) with Rekor SETs, and a private PKI. Every refusal is POLICY_DENIED with
 * containers/image's words, on one line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sigstoreSigner, SIGSTORE_ANNOTATIONS } from '../../../../src/trust/sigstore/sign.js';
import { verifySigstoreSignature, type SigstoreRequirement, type SigstoreSignature } from '../../../../src/trust/sigstore/verify.js';
import { canonicalJSON } from '../../../../src/trust/sigstore/rekor.js';
import { encryptWithPassphrase, pemEncode, signMessage } from '../../../../src/trust/sigstore/keys.js';
import { generateSigstoreKey } from '../../../../src/trust/sigstore/generate.js';
import { parseSigstorePayload, sigstorePayload } from '../../../../src/trust/sigstore/payload.js';
import { digestOf } from '../../../../src/digest/digest.js';
import { expectError } from '../../../helpers/expect-error.js';
import { runOk } from '../../../helpers/tools.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sigstore-verify-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pass = Buffer.from('pw');
const passFile = path.join(dir, 'pass');
fs.writeFileSync(passFile, 'pw\n');
const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
const IDENTITY = 'registry.example/ns/app:1';

function keyPair(prefix: string): { priv: string; pub: string } {
  const p = path.join(dir, prefix);
  generateSigstoreKey({ outputPrefix: p, passphrase: pass });
  return { priv: `${p}.private`, pub: `${p}.pub` };
}
const req = (r: Partial<SigstoreRequirement>): SigstoreRequirement => ({
  type: 'sigstoreSigned',
  signedIdentity: { type: 'matchRepoDigestOrExact' },
  ...r,
});
const b64file = (f: string) => fs.readFileSync(f).toString('base64');
const denied = (m: RegExp | string) => expectError('POLICY_DENIED', m);

describe('public keys', () => {
  const a = keyPair('a');
  const b = keyPair('b');
  let sig: SigstoreSignature;
  before(async () => {
    sig = (await sigstoreSigner({ privateKeyPath: a.priv, passphraseFile: passFile }).sign(manifest, IDENTITY)) as SigstoreSignature;
  });

  test('the signature: cosign media type, payload naming digest and identity, base64 ECDSA annotation', () => {
    assert.equal(sig.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.deepEqual(Object.keys(sig.annotations), [SIGSTORE_ANNOTATIONS.signature]);
    const doc = JSON.parse(sig.payload.toString());
    assert.deepEqual(doc.critical, {
      identity: { 'docker-reference': IDENTITY },
      image: { 'docker-manifest-digest': digestOf(manifest) },
      type: 'cosign container image signature',
    });
    assert.equal(doc.optional.creator, 'berth 0.1.0');
    assert.ok(Number.isInteger(doc.optional.timestamp));
    const pub = crypto.createPublicKey(fs.readFileSync(a.pub));
    assert.ok(crypto.verify('sha256', sig.payload, pub, Buffer.from(sig.annotations[SIGSTORE_ANNOTATIONS.signature]!, 'base64')));
  });

  test('keyPath, keyPaths, keyData and keyDatas accept it; the claim is the payload’s', async () => {
    const want = { dockerManifestDigest: digestOf(manifest), dockerReference: IDENTITY };
    assert.deepEqual(await verifySigstoreSignature(sig, req({ keyPath: a.pub })), want);
    assert.deepEqual(await verifySigstoreSignature(sig, req({ keyPaths: [b.pub, a.pub] })), want);
    assert.deepEqual(await verifySigstoreSignature(sig, req({ keyData: b64file(a.pub) })), want);
    assert.deepEqual(await verifySigstoreSignature(sig, req({ keyDatas: [b64file(b.pub), b64file(a.pub)] })), want);
  });

  test('refusals: wrong key, tampered payload, tampered or missing signature, not a signature layer', async () => {
    await assert.rejects(
      verifySigstoreSignature(sig, req({ keyPath: b.pub })),
      denied('cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature'),
    );
    const tampered = { ...sig, payload: Buffer.from(sig.payload.toString().replace(IDENTITY, 'registry.example/ns/evil:1')) };
    await assert.rejects(
      verifySigstoreSignature(tampered, req({ keyPath: a.pub })),
      denied(/^cryptographic signature verification failed/),
    );
    const raw = Buffer.from(sig.annotations[SIGSTORE_ANNOTATIONS.signature]!, 'base64');
    raw[raw.length - 1]! ^= 1;
    const badSig = { ...sig, annotations: { [SIGSTORE_ANNOTATIONS.signature]: raw.toString('base64') } };
    await assert.rejects(verifySigstoreSignature(badSig, req({ keyPath: a.pub })), denied(/^cryptographic signature verification failed/));
    await assert.rejects(
      verifySigstoreSignature({ ...sig, annotations: {} }, req({ keyPath: a.pub })),
      denied('missing dev.cosignproject.cosign/signature annotation'),
    );
    await assert.rejects(
      verifySigstoreSignature({ ...sig, annotations: { [SIGSTORE_ANNOTATIONS.signature]: 'not base64!' } }, req({ keyPath: a.pub })),
      denied('base64 decoding: illegal base64 data'),
    );
    await assert.rejects(
      verifySigstoreSignature({ ...sig, mediaType: 'application/vnd.in-toto+json' }, req({ keyPath: a.pub })),
      denied(/^not a sigstore signature/),
    );
  });

  test('a missing key file or a key that is not PEM is a configuration error', async () => {
    await assert.rejects(
      verifySigstoreSignature(sig, req({ keyPath: path.join(dir, 'none.pub') })),
      expectError('CONFIG', /none\.pub: no such file/),
    );
    await assert.rejects(
      verifySigstoreSignature(sig, req({ keyData: Buffer.from('junk').toString('base64') })),
      expectError('CONFIG', /PEM decoding failed/),
    );
  });

  test('RSA and Ed25519 signing keys verify as cosign verifies them', async () => {
    for (const kp of [crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), crypto.generateKeyPairSync('ed25519')]) {
      const file = path.join(dir, `k-${kp.privateKey.asymmetricKeyType}.private`);
      fs.writeFileSync(
        file,
        pemEncode('ENCRYPTED SIGSTORE PRIVATE KEY', encryptWithPassphrase(kp.privateKey.export({ type: 'pkcs8', format: 'der' }), pass)),
      );
      const s = (await sigstoreSigner({ privateKeyPath: file, passphrase: pass }).sign(manifest, IDENTITY)) as SigstoreSignature;
      const keyData = Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' })).toString('base64');
      assert.equal((await verifySigstoreSignature(s, req({ keyData }))).dockerReference, IDENTITY);
      await assert.rejects(verifySigstoreSignature(s, req({ keyPath: a.pub })), denied(/^cryptographic signature verification failed/));
    }
  });

  test('the signer refuses a reference without tag or digest, a wrong passphrase and a missing key file', async () => {
    await assert.rejects(
      sigstoreSigner({ privateKeyPath: a.priv, passphrase: pass }).sign(manifest, 'registry.example/ns/app'),
      expectError('INVALID_REFERENCE', "reference registry.example/ns/app can't be signed, it has neither a tag nor a digest"),
    );
    assert.throws(
      () => sigstoreSigner({ privateKeyPath: a.priv, passphrase: Buffer.from('nope') }),
      expectError('INVALID_ARGUMENT', /wrong passphrase/),
    );
    assert.throws(
      () => sigstoreSigner({ privateKeyPath: path.join(dir, 'missing.private'), passphrase: pass }),
      expectError('INVALID_ARGUMENT', /^reading private key from .*missing\.private: no such file or directory$/),
    );
    assert.throws(
      () => sigstoreSigner({ privateKeyPath: a.priv, passphraseFile: path.join(dir, 'nopass') }),
      expectError('INVALID_ARGUMENT', /^open .*nopass: no such file or directory$/),
    );
  });
});

describe('payload parsing is strict', () => {
  test('exact critical fields, integer timestamp, cosign’s "optional": null', () => {
    const d = digestOf(manifest);
    assert.deepEqual(parseSigstorePayload(sigstorePayload(d, IDENTITY, new Date(5000))), {
      dockerManifestDigest: d,
      dockerReference: IDENTITY,
      creator: 'berth 0.1.0',
      timestamp: 5,
    });
    const crit = {
      identity: { 'docker-reference': IDENTITY },
      image: { 'docker-manifest-digest': d },
      type: 'cosign container image signature',
    };
    assert.equal(parseSigstorePayload(Buffer.from(JSON.stringify({ critical: crit, optional: null }))).dockerReference, IDENTITY);
    const bad: Array<[unknown, RegExp]> = [
      [{ critical: crit }, /missing field "optional"/],
      [{ critical: { ...crit, extra: 1 }, optional: null }, /unexpected field "extra"/],
      [{ critical: { ...crit, type: 'other' }, optional: null }, /Unrecognized signature type other/],
      [{ critical: { ...crit, image: { 'docker-manifest-digest': 'sha256:xyz' } }, optional: null }, /invalid docker-manifest-digest/],
      [{ critical: crit, optional: { timestamp: 1.5 } }, /timestamp is not an integer/],
    ];
    for (const [doc, re] of bad) assert.throws(() => parseSigstorePayload(Buffer.from(JSON.stringify(doc))), denied(re));
    assert.throws(
      () => parseSigstorePayload(Buffer.from(`{"critical":${JSON.stringify(crit)},"optional":null,"optional":null}`)),
      denied(/duplicate key/),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Rekor SETs and certificates

const rekor = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rekorPub = path.join(dir, 'rekor.pub');
fs.writeFileSync(rekorPub, rekor.publicKey.export({ type: 'spki', format: 'pem' }));

/** A SET as Rekor makes one: the log key's signature over the canonical JSON of the entry. */
function makeSET(o: { keyOrCertPem: string; b64sig: string; payload: Buffer; integratedTime?: number; signer?: crypto.KeyObject }): string {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(o.payload).digest('hex') } },
      signature: { content: o.b64sig, publicKey: { content: Buffer.from(o.keyOrCertPem).toString('base64') } },
    },
  };
  const Payload = {
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    integratedTime: o.integratedTime ?? Math.floor(Date.now() / 1000),
    logIndex: 42,
    logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
  };
  const set = crypto.sign('sha256', Buffer.from(canonicalJSON(Payload)), o.signer ?? rekor.privateKey);
  return JSON.stringify({ SignedEntryTimestamp: set.toString('base64'), Payload });
}

test('canonical JSON is RFC 8785: sorted keys, no whitespace, ES number forms', () => {
  assert.equal(
    canonicalJSON({ b: [1, 1e21, 0.5, 'x\u2028'], a: { d: null, c: true } }),
    '{"a":{"c":true,"d":null},"b":[1,1e+21,0.5,"x\u2028"]}',
  );
});

describe('keys with Rekor', () => {
  const k = keyPair('rk');
  let sig: SigstoreSignature;
  before(async () => {
    sig = (await sigstoreSigner({ privateKeyPath: k.priv, passphrase: pass }).sign(manifest, IDENTITY)) as SigstoreSignature;
  });
  const withSET = (s: SigstoreSignature, set: string): SigstoreSignature => ({
    ...s,
    annotations: { ...s.annotations, [SIGSTORE_ANNOTATIONS.bundle]: set },
  });

  test('a SET for this key, signature and payload is accepted', async () => {
    const set = makeSET({
      keyOrCertPem: fs.readFileSync(k.pub, 'utf8'),
      b64sig: sig.annotations[SIGSTORE_ANNOTATIONS.signature]!,
      payload: sig.payload,
    });
    const claim = await verifySigstoreSignature(withSET(sig, set), req({ keyPath: k.pub, rekorPublicKeyPath: rekorPub }));
    assert.equal(claim.dockerReference, IDENTITY);
  });

  test('refusals: no SET, SET by another log key, SET for another key, signature or payload', async () => {
    const pem = fs.readFileSync(k.pub, 'utf8');
    const b64sig = sig.annotations[SIGSTORE_ANNOTATIONS.signature]!;
    const r = req({ keyPath: k.pub, rekorPublicKeyPath: rekorPub });
    await assert.rejects(verifySigstoreSignature(sig, r), denied('missing dev.sigstore.cosign/bundle annotation'));
    const otherLog = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await assert.rejects(
      verifySigstoreSignature(withSET(sig, makeSET({ keyOrCertPem: pem, b64sig, payload: sig.payload, signer: otherLog })), r),
      denied('No public key verified against the RekorSET: cryptographic signature verification of Rekor SET failed'),
    );
    const otherKey = fs.readFileSync(keyPair('rk2').pub, 'utf8');
    await assert.rejects(
      verifySigstoreSignature(withSET(sig, makeSET({ keyOrCertPem: otherKey, b64sig, payload: sig.payload })), r),
      denied(/publicKey in Rekor SET does not match/),
    );
    await assert.rejects(
      verifySigstoreSignature(
        withSET(sig, makeSET({ keyOrCertPem: pem, b64sig: Buffer.from('x').toString('base64'), payload: sig.payload })),
        r,
      ),
      denied(/signature in Rekor SET does not match/),
    );
    await assert.rejects(
      verifySigstoreSignature(withSET(sig, makeSET({ keyOrCertPem: pem, b64sig, payload: Buffer.from('other') })), r),
      denied(/payload in Rekor SET does not match/),
    );
    // a SET whose payload was edited after signing
    const set = JSON.parse(makeSET({ keyOrCertPem: pem, b64sig, payload: sig.payload }));
    set.Payload.logIndex = 43;
    await assert.rejects(
      verifySigstoreSignature(withSET(sig, JSON.stringify(set)), r),
      denied(/cryptographic signature verification of Rekor SET failed/),
    );
  });
});

describe('Fulcio certificates and a private PKI (test CA from the openssl CLI)', () => {
  const ISSUER = 'https://issuer.example.com';
  const EMAIL = 'signer@example.com';
  const ca = path.join(dir, 'ca');
  let sig: SigstoreSignature;
  let leafPem: string;
  let chainPem: string;

  before(async () => {
    fs.mkdirSync(ca);
    const f = (n: string) => path.join(ca, n);
    const ext = (n: string, lines: string[]) => fs.writeFileSync(f(n), lines.join('\n') + '\n');
    for (const k of ['root', 'mid', 'leaf'])
      await runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${k}.key`)]);
    await runOk('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      f('root.key'),
      '-subj',
      '/CN=test root',
      '-days',
      '3',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
      '-out',
      f('root.pem'),
    ]);
    ext('mid.ext', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign', 'extendedKeyUsage=codeSigning']);
    await runOk('openssl', ['req', '-new', '-key', f('mid.key'), '-subj', '/CN=test intermediate', '-out', f('mid.csr')]);
    await runOk('openssl', [
      'x509',
      '-req',
      '-in',
      f('mid.csr'),
      '-CA',
      f('root.pem'),
      '-CAkey',
      f('root.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f('mid.ext'),
      '-out',
      f('mid.pem'),
    ]);
    ext('leaf.ext', [
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=codeSigning',
      `subjectAltName=email:${EMAIL},DNS:signer.example.com`,
      `1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(ISSUER).toString('hex')}`,
      `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${ISSUER}`,
    ]);
    await runOk('openssl', ['req', '-new', '-key', f('leaf.key'), '-subj', '/CN=leaf', '-out', f('leaf.csr')]);
    await runOk('openssl', [
      'x509',
      '-req',
      '-in',
      f('leaf.csr'),
      '-CA',
      f('mid.pem'),
      '-CAkey',
      f('mid.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      f('leaf.ext'),
      '-out',
      f('leaf.pem'),
    ]);
    leafPem = fs.readFileSync(f('leaf.pem'), 'utf8');
    chainPem = fs.readFileSync(f('mid.pem'), 'utf8') + fs.readFileSync(f('root.pem'), 'utf8');
    const payload = sigstorePayload(digestOf(manifest), IDENTITY);
    const b64sig = signMessage(crypto.createPrivateKey(fs.readFileSync(f('leaf.key'))), payload).toString('base64');
    sig = {
      kind: 'sigstore',
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      payload,
      annotations: {
        [SIGSTORE_ANNOTATIONS.signature]: b64sig,
        [SIGSTORE_ANNOTATIONS.certificate]: leafPem,
        [SIGSTORE_ANNOTATIONS.chain]: chainPem,
        [SIGSTORE_ANNOTATIONS.bundle]: makeSET({ keyOrCertPem: leafPem, b64sig, payload }),
      },
    };
  });
  const fulcio = (o: Partial<{ oidcIssuer: string; subjectEmail: string; caPath: string }> = {}) =>
    req({ fulcio: { caPath: path.join(ca, 'root.pem'), oidcIssuer: ISSUER, subjectEmail: EMAIL, ...o }, rekorPublicKeyPath: rekorPub });

  test('fulcio: chain to the CA, OIDC issuer, e-mail and a SET accept it', async () => {
    assert.equal((await verifySigstoreSignature(sig, fulcio())).dockerReference, IDENTITY);
    // the intermediate trusted directly as the CA: no chain annotation needed
    const noChain = { ...sig, annotations: { ...sig.annotations } };
    delete noChain.annotations[SIGSTORE_ANNOTATIONS.chain];
    assert.equal((await verifySigstoreSignature(noChain, fulcio({ caPath: path.join(ca, 'mid.pem') }))).dockerReference, IDENTITY);
  });

  test('fulcio refusals: other issuer, other e-mail, unknown CA, certificate not valid at the SET time, missing annotations', async () => {
    await assert.rejects(
      verifySigstoreSignature(sig, fulcio({ oidcIssuer: 'https://other' })),
      denied(`Unexpected Fulcio OIDC issuer "${ISSUER}"`),
    );
    await assert.rejects(
      verifySigstoreSignature(sig, fulcio({ subjectEmail: 'x@example.com' })),
      denied(`Required email "x@example.com" not found (got ["${EMAIL}"])`),
    );
    await assert.rejects(
      verifySigstoreSignature(sig, fulcio({ caPath: path.join(ca, 'leaf.pem') })),
      denied('verifying leaf certificate failed: x509: certificate signed by unknown authority'),
    );
    const b64sig = sig.annotations[SIGSTORE_ANNOTATIONS.signature]!;
    const old = makeSET({
      keyOrCertPem: leafPem,
      b64sig,
      payload: sig.payload,
      integratedTime: Math.floor(Date.now() / 1000) - 10 * 86400,
    });
    await assert.rejects(
      verifySigstoreSignature({ ...sig, annotations: { ...sig.annotations, [SIGSTORE_ANNOTATIONS.bundle]: old } }, fulcio()),
      denied(/^verifying leaf certificate failed: certificate has expired or is not yet valid/),
    );
    for (const k of [SIGSTORE_ANNOTATIONS.certificate, SIGSTORE_ANNOTATIONS.bundle]) {
      const a = { ...sig.annotations };
      delete a[k];
      await assert.rejects(verifySigstoreSignature({ ...sig, annotations: a }, fulcio()), denied(`missing ${k} annotation`));
    }
  });

  test('pki: roots (and trusted intermediates), e-mail and host name', async () => {
    const noChain = { ...sig, annotations: { ...sig.annotations } };
    delete noChain.annotations[SIGSTORE_ANNOTATIONS.chain];
    const pki = (o: Record<string, string>) => req({ pki: { caRootsPath: path.join(ca, 'root.pem'), ...o } });
    assert.equal((await verifySigstoreSignature(sig, pki({ subjectEmail: EMAIL }))).dockerReference, IDENTITY);
    assert.equal(
      (
        await verifySigstoreSignature(
          noChain,
          pki({ caIntermediatesPath: path.join(ca, 'mid.pem'), subjectHostname: 'signer.example.com' }),
        )
      ).dockerReference,
      IDENTITY,
    );
    await assert.rejects(verifySigstoreSignature(noChain, pki({ subjectEmail: EMAIL })), denied(/certificate signed by unknown authority/));
    await assert.rejects(
      verifySigstoreSignature(sig, pki({ subjectHostname: 'other.example.com' })),
      denied(/Unexpected subject hostname/),
    );
  });
});
