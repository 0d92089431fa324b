/**
 * A small pflag-compatible argument parser for the image commands (images, tag, untag,
 * rmi, image prune, inspect, image exists, history, image tree). It is used instead of
 * commander because `berth inspect` and `berth tag` must start fast, and because podman's
 * flags follow pflag rules commander does not: booleans take `--flag=false` / `-H=false`,
 * short flags combine (`-aq`), values come as `--f v`, `--f=v`, `-fv` or `-f v`, options may
 * follow positional arguments, and `--` ends the options.
 *
 * Not a command module itself (main.ts maps no command word to it).
 */
import { BerthError } from '../../src/index.js';

export interface FlagSpec {
  /** Long name without dashes ("no-trunc"). */
  name: string;
  short?: string;
  type: 'bool' | 'string' | 'array';
  /** Shown in --help. */
  help: string;
  /** Default for bool/string flags. */
  def?: boolean | string;
  /** Value placeholder shown in --help. */
  arg?: string;
  /** Accepted values of a string flag. */
  choices?: readonly string[];
  /** podman's wording when the value is not one of `choices`. */
  choiceError?: (v: string) => string;
}

export interface CommandSpec {
  usage: string;
  description: string;
  flags: FlagSpec[];
  /** Positional argument count limits. */
  minArgs?: number;
  maxArgs?: number;
  /** Custom message when fewer than minArgs positional arguments are given. */
  missingArgs?: string;
}

export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export interface Parsed {
  flags: FlagValues;
  args: string[];
  /** Flags the user set explicitly (cobra's Changed). */
  changed: Set<string>;
}

function usageError(msg: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', msg, hint ? { hint } : {});
}

const BOOL_VALUES: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

/** Help text for a command. */
export function helpText(spec: CommandSpec): string {
  const rows = spec.flags.map((f) => {
    const names = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type !== 'bool' ? ` ${f.arg ?? (f.type === 'array' ? 'value' : 'string')}` : ''}`;
    return [names, f.help + (f.type === 'bool' && f.def === true ? ' (default true)' : '')] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  return `Usage: ${spec.usage}\n\n${spec.description}\n\nOptions:\n${rows.map(([a, b]) => `  ${a.padEnd(w)}${b}`).join('\n')}\n`;
}

/**
 * Parse `argv` by `spec`. Returns 0 when help was printed (the caller exits 0). Throws a
 * one-line INVALID_ARGUMENT BerthError for bad usage.
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec): Parsed | 0 {
  const byLong = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const flags: FlagValues = {};
  const changed = new Set<string>();
  for (const f of spec.flags) flags[f.name] = f.type === 'array' ? [] : f.def ?? (f.type === 'bool' ? false : undefined);
  const args: string[] = [];

  const set = (f: FlagSpec, value: string | undefined, shown: string): void => {
    changed.add(f.name);
    if (f.type === 'bool') {
      if (value === undefined) { flags[f.name] = true; return; }
      const b = BOOL_VALUES[value];
      if (b === undefined) throw usageError(`invalid argument ${JSON.stringify(value)} for "${shown}" flag: expected true or false`);
      flags[f.name] = b;
      return;
    }
    if (value === undefined) throw usageError(`flag needs an argument: ${shown}`);
    if (f.choices && !f.choices.includes(value)) {
      throw usageError(f.choiceError ? f.choiceError(value) : `invalid argument ${JSON.stringify(value)} for "${shown}" flag: must be one of ${f.choices.join(', ')}`);
    }
    if (f.type === 'array') (flags[f.name] as string[]).push(value);
    else flags[f.name] = value;
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === 'help') { process.stdout.write(helpText(spec)); return 0; }
      const f = byLong.get(name);
      if (!f) throw usageError(`unknown flag: --${name}`, `see "${spec.usage.split(' ').slice(0, 3).filter((w) => !w.startsWith('[')).join(' ')} --help"`);
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (value === undefined && f.type !== 'bool') {
        if (i + 1 >= argv.length) throw usageError(`flag needs an argument: --${name}`);
        value = argv[++i];
      }
      set(f, value, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // -abc, -fVALUE, -f VALUE, -H=false
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === 'h') { process.stdout.write(helpText(spec)); return 0; }
        const f = byShort.get(c);
        if (!f) throw usageError(`unknown shorthand flag: '${c}' in ${a}`);
        if (f.type === 'bool') {
          if (a[j + 1] === '=') { set(f, a.slice(j + 2), `-${c}, --${f.name}`); break; }
          set(f, undefined, `-${c}`);
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        else if (value === '') {
          if (i + 1 >= argv.length) throw usageError(`flag needs an argument: '${c}' in -${c}`);
          value = argv[++i]!;
        }
        set(f, value, `-${c}, --${f.name}`);
        break;
      }
      continue;
    }
    args.push(a);
  }

  if (spec.minArgs !== undefined && args.length < spec.minArgs) {
    if (spec.missingArgs) throw usageError(spec.missingArgs);
    throw usageError(spec.maxArgs === spec.minArgs
      ? `accepts ${spec.minArgs} arg(s), received ${args.length}`
      : `requires at least ${spec.minArgs} arg(s), only received ${args.length}`, `usage: ${spec.usage}`);
  }
  if (spec.maxArgs !== undefined && args.length > spec.maxArgs) {
    throw usageError(spec.maxArgs === spec.minArgs ? `accepts ${spec.maxArgs} arg(s), received ${args.length}` : `accepts at most ${spec.maxArgs} arg(s), received ${args.length}`, `usage: ${spec.usage}`);
  }
  return { flags, args, changed };
}
