import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scratchBerth } from '../helpers/berth.js';

test("CLI dispatch: help, version, unknown and incomplete commands (podman's words)", async (t) => {
  const b = await scratchBerth();
  t.after(() => b.cleanup());
  const help = await b.run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /\nUsage:\n {2}berth \[options\] \[command\]\n/);
  for (const v of [['--version'], ['-v'], ['version']]) {
    const version = await b.run(v);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^berth version \d+\.\d+\.\d+\n$/);
  }
  for (const [args, msg] of [
    [['frob'], 'Error: unrecognized command `berth frob`\n'],
    [['image', 'frob'], 'Error: unrecognized command `berth image frob`\n'],
    [['system'], "Error: missing command 'berth system COMMAND'\n"],
    [['image'], "Error: missing command 'berth image COMMAND'\n"],
    [[], "Error: missing command 'berth COMMAND'\n"],
    [['help', 'frob'], 'Error: unknown help topic `frob`\n'],
  ] as [string[], string][]) {
    const r = await b.run(args);
    assert.equal(r.code, 125, args.join(' '));
    assert.equal(r.stderr, msg);
    // as podman: a missing subcommand prints the group's help on stdout
    if (args.length === 1 && (args[0] === 'system' || args[0] === 'image'))
      assert.match(r.stdout, new RegExp(`^Usage:\\n  berth ${args[0]} \\[command\\]`, 'm'));
    else if (args.length === 0) assert.match(r.stdout, /Available Commands:/);
    else assert.equal(r.stdout, '');
  }
  const img = await b.run(['image', '--help']);
  assert.equal(img.code, 0);
  assert.match(img.stdout, /^ {2}exists +Check if an image exists$/m);
});
