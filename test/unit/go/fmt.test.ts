// %g / %e with a precision take a fast path (JS's toExponential) unless the value may be an
// exact tie; this checks them against an independent exact oracle (BigInt), ties included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFloatG, goSprintf } from '../../../src/go/fmt.js';

/** Digits of x rounded to nd significant digits, ties to even, as [digits, decimal exponent]. */
function oracle(x: number, nd: number): [string, number] {
  // x = m * 2^e exactly
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  const e = expBits === 0 ? -1074 : expBits - 1075;
  if (expBits !== 0) m |= 1n << 52n;
  // numerator / denominator = x; scale to nd digits: q = x * 10^(nd - 1 - k) in [10^(nd-1), 10^nd)
  const num = e >= 0 ? m << BigInt(e) : m;
  const den = e >= 0 ? 1n : 1n << BigInt(-e);
  let k = Math.floor(Math.log10(x));
  const scaled = (k: number): [bigint, bigint] =>
    nd - 1 - k >= 0 ? [num * 10n ** BigInt(nd - 1 - k), den] : [num, den * 10n ** BigInt(k - nd + 1)];
  let [n, d] = scaled(k);
  while (n / d >= 10n ** BigInt(nd)) [n, d] = scaled(++k);
  while (n / d < 10n ** BigInt(nd - 1)) [n, d] = scaled(--k);
  let q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q++;
  if (q === 10n ** BigInt(nd)) {
    q /= 10n;
    k++;
  }
  return [q.toString(), k];
}

function expected(x: number, nd: number): string {
  const [digits, k] = oracle(x, nd);
  return `${digits[0]}${nd > 1 ? `.${digits.slice(1)}` : ''}e${k < 0 ? '-' : '+'}${Math.abs(k) < 10 ? '0' : ''}${Math.abs(k)}`;
}

test('%.Ne equals exact rounding with ties to even, for random and tie values', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values: number[] = [1.125, 1.375, 100.5, 2.5, 0.5, 1.5, 0.125, 1e21, 999.5, 9.995, 123456789.5, 0.0001234];
  for (let i = 0; i < 3000; i++) values.push(rnd() * 10 ** Math.floor(rnd() * 30 - 10));
  for (let i = 0; i < 1000; i++) values.push(Math.round(rnd() * 1e7) / 1000); // sizes as humanSize divides them
  for (let i = 0; i < 500; i++) values.push(Math.round(rnd() * 4096) / 8); // short binary fractions: many exact ties
  for (const x of values)
    for (const nd of [1, 2, 3, 4, 6, 17]) assert.equal(goSprintf(`%.${nd - 1}e`, [x]), expected(x, nd), `%.${nd - 1}e of ${x}`);
});

test('%.Ng rounds ties to even (Go) where JS rounds them away from zero', () => {
  assert.equal(formatFloatG(1.125, 3), '1.12');
  assert.equal((1.125).toPrecision(3), '1.13');
  assert.equal(formatFloatG(100.5, 3), '100');
  assert.equal(formatFloatG(2.5, 1), '2');
  assert.equal(formatFloatG(3.5, 1), '4');
  assert.equal(formatFloatG(999.5, 3), '1e+03');
  assert.equal(formatFloatG(11.352, 3), '11.4');
});
