/**
 * NaCl secretbox against the published NaCl test vectors (tests/secretbox.c, tests/stream.c,
 * tests/onetimeauth.c of the NaCl distribution; the same bytes appear in libsodium's tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { hsalsa20, poly1305, secretboxOpen, secretboxSeal, xsalsa20Stream } from '../../../../src/trust/sigstore/secretbox.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const firstkey = hex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
const nonce = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
const message = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129
  6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde
  048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705`);
const sealed = hex(`
  f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a
  c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae
  90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74
  e355a5`);

test('secretbox seal matches NaCl tests/secretbox.c', () => {
  assert.equal(message.length, 131);
  assert.equal(Buffer.from(secretboxSeal(message, nonce, firstkey)).toString('hex'), sealed.toString('hex'));
});

test('secretbox open recovers the message; any flipped bit, wrong key or nonce fails', () => {
  assert.deepEqual(secretboxOpen(sealed, nonce, firstkey), message);
  for (const i of [0, 15, 16, 100, sealed.length - 1]) {
    const bad = Buffer.from(sealed);
    bad[i]! ^= 1;
    assert.equal(secretboxOpen(bad, nonce, firstkey), undefined, `bit flip at ${i}`);
  }
  const otherKey = Buffer.from(firstkey);
  otherKey[0]! ^= 0x80;
  assert.equal(secretboxOpen(sealed, nonce, otherKey), undefined);
  const otherNonce = Buffer.from(nonce);
  otherNonce[23]! ^= 1;
  assert.equal(secretboxOpen(sealed, otherNonce, firstkey), undefined);
  assert.equal(secretboxOpen(sealed.subarray(0, 10), nonce, firstkey), undefined);
});

test('XSalsa20 keystream matches NaCl tests/stream.c (4 MiB, SHA-256)', () => {
  const stream = xsalsa20Stream(firstkey, nonce, 4194304);
  assert.equal(createHash('sha256').update(stream).digest('hex'), '662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2');
});

test('HSalsa20 matches NaCl tests/core1.c (shared secret -> firstkey)', () => {
  const shared = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  assert.equal(Buffer.from(hsalsa20(shared, new Uint8Array(16))).toString('hex'), firstkey.toString('hex'));
});

test('Poly1305 matches NaCl tests/onetimeauth.c and RFC 8439 2.5.2', () => {
  const rs = hex('eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880');
  assert.equal(Buffer.from(poly1305(sealed.subarray(16), rs)).toString('hex'), sealed.subarray(0, 16).toString('hex'));
  const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  const msg = Buffer.from('Cryptographic Forum Research Group');
  assert.equal(Buffer.from(poly1305(msg, key)).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('seal/open round trip at block-boundary lengths', () => {
  const key = randomBytes(32);
  const n = randomBytes(24);
  for (const len of [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200]) {
    const m = randomBytes(len);
    const box = secretboxSeal(m, n, key);
    assert.equal(box.length, len + 16);
    assert.deepEqual(secretboxOpen(box, n, key), m);
  }
});
