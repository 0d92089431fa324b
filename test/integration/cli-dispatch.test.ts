import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scratchBerth } from '../helpers/berth.js';

test("CLI dispatch: help, version, unknown and incomplete commands (podman's words)", async (t) => {
  const b = await scratchBerth();
  t.after(() => b.cleanup());
  const help = await b.run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /\nUsage:\n {2}berth \[options\] \[command\]\n/);
  for (const v of [['--version'], ['-v']]) {
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

test("version: podman version's layout, json on one line, templates over {Client} and over the client block", async (t) => {
  const b = await scratchBerth();
  t.after(() => b.cleanup());
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch;
  const plain = await b.run(['version']);
  assert.equal(plain.code, 0, plain.stderr);
  // podman's tabwriter: the widest key ("Node Version:") and two spaces
  const rows = [
    ['Client:', 'berth'],
    ['Version:', '0.1.0'],
    ['Node Version:', process.version],
    ['OS/Arch:', `linux/${arch}`],
  ];
  assert.equal(plain.stdout, rows.map(([k, v]) => `${k!.padEnd(15)}${v}\n`).join(''));
  const json = await b.run(['version', '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stdout, `{"Client":{"Version":"0.1.0","NodeVersion":"${process.version}","OsArch":"linux/${arch}","Os":"linux"}}\n`);
  for (const [format, want] of [
    ['{{.Client.Version}}', '0.1.0\n'],
    ['{{.Client.OsArch}} {{.Client.Os}}', `linux/${arch} linux\n`],
    // the report has no Version field: podman runs the template once more over the client block
    ['{{.Version}}', '0.1.0\n'],
    ['{{json .Client}}', `{"Version":"0.1.0","NodeVersion":"${process.version}","OsArch":"linux/${arch}","Os":"linux"}\n`],
  ]) {
    const r = await b.run(['version', '--format', format!]);
    assert.equal(r.code, 0, `${format}: ${r.stderr}`);
    assert.equal(r.stdout, want, format);
  }
  const extra = await b.run(['version', 'extra']);
  assert.equal(extra.code, 125);
  assert.equal(extra.stderr, 'Error: `berth version` takes no arguments\n');
});
