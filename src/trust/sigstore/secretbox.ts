/**
 * NaCl secretbox (XSalsa20 stream cipher + Poly1305 authenticator), the cipher of cosign's
 * encrypted private keys. Node's crypto has neither Salsa20 nor a standalone Poly1305, so both
 * are implemented here from their specifications (Bernstein: "Salsa20 specification",
 * "Extending the Salsa20 nonce", "The Poly1305-AES message-authentication code"), and checked
 * against the published NaCl test vectors. The inputs are small (a private key), so clarity
 * beats speed: Poly1305 uses BigInt.
 *
 * Box layout as NaCl/Go: sealed = tag(16) || ciphertext, where the first 32 bytes of the
 * keystream are the one-time Poly1305 key and the message is XORed with the keystream from
 * byte 32 on.
 */
import { timingSafeEqual } from 'node:crypto';

export const SECRETBOX_KEY_BYTES = 32;
export const SECRETBOX_NONCE_BYTES = 24;
export const SECRETBOX_OVERHEAD = 16;

/** "expand 32-byte k" as four little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function rotl(v: number, n: number): number {
  return ((v << n) | (v >>> (32 - n))) >>> 0;
}

function word(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** The 16 input words: constants, key, and 16 bytes of nonce/counter input. */
function initialState(key: Uint8Array, input: Uint8Array): Uint32Array {
  const x = new Uint32Array(16);
  x[0] = SIGMA[0]!;
  x[5] = SIGMA[1]!;
  x[10] = SIGMA[2]!;
  x[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    x[1 + i] = word(key, 4 * i);
    x[11 + i] = word(key, 16 + 4 * i);
    x[6 + i] = word(input, 4 * i);
  }
  return x;
}

/** 20 rounds (10 column + row double rounds) in place. */
function rounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number): void => {
    x[b] = (x[b]! ^ rotl((x[a]! + x[d]!) >>> 0, 7)) >>> 0;
    x[c] = (x[c]! ^ rotl((x[b]! + x[a]!) >>> 0, 9)) >>> 0;
    x[d] = (x[d]! ^ rotl((x[c]! + x[b]!) >>> 0, 13)) >>> 0;
    x[a] = (x[a]! ^ rotl((x[d]! + x[c]!) >>> 0, 18)) >>> 0;
  };
  for (let i = 0; i < 10; i++) {
    // columns
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    // rows
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

/** HSalsa20: a 32-byte subkey from a key and 16 bytes of nonce (no feed-forward). */
export function hsalsa20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const x = initialState(key, nonce16);
  rounds(x);
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => dv.setUint32(4 * i, x[w]!, true));
  return out;
}

/** `length` bytes of the XSalsa20 keystream for (key, 24-byte nonce), block counter from 0. */
export function xsalsa20Stream(key: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  if (key.length !== SECRETBOX_KEY_BYTES) throw new RangeError('xsalsa20: key must be 32 bytes');
  if (nonce.length !== SECRETBOX_NONCE_BYTES) throw new RangeError('xsalsa20: nonce must be 24 bytes');
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = new Uint8Array(16);
  input.set(nonce.subarray(16, 24), 0);
  const out = new Uint8Array(length);
  const block = new Uint8Array(64);
  const bdv = new DataView(block.buffer);
  for (let pos = 0, counter = 0; pos < length; pos += 64, counter++) {
    const idv = new DataView(input.buffer);
    idv.setUint32(8, counter >>> 0, true);
    idv.setUint32(12, Math.floor(counter / 0x100000000), true);
    const j = initialState(subkey, input);
    const x = Uint32Array.from(j);
    rounds(x);
    for (let i = 0; i < 16; i++) bdv.setUint32(4 * i, (x[i]! + j[i]!) >>> 0, true);
    out.set(block.subarray(0, Math.min(64, length - pos)), pos);
  }
  return out;
}

function leBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

const P1305 = (1n << 130n) - 5n;

/** Poly1305 one-time authenticator of `msg` under a 32-byte one-time key. */
export function poly1305(msg: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('poly1305: key must be 32 bytes');
  const r = leBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const chunk = msg.subarray(i, Math.min(i + 16, msg.length));
    const n = leBigInt(chunk) + (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % P1305;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

/** secretbox seal: tag || ciphertext. */
export function secretboxSeal(plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  const stream = xsalsa20Stream(key, nonce, 32 + plaintext.length);
  const c = new Uint8Array(plaintext.length);
  for (let i = 0; i < plaintext.length; i++) c[i] = plaintext[i]! ^ stream[32 + i]!;
  const tag = poly1305(c, stream.subarray(0, 32));
  return Buffer.concat([tag, c]);
}

/** secretbox open: the plaintext, or undefined when the box was not sealed with this key and nonce. */
export function secretboxOpen(sealed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | undefined {
  if (sealed.length < SECRETBOX_OVERHEAD) return undefined;
  const c = sealed.subarray(SECRETBOX_OVERHEAD);
  const stream = xsalsa20Stream(key, nonce, 32 + c.length);
  const want = poly1305(c, stream.subarray(0, 32));
  if (!timingSafeEqual(want, sealed.subarray(0, SECRETBOX_OVERHEAD))) return undefined;
  const m = Buffer.alloc(c.length);
  for (let i = 0; i < c.length; i++) m[i] = c[i]! ^ stream[32 + i]!;
  return m;
}
