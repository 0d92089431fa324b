/**
 * Sigstore key files: the encrypted private key envelope (scrypt + NaCl secretbox around PKCS#8,
 * go-securesystemslib's format), checked against an independent implementation (Python's
 * scrypt + libsodium), public key parsing, and the signature schemes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decryptWithPassphrase,
  encryptWithPassphrase,
  generateSigstoreKeyPair,
  loadSigstorePrivateKey,
  parseSigstorePublicKey,
  pemDecodeAll,
  pemEncode,
  signMessage,
  verifyMessage,
} from '../../../../src/trust/sigstore/keys.js';
import { generateSigstoreKey } from '../../../../src/trust/sigstore/generate.js';
import { secretboxSeal } from '../../../../src/trust/sigstore/secretbox.js';
import { expectError } from '../../../helpers/expect-error.js';
import { haveLibsodium, libsodiumBox } from '../../../helpers/libsodium-box.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sigstore-keys-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pass = Buffer.from('correct horse');

test('a generated key pair: PEM public key, encrypted P-256 private key in the cosign envelope', () => {
  const k = generateSigstoreKeyPair(pass);
  assert.match(k.publicKey, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
  const blocks = pemDecodeAll(k.privateKey);
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0]!.type, 'ENCRYPTED COSIGN PRIVATE KEY');
  assert.ok(k.privateKey.split('\n').every((l) => l.length <= 64));
  const env = JSON.parse(blocks[0]!.der.toString());
  assert.deepEqual(Object.keys(env), ['kdf', 'cipher', 'ciphertext']);
  assert.deepEqual(env.kdf.params, { N: 32768, r: 8, p: 1 });
  assert.equal(env.kdf.name, 'scrypt');
  assert.equal(Buffer.from(env.kdf.salt, 'base64').length, 32);
  assert.equal(env.cipher.name, 'nacl/secretbox');
  assert.equal(Buffer.from(env.cipher.nonce, 'base64').length, 24);
  const priv = loadSigstorePrivateKey(k.privateKey, pass, 'k.private');
  assert.equal(priv.asymmetricKeyType, 'ec');
  assert.equal(priv.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const pub = parseSigstorePublicKey(k.publicKey, 'k.pub');
  const sig = signMessage(priv, Buffer.from('payload'));
  assert.ok(verifyMessage(pub, Buffer.from('payload'), sig));
  assert.ok(!verifyMessage(pub, Buffer.from('payload!'), sig));
});

test('a wrong passphrase, a damaged envelope and unknown parameters are one-line errors', () => {
  const k = generateSigstoreKeyPair(pass);
  assert.throws(
    () => loadSigstorePrivateKey(k.privateKey, Buffer.from('wrong'), 'k.private'),
    expectError('INVALID_ARGUMENT', /^k\.private: cannot decrypt the private key: wrong passphrase or damaged key$/),
  );
  const env = JSON.parse(pemDecodeAll(k.privateKey)[0]!.der.toString());
  const reenc = (e: unknown, type = 'ENCRYPTED COSIGN PRIVATE KEY') => pemEncode(type, Buffer.from(JSON.stringify(e)));
  assert.throws(
    () => loadSigstorePrivateKey(reenc({ ...env, kdf: { ...env.kdf, params: { N: 1 << 20, r: 8, p: 1 } } }), pass, 'x'),
    expectError('INVALID_ARGUMENT', /unsupported scrypt parameters/),
  );
  assert.throws(
    () => loadSigstorePrivateKey(reenc({ ...env, cipher: { ...env.cipher, name: 'aes' } }), pass, 'x'),
    expectError('INVALID_ARGUMENT', /unknown cipher name "aes"/),
  );
  assert.throws(
    () => loadSigstorePrivateKey(reenc(env, 'EC PRIVATE KEY'), pass, 'x'),
    expectError('INVALID_ARGUMENT', /unsupported pem type: EC PRIVATE KEY/),
  );
  assert.throws(() => loadSigstorePrivateKey('not a key', pass, 'x'), expectError('INVALID_ARGUMENT', /invalid pem block/));
  const flipped = Buffer.from(env.ciphertext, 'base64');
  flipped[20]! ^= 1;
  assert.throws(
    () => loadSigstorePrivateKey(reenc({ ...env, ciphertext: flipped.toString('base64') }), pass, 'x'),
    expectError('INVALID_ARGUMENT', /wrong passphrase or damaged key/),
  );
});

test('the newer SIGSTORE PEM type and the standard scrypt strength are read too; RSA and Ed25519 keys load', () => {
  for (const type of ['rsa', 'ed25519', 'ec'] as const) {
    const kp =
      type === 'rsa'
        ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
        : type === 'ed25519'
          ? crypto.generateKeyPairSync('ed25519')
          : crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = pemEncode(
      'ENCRYPTED SIGSTORE PRIVATE KEY',
      encryptWithPassphrase(kp.privateKey.export({ type: 'pkcs8', format: 'der' }), pass),
    );
    const priv = loadSigstorePrivateKey(pem, pass, 'x');
    assert.equal(priv.asymmetricKeyType, type);
    const sig = signMessage(priv, Buffer.from('m'));
    assert.ok(verifyMessage(parseSigstorePublicKey(kp.publicKey.export({ type: 'spki', format: 'pem' }), 'p'), Buffer.from('m'), sig));
  }
  // an RSA public key as PKCS#1 ("RSA PUBLIC KEY") is accepted, as sigstore's cryptoutils does
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.equal(parseSigstorePublicKey(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }), 'p').asymmetricKeyType, 'rsa');
  assert.throws(
    () => parseSigstorePublicKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'p'),
    expectError('CONFIG', /unknown Public key PEM file type: CERTIFICATE/),
  );
  assert.throws(() => parseSigstorePublicKey('garbage', 'key 1'), expectError('CONFIG', /^key 1: PEM decoding failed$/));
});

test('round trip of the envelope at N=65536 (what newer cosign writes)', () => {
  // crafted by hand with the standard strength: decrypting must derive the key with N=65536
  const k = generateSigstoreKeyPair(pass);
  const der = decryptWithPassphrase(pemDecodeAll(k.privateKey)[0]!.der, pass, 'k');
  const salt = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(24);
  const key = crypto.scryptSync(pass, salt, 32, { N: 65536, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
  const env = {
    kdf: { name: 'scrypt', params: { N: 65536, r: 8, p: 1 }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: secretboxSeal(der, nonce, key).toString('base64'),
  };
  assert.deepEqual(decryptWithPassphrase(Buffer.from(JSON.stringify(env)), pass, 'k'), der);
});

test('generate-sigstore-key writes PREFIX.pub (0644) and PREFIX.private (0600) and never overwrites', () => {
  const prefix = path.join(dir, 'gen');
  const r = generateSigstoreKey({ outputPrefix: prefix, passphrase: pass });
  assert.deepEqual(r, { publicKeyPath: `${prefix}.pub`, privateKeyPath: `${prefix}.private` });
  assert.equal(fs.statSync(r.privateKeyPath).mode & 0o777, 0o600);
  assert.equal(fs.statSync(r.publicKeyPath).mode & 0o777, 0o644 & ~process.umask());
  const before = fs.readFileSync(r.privateKeyPath);
  assert.throws(
    () => generateSigstoreKey({ outputPrefix: prefix, passphrase: pass }),
    expectError('INVALID_ARGUMENT', `Refusing to overwrite existing ${JSON.stringify(`${prefix}.pub`)}`),
  );
  assert.deepEqual(fs.readFileSync(r.privateKeyPath), before);
  // only the private half present: still refused, nothing written
  const other = path.join(dir, 'half');
  fs.writeFileSync(`${other}.private`, 'keep');
  assert.throws(
    () => generateSigstoreKey({ outputPrefix: other, passphrase: pass }),
    expectError('INVALID_ARGUMENT', /Refusing to overwrite existing .*half\.private"/),
  );
  assert.equal(fs.existsSync(`${other}.pub`), false);
  assert.equal(fs.readFileSync(`${other}.private`, 'utf8'), 'keep');
  // a directory that does not exist: one-line error, no file
  assert.throws(
    () => generateSigstoreKey({ outputPrefix: path.join(dir, 'nope', 'k'), passphrase: pass }),
    expectError('IO', /^Error writing private key to ".*nope\/k\.private": no such file or directory$/),
  );
});

test(
  'interop: libsodium decrypts berth keys, and berth loads libsodium-encrypted keys',
  { skip: haveLibsodium() ? false : 'python3 or libsodium missing' },
  async () => {
    const passFile = path.join(dir, 'pass');
    fs.writeFileSync(passFile, `${pass}\nsecond line is ignored\n`);
    const k = generateSigstoreKeyPair(pass);
    const keyFile = path.join(dir, 'interop.private');
    fs.writeFileSync(keyFile, k.privateKey);
    const r = await libsodiumBox(['decrypt', keyFile, passFile]);
    assert.equal(r.code, 0, r.stderr);
    const der = loadSigstorePrivateKey(k.privateKey, pass, 'k').export({ type: 'pkcs8', format: 'der' });
    assert.equal(r.stdout.trim(), der.toString('hex'));

    const fresh = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const enc = await libsodiumBox(['encrypt', fresh.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('hex'), passFile]);
    assert.equal(enc.code, 0, enc.stderr);
    const loaded = loadSigstorePrivateKey(enc.stdout, pass, 'from-libsodium');
    const sig = signMessage(loaded, Buffer.from('x'));
    assert.ok(verifyMessage(fresh.publicKey, Buffer.from('x'), sig));
  },
);
