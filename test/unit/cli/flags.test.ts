/**
 * The flag grammar (pflag's rules, podman's words), as a table: argv -> parsed values or the
 * exact error message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, parseGoInt, parseGoBool, flagUsages, UsageError, type ParseSpec, type FlagValue } from '../../../cli/flags.js';

const SPEC: ParseSpec = {
  name: 'x',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: '' },
    { name: 'quiet', short: 'q', type: 'bool', help: '' },
    { name: 'human', short: 'H', type: 'bool', def: true, help: '' },
    { name: 'tls-verify', type: 'bool', tristate: true, help: '' },
    { name: 'filter', short: 'f', type: 'array', help: '' },
    { name: 'format', type: 'string', help: '' },
    { name: 'output', short: 'o', type: 'string', help: '' },
    { name: 'sort', type: 'string', def: 'created', help: '', choices: ['created', 'id'] },
    { name: 'jobs', type: 'uint', min: 1, help: '' },
    { name: 'limit', type: 'int', help: '' },
    { name: 'retry-delay', type: 'duration', help: '' },
  ],
  maxArgs: 3,
};

type Row = [argv: string[], expect: { args?: string[]; flags?: Record<string, FlagValue>; changed?: string[]; help?: boolean } | string];

const TABLE: Row[] = [
  // bare booleans never take the next word
  [['--tls-verify', 'IMAGE'], { args: ['IMAGE'], flags: { 'tls-verify': true } }],
  [['--all', 'false'], { args: ['false'], flags: { all: true } }],
  // =value with strconv.ParseBool
  ...['true', 'True', 'TRUE', '1', 't', 'T'].map((v): Row => [[`--tls-verify=${v}`, 'i'], { args: ['i'], flags: { 'tls-verify': true } }]),
  ...['false', 'False', 'FALSE', '0', 'f', 'F'].map((v): Row => [
    [`--tls-verify=${v}`, 'i'],
    { args: ['i'], flags: { 'tls-verify': false } },
  ]),
  [['-H=false'], { flags: { human: false } }],
  [['-aH=0'], { flags: { all: true, human: false } }],
  [[], { flags: { 'tls-verify': undefined, all: false, human: true, sort: 'created', filter: [] }, changed: [] }],
  // values: --f v, --f=v, -f v, -fv, -f=v; a value may start with "-"
  [['--format', '{{.ID}}', '--output=o.tar'], { flags: { format: '{{.ID}}', output: 'o.tar' }, changed: ['format', 'output'] }],
  [['--format', '-q'], { flags: { format: '-q', quiet: false } }],
  [['-o', 'a'], { flags: { output: 'a' } }],
  [['-oa'], { flags: { output: 'a' } }],
  [['-o=a'], { flags: { output: 'a' } }],
  [['--output='], { flags: { output: '' } }],
  [['-aqo', 'x'], { flags: { all: true, quiet: true, output: 'x' } }],
  // repeated flags collect, options after arguments, -- ends options, "-" is an argument
  [
    ['img', '--filter', 'a=1', '-fb=2', '-f', 'c=3', '--filter=d=4', '-f=e=5'],
    { args: ['img'], flags: { filter: ['a=1', 'b=2', 'c=3', 'd=4', 'e=5'] } },
  ],
  [['a', '--', '-q', '--all'], { args: ['a', '-q', '--all'], flags: { quiet: false, all: false } }],
  [['-'], { args: ['-'] }],
  // help
  [['--help'], { help: true }],
  [['-ah', 'a', 'b', 'c', 'd'], { help: true }],
  // numbers as Go's ParseInt/ParseUint with base 0, durations as time.ParseDuration
  [['--jobs', '4', '--limit=-2'], { flags: { jobs: 4, limit: -2 } }],
  [['--jobs=0x10', '--limit', '0b11'], { flags: { jobs: 16, limit: 3 } }],
  [['--jobs=1_000', '--limit=0o17'], { flags: { jobs: 1000, limit: 15 } }],
  [['--retry-delay', '1m30s'], { flags: { 'retry-delay': '1m30s' } }],
  // errors: pflag's and cobra's words
  [['--nope'], 'unknown flag: --nope'],
  [['--nope=1'], 'unknown flag: --nope'],
  [['-z'], "unknown shorthand flag: 'z' in -z"],
  [['-aqz'], "unknown shorthand flag: 'z' in -z"],
  [['-azq'], "unknown shorthand flag: 'z' in -zq"],
  [['--format'], 'flag needs an argument: --format'],
  [['-o'], "flag needs an argument: 'o' in -o"],
  [['-ao'], "flag needs an argument: 'o' in -o"],
  [['---x'], 'bad flag syntax: ---x'],
  [['--tls-verify=maybe'], 'invalid argument "maybe" for "--tls-verify" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  [['-H=maybe'], 'invalid argument "maybe" for "-H, --human" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  [['--human=yes'], 'invalid argument "yes" for "-H, --human" flag: strconv.ParseBool: parsing "yes": invalid syntax'],
  [['--jobs', '1e20'], 'invalid argument "1e20" for "--jobs" flag: strconv.ParseUint: parsing "1e20": invalid syntax'],
  [['--jobs', '-1'], 'invalid argument "-1" for "--jobs" flag: strconv.ParseUint: parsing "-1": invalid syntax'],
  [
    ['--jobs', '18446744073709551616'],
    'invalid argument "18446744073709551616" for "--jobs" flag: strconv.ParseUint: parsing "18446744073709551616": value out of range',
  ],
  [['--jobs', '0'], 'invalid argument "0" for "--jobs" flag: must be at least 1'],
  [['--jobs', ''], 'invalid argument "" for "--jobs" flag: strconv.ParseUint: parsing "": invalid syntax'],
  [['--jobs', '1__0'], 'invalid argument "1__0" for "--jobs" flag: strconv.ParseUint: parsing "1__0": invalid syntax'],
  [['--limit', '1e20'], 'invalid argument "1e20" for "--limit" flag: strconv.ParseInt: parsing "1e20": invalid syntax'],
  [
    ['--limit', '99999999999999999999'],
    'invalid argument "99999999999999999999" for "--limit" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range',
  ],
  [
    ['--limit', '9223372036854775807'],
    'invalid argument "9223372036854775807" for "--limit" flag: value out of range (at most 9007199254740991)',
  ],
  [['--limit', '1.5'], 'invalid argument "1.5" for "--limit" flag: strconv.ParseInt: parsing "1.5": invalid syntax'],
  [['--retry-delay', 'bogus'], 'time: invalid duration "bogus"'],
  [['--retry-delay', '5'], 'time: missing unit in duration "5"'],
  [['--retry-delay=3x'], 'time: unknown unit "x" in duration "3x"'],
  [['--sort', 'size'], 'invalid argument "size" for "--sort" flag: must be one of created, id'],
  [['a', 'b', 'c', 'd'], 'accepts at most 3 arg(s), received 4'],
];

test('flag grammar table (pflag rules and words)', () => {
  for (const [argv, expect] of TABLE) {
    const label = JSON.stringify(argv);
    if (typeof expect === 'string') {
      assert.throws(
        () => parseCommandLine(argv, SPEC),
        (e: unknown) => {
          assert.equal((e as Error).message, expect, label);
          return true;
        },
        label,
      );
      continue;
    }
    const p = parseCommandLine(argv, SPEC);
    if (expect.args) assert.deepEqual(p.args, expect.args, label);
    for (const [k, v] of Object.entries(expect.flags ?? {})) assert.deepEqual(p.flags[k], v, `${label} ${k}`);
    if (expect.changed) assert.deepEqual([...p.changed].sort(), expect.changed, label);
    assert.equal(p.help, expect.help ?? false, label);
  }
});

test('camelCase view, cobra arg counts', () => {
  const p = parseCommandLine(['--tls-verify=false', '--retry-delay=2s'], SPEC);
  assert.equal(p.opts.tlsVerify, false);
  assert.equal(p.opts.retryDelay, '2s');
  const err = (argv: string[], spec: ParseSpec): UsageError => {
    try {
      parseCommandLine(argv, spec);
    } catch (e) {
      return e as UsageError;
    }
    throw new Error('no error');
  };
  assert.ok(err(['--nope'], SPEC) instanceof UsageError);
  const spec = (minArgs?: number, maxArgs?: number): ParseSpec => ({ name: 'image prune', flags: [], minArgs, maxArgs });
  assert.equal(err([], spec(1, 1)).message, 'accepts 1 arg(s), received 0');
  assert.equal(err([], spec(2)).message, 'requires at least 2 arg(s), only received 0');
  assert.equal(err(['a', 'b', 'c'], spec(1, 2)).message, 'accepts between 1 and 2 arg(s), received 3');
  assert.equal(err(['a'], spec(undefined, 0)).message, '`berth image prune` takes no arguments');
  assert.equal(err([], { ...spec(1), missingArgs: 'no names or ids specified' }).message, 'no names or ids specified');
});

test('Go number and bool parsing', () => {
  assert.equal(parseGoInt('0x_1F', true), 31n);
  assert.equal(parseGoInt('017', true), 15n);
  assert.equal(parseGoInt('-9223372036854775808', false), -(2n ** 63n));
  assert.match(parseGoInt('9223372036854775808', false) as string, /value out of range$/);
  assert.match(parseGoInt('_1', true) as string, /invalid syntax$/);
  assert.match(parseGoInt('1_', true) as string, /invalid syntax$/);
  assert.match(parseGoInt('+1', true) as string, /^strconv.ParseUint: parsing "\+1": invalid syntax$/);
  assert.equal(parseGoInt('+1', false), 1n);
  assert.equal(parseGoBool('yes'), undefined);
  assert.equal(parseGoBool('F'), false);
});

test('help columns as pflag: sorted, three spaces after the widest, non-zero defaults', () => {
  const out = flagUsages([
    { name: 'sort', type: 'string', def: 'created', help: 'sort key' },
    { name: 'all', short: 'a', type: 'bool', help: 'everything' },
    { name: 'retry', type: 'uint', def: 3, help: 'retries' },
    { name: 'human', short: 'H', type: 'bool', def: true, help: 'human' },
    { name: 'secret', type: 'bool', hidden: true, help: 'hidden' },
    { name: 'cert-dir', type: 'string', arg: 'DIR', help: 'certs' },
  ]);
  assert.equal(
    out,
    [
      '  -a, --all            everything\n',
      '      --cert-dir DIR   certs\n',
      '  -H, --human          human (default true)\n',
      '      --retry uint     retries (default 3)\n',
      '      --sort string    sort key (default "created")\n',
    ].join(''),
  );
});
