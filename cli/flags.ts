/**
 * berth's one argument parser, with pflag's rules (the parser podman's commands use):
 *   - booleans are bare (`--tls-verify IMAGE` leaves IMAGE alone) or take `=VALUE` with Go's
 *     strconv.ParseBool (`=true|false|True|FALSE|1|0|t|f`);
 *   - other flags take `--f value`, `--f=value`, `-f value`, `-fvalue` or `-f=value`;
 *   - short booleans combine (`-aq`), options may follow positional arguments, `--` ends the
 *     options, repeated array flags collect every value;
 *   - numbers parse as Go's strconv.ParseInt/ParseUint (base prefixes, underscores, range),
 *     durations as Go's time.ParseDuration;
 *   - errors use pflag's and cobra's words (`unknown flag: --foo`, `flag needs an argument:
 *     --x`, `invalid argument "x" for "--y" flag: ...`, `accepts 1 arg(s), received 0`).
 * Kept free of heavy imports: every command starts by parsing.
 */
import { BerthError } from '../src/errors.js';
import { goQuote, parseGoDuration } from '../src/go/index.js';

export type FlagType = 'bool' | 'string' | 'array' | 'int' | 'uint' | 'duration';
export type FlagValue = boolean | string | string[] | number | undefined;

export interface FlagSpec {
  /** Long name without dashes ("no-trunc"). */
  name: string;
  short?: string;
  type: FlagType;
  /** One line for --help. */
  help: string;
  /** Default value (shown in --help as pflag shows non-zero defaults). */
  def?: boolean | string | number;
  /** Value placeholder in --help (default: the type name, as pflag). */
  arg?: string;
  /** Accepted values of a string flag (also offered by shell completion). */
  choices?: readonly string[];
  /** The error message when the value is not one of `choices` (default: pflag-style). */
  choiceError?: (v: string) => string;
  /** Inclusive limits of an int/uint flag. */
  min?: number;
  max?: number;
  /** A bool that stays undefined unless given (its default comes from configuration). */
  tristate?: boolean;
  /** Not shown in --help or completion (accepted for compatibility). */
  hidden?: boolean;
  /** What shell completion offers for the value. */
  complete?: 'file' | 'dir' | 'none';
}

/** A command line's shape: what the parser needs (the command table adds the rest). */
export interface ParseSpec {
  /** Full command path as typed after "berth" ("image tree"). */
  name: string;
  flags: readonly FlagSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** Message when fewer than minArgs positional arguments are given (podman's own words). */
  missingArgs?: string;
  /** false: everything after the first positional argument is an argument (cobra's SetInterspersed(false), e.g. create IMAGE COMMAND -l). */
  interspersed?: boolean;
}

export interface Parsed {
  /** Values by long name ("no-trunc"); defaults for flags not given. */
  flags: Record<string, FlagValue>;
  /** The same values keyed in camelCase ("noTrunc"). */
  opts: Record<string, FlagValue>;
  args: string[];
  /** Flags the user set explicitly (cobra's Changed). */
  changed: Set<string>;
  /** `--help`/`-h` was given: the caller prints help and exits 0. */
  help: boolean;
  /** The command's words as typed ("images", "image ls"). */
  command: string;
}

/**
 * A usage error, worded as podman's (pflag's or cobra's) first line. Printed on one line:
 * podman's second line ("See 'podman CMD --help'") is left out.
 */
export class UsageError extends BerthError {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's underscoreOK: underscores only between digits (or after a base prefix) with base 0. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/**
 * Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64): a BigInt, or the Go error text
 * (`strconv.ParseUint: parsing "1e20": invalid syntax` / `value out of range`).
 */
export function parseGoInt(s: string, unsigned: boolean): bigint | string {
  const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  const syntax = `${fn}: parsing ${goQuote(s)}: invalid syntax`;
  let body = s;
  let neg = false;
  if (!unsigned && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  let digits = body;
  if (body.length >= 2 && body[0] === '0') {
    const p = body[1]!.toLowerCase();
    if (p === 'x') {
      base = 16;
      digits = body.slice(2);
    } else if (p === 'b') {
      base = 2;
      digits = body.slice(2);
    } else if (p === 'o') {
      base = 8;
      digits = body.slice(2);
    } else {
      base = 8;
      digits = body.slice(1);
    }
  }
  const valid = { 2: /^[01_]+$/, 8: /^[0-7_]+$/, 10: /^[0-9_]+$/, 16: /^[0-9a-fA-F_]+$/ }[base as 2 | 8 | 10 | 16];
  if (digits === '' || !valid.test(digits)) return syntax;
  if (digits.includes('_') && !underscoreOK(s)) return syntax;
  const clean = digits.replace(/_/g, '');
  if (clean === '') return syntax;
  let v = 0n;
  const b = BigInt(base);
  for (const c of clean) v = v * b + BigInt(parseInt(c, 16));
  if (neg) v = -v;
  const max = unsigned ? (1n << 64n) - 1n : (1n << 63n) - 1n;
  const min = unsigned ? 0n : -(1n << 63n);
  if (v > max || v < min) return `${fn}: parsing ${goQuote(s)}: value out of range`;
  return v;
}

const DEFAULT_ARG: Record<FlagType, string> = {
  bool: '',
  string: 'string',
  array: 'stringArray',
  int: 'int',
  uint: 'uint',
  duration: 'duration',
};

/** How pflag names a flag in "invalid argument" errors. */
function shownName(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Parse `argv` (the words after the command) by `spec`. Throws a UsageError with pflag's or
 * cobra's words for bad usage; `help` is set when --help/-h was given (arguments are then not
 * checked).
 */
export function parseCommandLine(argv: readonly string[], spec: ParseSpec): Parsed {
  const byLong = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const flags: Record<string, FlagValue> = {};
  const changed = new Set<string>();
  for (const f of spec.flags) flags[f.name] = f.type === 'array' ? [] : (f.def ?? (f.type === 'bool' && !f.tristate ? false : undefined));
  const args: string[] = [];
  let help = false;
  const fail = (msg: string): never => {
    throw new UsageError(msg, spec.name);
  };

  const set = (f: FlagSpec, value: string): void => {
    changed.add(f.name);
    const invalid = (why: string): never => fail(`invalid argument ${goQuote(value)} for ${goQuote(shownName(f))} flag: ${why}`);
    switch (f.type) {
      case 'bool': {
        const b = parseGoBool(value);
        if (b === undefined) invalid(`strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`);
        flags[f.name] = b;
        return;
      }
      case 'int':
      case 'uint': {
        const v = parseGoInt(value, f.type === 'uint');
        if (typeof v === 'string') invalid(v);
        const n = v as bigint;
        if (f.min !== undefined && n < BigInt(f.min)) invalid(`must be at least ${f.min}`);
        if (f.max !== undefined && n > BigInt(f.max)) invalid(`must be at most ${f.max}`);
        if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER))
          invalid(`value out of range (at most ${Number.MAX_SAFE_INTEGER})`);
        flags[f.name] = Number(n);
        return;
      }
      case 'duration': {
        // podman parses these with time.ParseDuration and reports Go's error as is
        parseGoDuration(value);
        flags[f.name] = value;
        return;
      }
      default:
        if (f.choices && !f.choices.includes(value)) {
          if (f.choiceError) throw new UsageError(f.choiceError(value), spec.name);
          invalid(`must be one of ${f.choices.join(', ')}`);
        }
        if (f.type === 'array') (flags[f.name] as string[]).push(value);
        else flags[f.name] = value;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === '' || name.startsWith('-') || name.startsWith('=')) fail(`bad flag syntax: ${a}`);
      const f = byLong.get(name);
      if (!f) {
        if (name === 'help') {
          help = true;
          continue;
        }
        fail(`unknown flag: --${name}`);
      }
      if (eq >= 0) set(f!, a.slice(eq + 1));
      else if (f!.type === 'bool') set(f!, 'true');
      else if (i + 1 < argv.length) set(f!, argv[++i]!);
      else fail(`flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      let rest = a.slice(1);
      while (rest.length > 0) {
        const c = rest[0]!;
        const f = byShort.get(c);
        if (!f) {
          if (c === 'h') {
            help = true;
            rest = rest.slice(1);
            continue;
          }
          fail(`unknown shorthand flag: '${c}' in -${rest}`);
        }
        if (rest.length > 2 && rest[1] === '=') {
          set(f!, rest.slice(2));
          break;
        }
        if (f!.type === 'bool') {
          set(f!, 'true');
          rest = rest.slice(1);
          continue;
        }
        if (rest.length > 1) {
          set(f!, rest.slice(1));
          break;
        }
        if (i + 1 < argv.length) {
          set(f!, argv[++i]!);
          break;
        }
        fail(`flag needs an argument: '${c}' in -${rest}`);
      }
      continue;
    }
    if (spec.interspersed === false) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(a);
  }

  if (!help) checkArgCount(spec, args.length);
  const opts: Record<string, FlagValue> = {};
  for (const [k, v] of Object.entries(flags)) opts[camel(k)] = v;
  return { flags, opts, args, changed, help, command: spec.name };
}

/** cobra's positional-argument checks (ExactArgs, MinimumNArgs, MaximumNArgs, RangeArgs). */
function checkArgCount(spec: ParseSpec, n: number): void {
  const { minArgs: min, maxArgs: max } = spec;
  const err = (msg: string) => new UsageError(msg, spec.name);
  if (min !== undefined && n < min) {
    if (spec.missingArgs) throw err(spec.missingArgs);
    if (max === min) throw err(`accepts ${min} arg(s), received ${n}`);
    if (max !== undefined) throw err(`accepts between ${min} and ${max} arg(s), received ${n}`);
    throw err(`requires at least ${min} arg(s), only received ${n}`);
  }
  if (max !== undefined && n > max) {
    if (max === 0) throw err(`\`berth ${spec.name}\` takes no arguments`);
    if (max === min) throw err(`accepts ${max} arg(s), received ${n}`);
    if (min !== undefined && min > 0) throw err(`accepts between ${min} and ${max} arg(s), received ${n}`);
    throw err(`accepts at most ${max} arg(s), received ${n}`);
  }
}

/** The placeholder shown after a flag in --help (pflag's UnquoteUsage). */
export function flagArgName(f: FlagSpec): string {
  return f.type === 'bool' ? '' : (f.arg ?? DEFAULT_ARG[f.type]);
}

/** pflag's FlagUsages: two columns, defaults that are not zero values appended. */
export function flagUsages(flags: readonly FlagSpec[]): string {
  const lines = flags
    .filter((f) => !f.hidden)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => {
      let left = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
      const arg = flagArgName(f);
      if (arg) left += ` ${arg}`;
      let right = f.help;
      const d = f.def;
      if (d !== undefined && d !== false && d !== '' && d !== 0)
        right += typeof d === 'string' ? ` (default ${goQuote(d)})` : ` (default ${d})`;
      return [left, right] as const;
    });
  const w = Math.max(0, ...lines.map(([l]) => l.length));
  return lines.map(([l, r]) => `${l}${' '.repeat(w - l.length)}   ${r}\n`).join('');
}
