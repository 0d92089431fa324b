/** Go's built-in template functions and podman's report functions (join, json, lower, pad, split, title, truncate, upper). */
import {
  formatValue,
  goSprint,
  goSprintf,
  goSprintln,
  goTypeName,
  isArrayLike,
  isPrintRune,
  isStringer,
  runeCount,
} from '../../../src/go/index.js';
import type { TemplateFunc, FuncMap, FuncSpec } from './ast.js';
import { hasOwn, type Obj, isTrue, goJSON } from './values.js';

function wantString(v: unknown, what = 'string'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return formatValue(v);
  if (v === null || v === undefined) throw new Error(`invalid value; expected ${what}`);
  if (typeof v === 'object' && isStringer(v)) return String(v);
  throw new Error(`wrong type for value; expected ${what}; got ${goTypeName(v)}`);
}

function wantInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) throw new Error('invalid value; expected int');
  throw new Error(`wrong type for value; expected int; got ${goTypeName(v)}`);
}

function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += runeCount(m) === 1 ? m : ch;
  }
  return out;
}

function goUpper(s: string): string {
  return /^\p{ASCII}*$/u.test(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase());
}

function goLower(s: string): string {
  return /^\p{ASCII}*$/u.test(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase());
}

const LETTER_DIGIT_RE = /^[\p{L}\p{Nd}]$/u;
const SPACE_RE = /^\s$/u;

/** strings.Title: upper-cases the first letter of each word. */
function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    let sep: boolean;
    if (prev.codePointAt(0)! <= 0x7f) sep = !/[0-9A-Za-z_]/.test(prev);
    else sep = !LETTER_DIGIT_RE.test(prev) && SPACE_RE.test(prev);
    out += sep ? mapRunes(ch, (c) => c.toUpperCase()) : ch;
    prev = ch;
  }
  return out;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function builtinLen(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return utf8Length(v);
  if (isArrayLike(v)) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (typeof v === 'object' && !isStringer(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

function zeroOfMap(o: object): unknown {
  const values = o instanceof Map ? [...o.values()] : Object.values(o);
  return values.every((x) => typeof x === 'string') ? '' : null;
}

function builtinIndex(item: unknown, ...indices: unknown[]): unknown {
  let v = item;
  for (const idx of indices) {
    if (v === null || v === undefined) {
      // A nil map yields the zero value (podman label maps are string maps).
      return '';
    }
    if (typeof v === 'string' || isArrayLike(v)) {
      if (typeof idx !== 'number' || !Number.isInteger(idx)) {
        throw new Error(`cannot index slice/array with type ${goTypeName(idx)}`);
      }
      if (typeof v === 'string') {
        const bytes = Buffer.from(v, 'utf8');
        if (idx < 0 || idx >= bytes.length) throw new Error(`index out of range: ${idx}`);
        v = bytes[idx];
      } else {
        if (idx < 0 || idx >= v.length) throw new Error(`index out of range: ${idx}`);
        v = v[idx];
      }
      continue;
    }
    if (typeof v === 'object') {
      if (v instanceof Map) {
        v = v.has(idx) ? v.get(idx) : zeroOfMap(v);
        continue;
      }
      if (typeof idx !== 'string' && typeof idx !== 'number') {
        throw new Error(`value has type ${goTypeName(idx)}; should be string`);
      }
      const key = String(idx);
      v = hasOwn.call(v, key) ? (v as Obj)[key] : zeroOfMap(v);
      continue;
    }
    throw new Error(`can't index item of type ${goTypeName(v)}`);
  }
  return v;
}

function builtinSlice(item: unknown, ...indices: unknown[]): unknown {
  if (indices.length > 3) throw new Error(`too many slice indexes: ${indices.length}`);
  const idx = indices.map((x) => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`cannot index slice/array with type ${goTypeName(x)}`);
    return x;
  });
  if (typeof item === 'string') {
    if (idx.length === 3) throw new Error('cannot 3-index slice a string');
    const bytes = Buffer.from(item, 'utf8');
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? bytes.length;
    if (lo < 0 || lo > bytes.length) throw new Error(`index out of range: ${lo}`);
    if (hi < lo || hi > bytes.length) throw new Error(`index out of range: ${hi}`);
    return bytes.subarray(lo, hi).toString('utf8');
  }
  if (isArrayLike(item)) {
    const arr = Array.from(item);
    const cap = idx.length === 3 ? idx[2] : arr.length;
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? arr.length;
    if (cap < 0 || cap > arr.length) throw new Error(`index out of range: ${cap}`);
    if (lo < 0 || lo > cap) throw new Error(`index out of range: ${lo}`);
    if (hi < lo || hi > cap) throw new Error(`index out of range: ${hi}`);
    return arr.slice(lo, hi);
  }
  if (item === null || item === undefined) throw new Error('slice of untyped nil');
  throw new Error(`can't slice item of type ${goTypeName(item)}`);
}

function compareKind(v: unknown): 'bool' | 'num' | 'string' | 'nil' | 'other' {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
    case 'bigint':
      return 'num';
    case 'string':
      return 'string';
    default:
      return 'other';
  }
}

function builtinEq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = compareKind(a);
  for (const b of rest) {
    const kb = compareKind(b);
    let truth: boolean;
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      truth = false;
    } else if (ka === 'other') {
      if (isArrayLike(a) || isArrayLike(b) || a instanceof Map || b instanceof Map || typeof a === 'function') {
        throw new Error(`non-comparable type ${goTypeName(a)}`);
      }
      truth = a === b;
    } else if (ka === 'num') {
      truth = a == b; // loose on purpose: an int64 (bigint) equals the same int (number)
    } else {
      truth = ka === 'nil' ? true : a === b;
    }
    if (truth) return true;
  }
  return false;
}

function builtinLt(a: unknown, b: unknown): boolean {
  const ka = compareKind(a);
  const kb = compareKind(b);
  if (ka === 'nil' || ka === 'other' || kb === 'nil' || kb === 'other') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  return (a as number | string) < (b as number | string);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '\uFFFD';
    }
  });
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp < 0x80 || isPrintRune(ch) || ch === ' ') out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function evalArgsString(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(args);
}

const INF = Number.POSITIVE_INFINITY;

function spec(name: string, fn: TemplateFunc, min: number, max: number): FuncSpec {
  return { name, fn, min, max };
}

const BUILTIN_SPECS: FuncSpec[] = [
  { name: 'and', fn: () => undefined, min: 1, max: INF, lazy: 'and' },
  { name: 'or', fn: () => undefined, min: 1, max: INF, lazy: 'or' },
  spec('not', (v: unknown) => !isTrue(v), 1, 1),
  spec('len', builtinLen, 1, 1),
  spec('index', builtinIndex, 1, INF),
  spec('slice', builtinSlice, 1, INF),
  spec('print', (...a: unknown[]) => goSprint(a), 0, INF),
  spec('println', (...a: unknown[]) => goSprintln(a), 0, INF),
  spec('printf', (f: unknown, ...a: unknown[]) => goSprintf(wantString(f), a), 1, INF),
  spec('eq', builtinEq, 1, INF),
  spec('ne', (a: unknown, b: unknown) => !builtinEq(a, b), 2, 2),
  spec('lt', builtinLt, 2, 2),
  spec('le', (a: unknown, b: unknown) => builtinLt(a, b) || builtinEq(a, b), 2, 2),
  spec('gt', (a: unknown, b: unknown) => !(builtinLt(a, b) || builtinEq(a, b)), 2, 2),
  spec('ge', (a: unknown, b: unknown) => !builtinLt(a, b), 2, 2),
  spec(
    'call',
    (f: unknown, ...a: unknown[]) => {
      if (typeof f !== 'function') throw new Error(`non-function of type ${goTypeName(f)}`);
      return Reflect.apply(f as TemplateFunc, undefined, a) as unknown;
    },
    1,
    INF,
  ),
  spec('html', (...a: unknown[]) => htmlEscape(evalArgsString(a)), 0, INF),
  spec('js', (...a: unknown[]) => jsEscape(evalArgsString(a)), 0, INF),
  spec('urlquery', (...a: unknown[]) => urlQueryEscape(evalArgsString(a)), 0, INF),
  // podman (containers/common pkg/report) functions
  spec(
    'join',
    (list: unknown, sep: unknown) => {
      const s = wantString(sep);
      if (list === null || list === undefined) return '';
      if (!isArrayLike(list)) throw new Error(`wrong type for value; expected []string; got ${goTypeName(list)}`);
      return Array.from(list, (x) => wantString(x)).join(s);
    },
    2,
    2,
  ),
  spec('json', (v: unknown) => goJSON(v), 1, 1),
  spec('lower', (s: unknown) => goLower(wantString(s)), 1, 1),
  spec(
    'pad',
    (s: unknown, left: unknown, right: unknown) => {
      const str = wantString(s);
      const l = wantInt(left);
      const r = wantInt(right);
      if (str === '') return str;
      if (l < 0 || r < 0) throw new Error('strings: negative Repeat count');
      return ' '.repeat(l) + str + ' '.repeat(r);
    },
    3,
    3,
  ),
  spec(
    'split',
    (s: unknown, sep: unknown) => {
      const str = wantString(s);
      const sp = wantString(sep);
      return sp === '' ? Array.from(str) : str.split(sp);
    },
    2,
    2,
  ),
  spec('title', (s: unknown) => goTitle(wantString(s)), 1, 1),
  spec(
    'truncate',
    (s: unknown, n: unknown) => {
      const str = wantString(s);
      const len = wantInt(n);
      if (len < 0) throw new Error(`slice bounds out of range [:${len}]`);
      const runes = Array.from(str);
      return runes.length < len ? str : runes.slice(0, len).join('');
    },
    2,
    2,
  ),
  spec('upper', (s: unknown) => goUpper(wantString(s)), 1, 1),
];

/** Names of the functions every template can use (Go builtins + podman's report funcs). */
export const BUILTIN_FUNCTIONS: readonly string[] = BUILTIN_SPECS.map((s) => s.name).sort();

export function buildFuncTable(extra?: FuncMap): Map<string, FuncSpec> {
  const m = new Map<string, FuncSpec>();
  for (const s of BUILTIN_SPECS) m.set(s.name, s);
  if (extra) {
    for (const [name, fn] of Object.entries(extra)) m.set(name, { name, fn, min: 0, max: INF });
  }
  return m;
}

export const DEFAULT_FUNCS = buildFuncTable();
