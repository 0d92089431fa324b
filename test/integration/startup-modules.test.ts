/**
 * Start-up cost, checked without timing: the commands that only read or name images in the
 * store (`images`, `inspect`, `tag`, `image exists`) and `--help` must not load the copy
 * engine, the transports, the registry client, the configuration parsers, the codecs or (for
 * output without a template) the template engine.
 *  - The CLI's modules (dist/cli/main.js, tsc's output) run under a loader hook
 *    (test/helpers/module-trace.ts) that lists every module they load. The bundle users run
 *    (dist/cli/berth.cjs, scripts/bundle.mjs) keeps exactly this shape: what the modules reach
 *    only through import() stays unrun in the bundle too.
 *  - The bundle itself runs under a require hook (test/helpers/require-trace.ts): it must not
 *    load the packages kept out of it (undici, smol-toml, fzstd, openpgp), nor Node's
 *    network and codec modules, and it finds SQLite's addon without the `bindings` lookup.
 *    The light commands run from the light bundle alone (dist/cli/light.cjs), every other
 *    command line from the full one (dist/cli/bundle.cjs).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { Store } from '../../src/local.js';
import { importImage } from '../../src/index.js';
import { scratchBerth, BERTH_CLI, type ScratchBerth } from '../helpers/berth.js';
import { makeTar, run } from '../helpers/tools.js';
import { LIGHT_WORDS } from '../../cli/light-commands.js';

const TRACE = fileURLToPath(new URL('../helpers/module-trace.js', import.meta.url));
const REQUIRE_TRACE = fileURLToPath(new URL('../helpers/require-trace.js', import.meta.url));
/** The CLI as modules (tsc's output), for the module trace. */
const CLI_MODULES = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** What no listing, inspect, tag, exists or help may load. */
const HEAVY: readonly [string, RegExp][] = [
  ['the full library entry', /\/dist\/src\/(index|lazy)\.js$/],
  ['the copy engine', /\/dist\/src\/copy\//],
  ['a transport', /\/dist\/src\/transports\//],
  ['the configuration parsers', /\/dist\/src\/config\//],
  ['the credential code', /\/dist\/src\/auth\//],
  ['a codec', /\/dist\/src\/compression\//],
  ['the image service that moves images', /\/dist\/src\/images\/(pull|push|load|save|import|copy|login|tags|context)\.js$/],
  ['the template engine', /\/dist\/cli\/format\/(template|output)\b/],
  ['undici', /\/node_modules\/undici\//],
  ['smol-toml', /\/node_modules\/smol-toml\//],
  ['fzstd', /\/node_modules\/fzstd\//],
  ['openpgp', /\/node_modules\/openpgp\//],
];
const STORE: readonly [string, RegExp][] = [
  ['the store', /\/dist\/src\/store\//],
  ['better-sqlite3', /\/node_modules\/better-sqlite3\//],
];

let b: ScratchBerth;
let dir: string;
let imageId: string;

before(async () => {
  b = await scratchBerth();
  dir = mkdtempSync(join(tmpdir(), 'berth-trace-'));
  const store = Store.open({ root: b.root });
  try {
    const r = await importImage(store, {
      input: Readable.from([makeTar({ 'etc/hello': 'hello\n' })]),
      reference: 'localhost/startup/probe:1',
      changes: ['LABEL tier=gold'],
    });
    imageId = r.id;
  } finally {
    store.close();
  }
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await b.cleanup();
});

let n = 0;
/** Run `cli` with the preload `hook`, which writes its trace to the file named by `envName`; returns the result and the trace's lines. */
async function runHooked(hook: string, cli: string, envName: string, args: string[]) {
  const file = join(dir, `trace-${n++}.txt`);
  const r = await run(process.execPath, ['--import', hook, cli, '--root', b.root, ...args], {
    env: { ...b.env, [envName]: file },
    input: '',
    timeoutMs: 60_000,
  });
  let lines: string[] = [];
  try {
    lines = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  } catch {
    // no trace: the assertions below say so
  }
  return { r, lines };
}

/** Run the CLI's modules under the trace hook; returns its result and the loaded module URLs. */
async function traced(args: string[]) {
  const { r, lines: modules } = await runHooked(TRACE, CLI_MODULES, 'BERTH_MODULE_TRACE', args);
  assert.ok(
    modules.some((m) => m.endsWith('/dist/cli/main.js')),
    `the trace hook saw the CLI start (${args.join(' ')}): ${r.stderr}`,
  );
  return { r, modules };
}

function loadedOf(modules: string[], rules: readonly [string, RegExp][]): string[] {
  return rules.flatMap(([what, re]) =>
    modules.filter((m) => re.test(m)).map((m) => `${what}: ${m.replace(/^.*\/(dist|node_modules)\//, '$1/')}`),
  );
}

/** light: the command runs from the light bundle (dist/cli/light.cjs) alone. */
const CASES: { args: () => string[]; store: boolean; stdout?: RegExp; light?: boolean }[] = [
  { args: () => ['--help'], store: false, stdout: /Usage:/ },
  { args: () => ['images', '--help'], store: false, stdout: /Usage:/ },
  { args: () => ['images'], store: true, stdout: /localhost\/startup\/probe +1 /m, light: true },
  { args: () => ['images', '--filter', 'reference=localhost/startup/*'], store: true, stdout: /localhost\/startup\/probe/, light: true },
  { args: () => ['images', '--filter', 'label=tier=gold', '--noheading'], store: true, stdout: /localhost\/startup\/probe/, light: true },
  { args: () => ['images', '--format', 'json'], store: true, stdout: /"Id": "/, light: true },
  { args: () => ['inspect', 'localhost/startup/probe:1'], store: true, stdout: /"Id": "/, light: true },
  { args: () => ['image', 'inspect', imageId ? imageId.slice(0, 12) : 'ID'], store: true, stdout: /"Id": "/, light: true },
  { args: () => ['tag', 'localhost/startup/probe:1', 'localhost/startup/probe:2'], store: true, light: true },
  { args: () => ['untag', 'localhost/startup/probe:1', 'localhost/startup/probe:2'], store: true, light: true },
  { args: () => ['image', 'exists', 'localhost/startup/probe:1'], store: true, light: true },
  { args: () => ['inspect', '--size', 'localhost/startup/probe:1'], store: true, stdout: /"Id": "/ },
  { args: () => ['ps', '-a'], store: true, stdout: /^CONTAINER ID/ },
  { args: () => ['ps', '-a', '--format', 'json'], store: true, stdout: /^\[/ },
  { args: () => ['mount'], store: true },
  { args: () => ['rm', '-i', 'startup-probe'], store: true },
];

for (const c of CASES) {
  test(`berth ${c.args().join(' ')} loads nothing heavy`, async () => {
    const { r, modules } = await traced(c.args());
    assert.equal(r.code, 0, r.stderr);
    if (c.stdout) assert.match(r.stdout, c.stdout);
    assert.deepEqual(loadedOf(modules, c.store ? HEAVY : [...HEAVY, ...STORE]), []);
    if (c.store)
      assert.ok(
        modules.some((m) => /\/node_modules\/better-sqlite3\//.test(m)),
        'the store was opened',
      );
  });
}

test('the trace sees what a command really loads (a template output loads the template engine)', async () => {
  const { r, modules } = await traced(['images', '--format', '{{.Repository}}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'localhost/startup/probe\n');
  assert.ok(
    loadedOf(modules, HEAVY).some((l) => l.startsWith('the template engine')),
    'the template engine shows in the trace',
  );
  assert.ok(!modules.some((m) => /\/dist\/src\/copy\//.test(m)));
});

/** What the bundle may not load for a light command. */
const BUNDLE_HEAVY: readonly [string, RegExp][] = [
  ['a package kept out of the bundle', /^require (undici|smol-toml|fzstd|openpgp)\b/],
  ['the bindings lookup', /^require bindings\b/],
  ['a network or codec built-in', /^builtin (zlib|http|https|http2|tls|child_process|worker_threads)$/],
];

/** Run the bundled CLI under the require hook; returns its result and the trace lines. */
async function bundleTraced(args: string[]) {
  const { r, lines } = await runHooked(REQUIRE_TRACE, BERTH_CLI, 'BERTH_REQUIRE_TRACE', args);
  assert.ok(lines.length > 0, `the require hook wrote its trace (${args.join(' ')}): ${r.stderr}`);
  return { r, lines };
}

for (const c of CASES) {
  test(`the bundled berth ${c.args().join(' ')} loads nothing heavy`, async () => {
    const { r, lines } = await bundleTraced(c.args());
    assert.equal(r.code, 0, r.stderr);
    if (c.stdout) assert.match(r.stdout, c.stdout);
    const heavy = BUNDLE_HEAVY.flatMap(([what, re]) => lines.filter((l) => re.test(l)).map((l) => `${what}: ${l}`));
    assert.deepEqual(heavy, []);
    assert.equal(
      lines.some((l) => /better_sqlite3\.node$/.test(l)),
      c.store,
      c.store ? 'the store was opened (SQLite addon loaded)' : 'no store for this command',
    );
    // which bundle ran: the light one alone, or the full one (after the light one, when the
    // command line has a light command's word)
    const scripts = lines.filter((l) => l.startsWith('script ')).map((l) => l.replace(/^script .*\//, ''));
    assert.deepEqual(
      scripts,
      c.light ? ['light.cjs'] : c.args().some((a) => LIGHT_WORDS.includes(a)) ? ['light.cjs', 'bundle.cjs'] : ['bundle.cjs'],
    );
  });
}

test('the require trace sees what the bundle really loads (a short-name pull reads registries.conf with smol-toml)', async () => {
  const { r, lines } = await bundleTraced(['pull', 'startup-probe']);
  assert.notEqual(r.code, 0);
  assert.ok(
    lines.some((l) => /^require smol-toml\b/.test(l)),
    lines.join('\n'),
  );
});

/**
 * The built-ins a command loads beyond Node's own start-up, seen from a CommonJS harness (the
 * require hook above runs under `--import`, whose ESM loader has loaded Node's stream modules
 * already, so it cannot see them loaded).
 */
async function builtinsOf(args: string[]) {
  const file = join(dir, `builtins-${n++}.txt`);
  const harness = [
    'const start = new Set(process.moduleLoadList);',
    'const [cli, ...args] = JSON.parse(process.env.BERTH_TRACE_ARGS);',
    'process.argv = [process.argv[0], cli, ...args];',
    "process.on('exit', () => require('fs').writeFileSync(process.env.BERTH_TRACE_FILE,",
    "  process.moduleLoadList.filter((m) => !start.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')));",
    'require(cli);',
  ].join('\n');
  const r = await run(process.execPath, ['-e', harness], {
    env: { ...b.env, BERTH_TRACE_ARGS: JSON.stringify([BERTH_CLI, '--root', b.root, ...args]), BERTH_TRACE_FILE: file },
    input: '',
    timeoutMs: 60_000,
  });
  return { r, builtins: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

// Node's stream classes cost a few ms to load: the commands that print one block write it to
// the file descriptor, those that print nothing never touch stdout, and opening the store
// defines no stream class (blob writes do, when they first run).
for (const c of CASES.filter((x) => x.light)) {
  test(`the bundled berth ${c.args().join(' ')} loads no stream module`, async () => {
    const { r, builtins } = await builtinsOf(c.args());
    assert.equal(r.code, 0, r.stderr);
    if (c.stdout) assert.match(r.stdout, c.stdout);
    assert.ok(builtins.includes('vm'), `the harness saw the launcher run: ${builtins.join(' ')}`);
    assert.deepEqual(
      builtins.filter((m) => /stream|^net$|^tty$/.test(m)),
      [],
    );
  });
}

test('the stream modules show in the built-ins trace when a command writes through process.stdout (--help)', async () => {
  const { r, builtins } = await builtinsOf(['images', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    builtins.some((m) => /stream/.test(m)),
    builtins.join(' '),
  );
});
