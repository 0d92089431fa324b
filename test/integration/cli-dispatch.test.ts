import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scratchBerth } from '../helpers/berth.js';

test('CLI dispatch: help, version, unknown and incomplete commands', async (t) => {
  const b = await scratchBerth();
  t.after(() => b.cleanup());
  const help = await b.run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: berth \[--root DIR\] COMMAND/);
  const version = await b.run(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^berth version \d+\.\d+\.\d+\n$/);
  for (const [args, msg] of [
    [['frob'], 'Error: unrecognized command `berth frob` (run "berth --help" for the list)\n'],
    [['image', 'frob'], 'Error: unrecognized command `berth image frob` (run "berth --help" for the list)\n'],
    [['system'], "Error: missing command 'berth system COMMAND' (commands: check, gc, recover, prune)\n"],
  ] as [string[], string][]) {
    const r = await b.run(args);
    assert.equal(r.code, 125, args.join(' '));
    assert.equal(r.stderr, msg);
    assert.equal(r.stdout, '');
  }
  const img = await b.run(['image']);
  assert.equal(img.code, 125);
  assert.match(img.stderr, /^Error: missing command 'berth image COMMAND' \(commands: .*\bexists\b.*\)\n$/);
});
