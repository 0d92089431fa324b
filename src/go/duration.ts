/** Go's time.ParseDuration, with its error words. */
import { BerthError } from '../errors.js';

const UNIT_NS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** Go's time.ParseDuration; returns nanoseconds (as a float). */
export function parseGoDuration(s: string): number {
  const bad = (why = 'invalid duration'): BerthError => new BerthError('INVALID_ARGUMENT', `time: ${why} ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) { neg = rest[0] === '-'; rest = rest.slice(1); }
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
    if (mult === undefined) throw new BerthError('INVALID_ARGUMENT', `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    rest = rest.slice(unit.length);
    let v = (intPart === '' ? 0 : Number(intPart)) * mult;
    if (fracPart) v += Number(`0.${fracPart}`) * mult;
    total += v;
    if (total > 9223372036854775807) throw bad();
  }
  return neg ? -total : total;
}

