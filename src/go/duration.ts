/** Go's time.ParseDuration, with its error words. */
import { BerthError } from '../errors.js';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration; returns nanoseconds (as a float). */
export function parseGoDuration(s: string): number {
  const bad = (why = 'invalid duration'): BerthError => new BerthError('INVALID_ARGUMENT', `time: ${why} ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const intPart = m[1] ?? '';
    const fracPart = m[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw bad();
    rest = rest.slice(m[0].length);
    const u = /^[^\d.]+/.exec(rest);
    if (!u) throw bad('missing unit in duration');
    const unit = u[0];
    const mult = UNIT_NS[unit];
    if (mult === undefined)
      throw new BerthError('INVALID_ARGUMENT', `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    rest = rest.slice(unit.length);
    let v = (intPart === '' ? 0 : Number(intPart)) * mult;
    if (fracPart) v += Number(`0.${fracPart}`) * mult;
    total += v;
    if (total > 2 ** 63) throw bad(); // past int64 (the nearest double to 2^63-1 is 2^63)
  }
  return neg ? -total : total;
}

/** Go's time.Duration String for a whole number of milliseconds ("0s", "500ms", "1.5s", "1m30s", "1h0m0s"). */
export function formatGoDuration(ms: number): string {
  const neg = ms < 0;
  let v = Math.round(Math.abs(ms));
  if (v === 0) return '0s';
  const frac = (n: number, digits: number) => {
    const f = String(n).padStart(digits, '0').replace(/0+$/, '');
    return f ? `.${f}` : '';
  };
  let out: string;
  if (v < 1000) out = `${v}ms`;
  else {
    const h = Math.floor(v / 3_600_000);
    v -= h * 3_600_000;
    const m = Math.floor(v / 60_000);
    v -= m * 60_000;
    const s = `${Math.floor(v / 1000)}${frac(v % 1000, 3)}s`;
    out = h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}
