/**
 * CLI pieces of the image commands: the pflag-style argument parser (podman's flag rules:
 * `-H=false`, combined short flags, values after `=` or in the next word, options after
 * arguments, `--`) and the fast default-table writer, which must produce exactly what the
 * Go-tabwriter port (cli/format/tabwriter.ts, podman's minwidth 12 / padding 2) produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type CommandSpec } from '../../../../cli/commands/image-args.js';
import { alignTable } from '../../../../cli/commands/images.js';
import { tabwrite } from '../../../../cli/format/tabwriter.js';
import { isBerthError } from '../../../../src/errors.js';

const SPEC: CommandSpec = {
  usage: 'berth x [options] IMAGE',
  description: 'x',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: '' },
    { name: 'quiet', short: 'q', type: 'bool', help: '' },
    { name: 'human', short: 'H', type: 'bool', def: true, help: '' },
    { name: 'filter', short: 'f', type: 'array', help: '' },
    { name: 'format', type: 'string', help: '' },
    { name: 'sort', type: 'string', def: 'created', help: '', choices: ['created', 'id'] },
  ],
  maxArgs: 2,
};

test('image-args: pflag rules', () => {
  const p = parseArgs(['-aq', 'img', '--filter', 'a=1', '-fb=2', '-f', 'c=3', '--filter=d=4', '--format={{.ID}}', '-H=false', '--', '-x'], SPEC);
  assert.ok(p !== 0);
  assert.deepEqual(p.args, ['img', '-x']);
  assert.deepEqual(p.flags.filter, ['a=1', 'b=2', 'c=3', 'd=4']);
  assert.equal(p.flags.all, true);
  assert.equal(p.flags.quiet, true);
  assert.equal(p.flags.human, false);
  assert.equal(p.flags.format, '{{.ID}}');
  assert.equal(p.flags.sort, 'created');
  assert.ok(p.changed.has('format') && !p.changed.has('sort'));
  const q = parseArgs(['--human=true', '--sort', 'id', '--all=0'], SPEC);
  assert.ok(q !== 0);
  assert.deepEqual([q.flags.human, q.flags.sort, q.flags.all], [true, 'id', false]);
  const bad = (argv: string[], re: RegExp) => assert.throws(() => parseArgs(argv, SPEC), (e: unknown) => isBerthError(e, 'INVALID_ARGUMENT') && re.test((e as Error).message));
  bad(['--nope'], /^unknown flag: --nope$/);
  bad(['-z'], /^unknown shorthand flag: 'z' in -z$/);
  bad(['--format'], /^flag needs an argument: --format$/);
  bad(['-H=maybe'], /^invalid argument "maybe" for "-H, --human" flag/);
  bad(['--sort', 'size'], /must be one of created, id/);
  bad(['a', 'b', 'c'], /^accepts at most 2 arg\(s\), received 3$/);
});

test('alignTable equals the Go tabwriter port for uniform tables', () => {
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const word = () => ['', 'a', '<none>', 'localhost/very/long/repository/name', 'ünïcödé', '☺☺', '3 hours ago', 'x'.repeat(rnd(30))][rnd(8)]!;
  for (let t = 0; t < 50; t++) {
    const cols = 1 + rnd(7);
    const lines = Array.from({ length: rnd(20) }, () => Array.from({ length: cols }, word));
    const text = lines.map((l) => `${l.join('\t')}\n`).join('');
    assert.equal(alignTable(lines), tabwrite(text), JSON.stringify(lines));
  }
});
