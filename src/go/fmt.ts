/**
 * Go's fmt over JavaScript values (see value.ts for the model): `%v` printing, float
 * formatting with Go's exact rounding (strconv: shortest, or correctly rounded to a precision
 * with ties to even), `Sprintf`/`Sprint`/`Sprintln`, and strconv.Quote.
 */
import { canBackquote, goQuote, quoteRune } from './quote.js';
import { goTypeName, isArrayLike, isStringer, mapEntries } from './value.js';

/** Length in code points (Go counts runes for widths and precisions). */
export function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** A decimal value 0.d1d2d3… × 10^dp; `digits` has no leading or trailing zeros ('' is zero). */
interface Dec {
  digits: string;
  dp: number;
}

/** Shortest digits that round-trip (what Go's shortest formatting and JS both produce). */
function shortestDec(ax: number): Dec {
  if (ax === 0) return { digits: '', dp: 0 };
  const [m, e] = ax.toExponential().split('e');
  return { digits: m.replace('.', '').replace(/0+$/, ''), dp: Number.parseInt(e, 10) + 1 };
}

/** The exact decimal expansion of a finite non-negative double. */
function exactDec(ax: number): Dec {
  if (ax === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, ax);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expBits === 0) {
    e = -1074;
  } else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}

/** Rounds to nd significant digits, ties to even (like Go's decimal.Round). */
function roundDec(d: Dec, nd: number): Dec {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.digits.length) up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = next >= 5;
  if (!up) {
    const digits = d.digits.slice(0, nd).replace(/0+$/, '');
    return { digits, dp: digits === '' ? 0 : d.dp };
  }
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: d.digits.slice(0, i) + String.fromCharCode(d.digits.charCodeAt(i) + 1), dp: d.dp };
}

/**
 * exactDec(ax) rounded to nd significant digits, ties to even. JS's toExponential also rounds
 * the exact value, but ties away from zero; it is used unless the value may be a tie (its
 * expansion to one more digit ends in 5), which only the exact expansion settles.
 */
function roundedDec(ax: number, nd: number): Dec {
  if (ax !== 0 && nd >= 1 && nd <= 100) {
    const probe = ax.toExponential(nd);
    if (probe.charCodeAt(probe.indexOf('e') - 1) !== 53 /* '5' */) {
      const s = ax.toExponential(nd - 1);
      const e = s.indexOf('e');
      const digits = s.slice(0, e).replace('.', '').replace(/0+$/, '');
      return { digits, dp: Number(s.slice(e + 1)) + 1 };
    }
  }
  return roundDec(exactDec(ax), nd);
}

function expSuffix(exp: number, upper: boolean): string {
  const a = Math.abs(exp);
  return `${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

/** %e layout: d.ddd…e±dd with `prec` digits after the point. */
function layoutE(d: Dec, prec: number, upper: boolean): string {
  let out = d.digits[0] ?? '0';
  if (prec > 0) {
    const rest = d.digits.slice(1, prec + 1);
    out += `.${rest}${'0'.repeat(prec - rest.length)}`;
  }
  return out + expSuffix(d.digits === '' ? 0 : d.dp - 1, upper);
}

/** %f layout with `prec` digits after the point. */
function layoutF(d: Dec, prec: number): string {
  let out: string;
  if (d.dp > 0) {
    const int = d.digits.slice(0, d.dp);
    out = int + '0'.repeat(d.dp - int.length);
  } else {
    out = '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

function nonFinite(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? '+Inf' : '-Inf';
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** Go %g / %v formatting of a float64 (`prec` undefined = shortest; %.<prec>g otherwise). */
export function formatFloatG(x: number, prec: number | undefined, upper = false): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const ax = Math.abs(x);
  let d: Dec;
  let eprec: number;
  let p: number;
  if (prec === undefined) {
    d = shortestDec(ax);
    p = d.digits.length;
    eprec = 6;
  } else {
    p = prec === 0 ? 1 : prec;
    d = roundedDec(ax, p);
    eprec = p;
    if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
  }
  const exp = d.dp - 1;
  let body: string;
  if (exp < -4 || exp >= eprec) {
    if (p > d.digits.length) p = d.digits.length;
    body = layoutE(d, p - 1, upper);
  } else {
    if (p > d.dp) p = d.digits.length;
    body = layoutF(d, Math.max(p - d.dp, 0));
  }
  return signOf(x) + body;
}

function formatFloatE(x: number, prec: number, upper: boolean): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  return signOf(x) + layoutE(roundedDec(Math.abs(x), prec + 1), prec, upper);
}

function formatFloatF(x: number, prec: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const d = exactDec(Math.abs(x));
  return signOf(x) + layoutF(roundDec(d, d.dp + prec), prec);
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
  return formatFloatG(x, undefined);
}

/** Formats a value like Go's fmt `%v` (as used when a template prints a value). */
export function formatValue(v: unknown): string {
  return fmtV(v, 0, true);
}

function fmtV(v: unknown, depth: number, top: boolean): string {
  if (v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'function':
      return '<func>';
    case 'symbol':
      return v.toString();
  }
  if (depth > 64) return '...';
  if (isArrayLike(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) parts.push(fmtV(v[i], depth + 1, false));
    return `[${parts.join(' ')}]`;
  }
  if (v instanceof Set) return fmtV([...v], depth, top);
  if (isStringer(v as object)) return String(v);
  const parts = mapEntries(v as object).map(([k, val]) => `${fmtV(k, depth + 1, false)}:${fmtV(val, depth + 1, false)}`);
  return `map[${parts.join(' ')}]`;
}

// ---------------------------------------------------------------------------------------
// printf (a faithful subset of Go's fmt)

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function padTo(s: string, spec: Spec, numeric = false): string {
  const w = spec.width;
  if (w === undefined) return s;
  const len = runeCount(s);
  if (len >= w) return s;
  const fill = w - len;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero) {
    if (numeric && (s[0] === '-' || s[0] === '+' || s[0] === ' ')) return s[0] + '0'.repeat(fill) + s.slice(1);
    return '0'.repeat(fill) + s;
  }
  return ' '.repeat(fill) + s;
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === null || arg === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`;
}

function fmtInteger(x: bigint, verb: string, spec: Spec): string {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp && digits[0] !== '0') prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    default:
      digits = abs.toString(10);
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && x === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (spec.zero && !spec.minus && spec.prec === undefined && spec.width !== undefined) {
    const need = spec.width - sign.length - prefix.length;
    if (digits.length < need) digits = digits.padStart(need, '0');
  }
  return padTo(sign + prefix + digits, { ...spec, zero: false });
}

function fmtFloatVerb(x: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case 'e':
    case 'E':
      s = formatFloatE(x, spec.prec ?? 6, verb === 'E');
      break;
    case 'f':
    case 'F':
      s = formatFloatF(x, spec.prec ?? 6);
      break;
    case 'g':
    case 'G':
      s = formatFloatG(x, spec.prec, verb === 'G');
      break;
    default:
      s = formatFloatG(x, undefined);
  }
  if (spec.plus && !s.startsWith('-') && !s.startsWith('+')) s = `+${s}`;
  else if (spec.space && !s.startsWith('-') && !s.startsWith('+')) s = ` ${s}`;
  const finite = Number.isFinite(x);
  return padTo(s, { ...spec, zero: spec.zero && finite }, true);
}

function hexString(s: string, verb: string, spec: Spec): string {
  const bytes = Buffer.from(s, 'utf8');
  const parts: string[] = [];
  for (const b of bytes) {
    let h = b.toString(16).padStart(2, '0');
    if (verb === 'X') h = h.toUpperCase();
    parts.push(h);
  }
  const pre = spec.sharp ? (verb === 'X' ? '0X' : '0x') : '';
  if (spec.space) return parts.map((p) => pre + p).join(' ');
  return pre + parts.join('');
}

function fmtArg(arg: unknown, verb: string, spec: Spec, depth = 0): string {
  if (verb === 'T') return padTo(goTypeName(arg), spec);
  if (arg === null || arg === undefined) {
    return verb === 'v' ? padTo('<nil>', spec) : badVerb(verb, arg);
  }
  if (verb === 'v' && spec.sharp) {
    if (typeof arg === 'string') return padTo(goQuote(arg), spec);
  }
  switch (typeof arg) {
    case 'boolean':
      return verb === 't' || verb === 'v' ? padTo(arg ? 'true' : 'false', spec) : badVerb(verb, arg);
    case 'bigint':
    case 'number': {
      const isInt = typeof arg === 'bigint' || Number.isInteger(arg);
      if ((isInt && 'bdoOxXcqU'.includes(verb)) || (isInt && verb === 'v' && typeof arg === 'bigint')) {
        const big = typeof arg === 'bigint' ? arg : BigInt(arg);
        if (verb === 'c') return padTo(String.fromCodePoint(Number(big)), spec);
        if (verb === 'q') {
          const cp = Number(big);
          return padTo(`'${quoteRune(cp, String.fromCodePoint(cp), "'")}'`, spec);
        }
        if (verb === 'U') {
          const hex = big.toString(16).toUpperCase().padStart(4, '0');
          const base = `U+${hex}`;
          return padTo(spec.sharp ? `${base} '${String.fromCodePoint(Number(big))}'` : base, spec);
        }
        return fmtInteger(big, verb === 'v' ? 'd' : verb, spec);
      }
      if (isInt && verb === 'v') return fmtInteger(BigInt(arg as number), 'd', spec);
      if ('eEfFgGv'.includes(verb)) return fmtFloatVerb(Number(arg), verb, spec);
      if (verb === 's') return padTo(formatValue(arg), spec);
      return badVerb(verb, arg);
    }
    case 'string': {
      switch (verb) {
        case 'v':
        case 's': {
          let s = arg;
          if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join('');
          return padTo(s, spec);
        }
        case 'q': {
          let s = arg;
          if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join('');
          if (spec.sharp && canBackquote(s)) return padTo(`\`${s}\``, spec);
          return padTo(goQuote(s), spec);
        }
        case 'x':
        case 'X':
          return padTo(hexString(arg, verb, spec), spec);
        default:
          return badVerb(verb, arg);
      }
    }
    case 'function':
      return verb === 'v' || verb === 'p' ? padTo('<func>', spec) : badVerb(verb, arg);
    case 'symbol':
      return badVerb(verb, String(arg));
  }
  if (depth > 32) return '...';
  if (isArrayLike(arg)) {
    const parts: string[] = [];
    for (let i = 0; i < arg.length; i++) parts.push(fmtArg(arg[i], verb, spec, depth + 1));
    return `[${parts.join(' ')}]`;
  }
  if (isStringer(arg as object) && 'vsq'.includes(verb)) return fmtArg(String(arg), verb, spec, depth + 1);
  const parts = mapEntries(arg as object).map(([k, v]) => `${fmtArg(k, verb, spec, depth + 1)}:${fmtArg(v, verb, spec, depth + 1)}`);
  return `map[${parts.join(' ')}]`;
}

/** A Go `fmt.Sprintf` subset: flags `-+# 0`, width, precision (incl. `*`), and the verbs
 * v s q d b o O x X c U e E f F g G t T %, with Go's `%!verb(type=value)` error forms. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    flags: while (i < n) {
      switch (format[i]) {
        case '-':
          spec.minus = true;
          spec.zero = false;
          break;
        case '+':
          spec.plus = true;
          break;
        case '#':
          spec.sharp = true;
          break;
        case ' ':
          spec.space = true;
          break;
        case '0':
          spec.zero = !spec.minus;
          break;
        default:
          break flags;
      }
      i++;
    }
    const readNum = (): number | undefined => {
      let j = i;
      while (j < n && format[j] >= '0' && format[j] <= '9') j++;
      if (j === i) return undefined;
      const v = Number.parseInt(format.slice(i, j), 10);
      i = j;
      return v;
    };
    let bad = '';
    if (format[i] === '*') {
      i++;
      const a = args[argi++];
      if (typeof a === 'number' && Number.isInteger(a)) {
        spec.width = Math.abs(a);
        if (a < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      } else {
        bad += '%!(BADWIDTH)';
      }
    } else {
      spec.width = readNum();
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        if (typeof a === 'number' && Number.isInteger(a) && a >= 0) spec.prec = a;
        else bad += '%!(BADPREC)';
      } else {
        spec.prec = readNum() ?? 0;
      }
    }
    out += bad;
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    if (!'vsqdboOxXcUeEfFgGtTp'.includes(verb)) {
      out += badVerb(verb, arg);
      continue;
    }
    out += fmtArg(arg, verb, spec);
  }
  if (argi < args.length) {
    const extra = args.slice(argi).map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: spaces are added between operands when neither is a string. */
export function goSprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isStr = typeof a === 'string';
    if (i > 0 && !isStr && !prevString) out += ' ';
    out += fmtV(a, 0, false);
    prevString = isStr;
  }
  return out;
}

/** fmt.Sprintln: operands always separated by spaces, newline appended. */
export function goSprintln(args: readonly unknown[]): string {
  return `${args.map((a) => fmtV(a, 0, false)).join(' ')}\n`;
}
