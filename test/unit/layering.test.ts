// House rules that reading the code should not have to re-check: which way imports run, and
// that the copy engine decides from what a destination asks for, never from its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic import() calls. */
function imports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push(m[1] ?? m[2]!);
  return out;
}

test('imports(): finds static, re-export and dynamic imports (so the rules below can fail)', () => {
  const text =
    "import { a } from '../images/a.js';\nexport * from './b.js';\nconst x = await import('../images/c.js');\nimport type {\n  D,\n} from '../d.js';";
  assert.deepEqual(imports(text), ['../images/a.js', './b.js', '../images/c.js', '../d.js']);
});

test('no module under src/transports/ imports the image service (src/images/)', () => {
  const images = join(SRC, 'images');
  const bad: string[] = [];
  const files = sources(join(SRC, 'transports'));
  assert.ok(files.length > 20, `expected the transport sources under ${SRC}`);
  for (const f of files) {
    for (const spec of imports(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      if (target === images || target.startsWith(images + '/')) bad.push(`${relative(SRC, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

/**
 * Comparisons with or branches on a transport's name (`x.transport === 'dir'`, `switch (x.transport)`,
 * `instanceof DirRef`). Printing the name in a message is not a branch and is allowed.
 */
const TRANSPORT_BRANCH =
  /\.transport\s*[!=]==?|[!=]==?\s*[\w.?]*\.transport\b|switch\s*\(\s*[\w.?]*\.transport\s*\)|instanceof\s+\w+Ref\b/g;

test('the transport-branch pattern catches branches and lets a printed name pass', () => {
  const caught = (s: string) => [...s.matchAll(TRANSPORT_BRANCH)].length > 0;
  for (const s of [
    "if (dest.ref.transport === 'dir')",
    "if ('dir' !== ref.transport)",
    'switch (dest.ref.transport) {',
    'if (ref instanceof DirRef)',
  ])
    assert.ok(caught(s), s);
  for (const s of ['`transport ${JSON.stringify(dest.ref.transport)} does not support`', 'log(ref.transport)', 'ref.transportName'])
    assert.ok(!caught(s), s);
});

test('the copy engine (src/copy/) never tests a transport name', () => {
  const bad: string[] = [];
  const files = sources(join(SRC, 'copy'));
  assert.ok(
    files.some((f) => f.endsWith('copy.ts')),
    'expected src/copy/copy.ts',
  );
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const name = relative(SRC, f);
    // from the transports, only their contracts
    for (const spec of imports(text)) {
      const target = resolve(dirname(f), spec);
      if (target.startsWith(join(SRC, 'transports') + '/') && target !== join(SRC, 'transports', 'types.js'))
        bad.push(`${name} imports ${spec}`);
    }
    for (const m of text.matchAll(TRANSPORT_BRANCH)) bad.push(`${name}: ${m[0]}`);
    for (const m of text.matchAll(/['"`](docker-archive|oci-archive|dir|containers-storage|docker:\/\/)['"`:]/g))
      bad.push(`${name}: ${m[0]}`);
  }
  assert.deepEqual(bad, []);
});

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The public entries: the sources of package.json "exports" (dist/src/x.js -> src/x.ts). */
function publicEntries(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { default: string }> };
  const out = new Map<string, string>();
  for (const [sub, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    const m = /^\.\/dist\/(src\/.+)\.js$/.exec(file);
    if (m) out.set(sub, join(ROOT, `${m[1]}.ts`));
  }
  return out;
}

/** Static import closure (no dynamic import(), no `import type`) of a source file. */
function staticClosure(file: string): Set<string> {
  const seen = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(
      /(?:^|\n)\s*(import|export)\s+(type\s)?[^'"]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
    )) {
      if (m[2]) continue;
      const spec = m[3] ?? m[4]!;
      if (spec.startsWith('.')) walk(resolve(dirname(f), spec).replace(/\.js$/, '.ts'));
      else seen.add(`package:${spec}`);
    }
  };
  walk(file);
  return seen;
}

test('cli/ imports from src/ only public entries (package.json "exports")', () => {
  const files = sources(join(ROOT, 'cli'));
  assert.ok(files.length > 20, `expected the CLI sources under ${ROOT}cli`);
  const entries = new Set([...publicEntries().values()].map((f) => f.replace(/\.ts$/, '.js')));
  assert.ok(entries.has(join(SRC, 'index.js')) && entries.size > 1, 'package.json declares the entries');
  const bad: string[] = [];
  let viaEntry = 0;
  for (const f of files) {
    for (const spec of imports(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      if (entries.has(target)) viaEntry++;
      else if (target.startsWith(SRC)) bad.push(`${relative(ROOT, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(viaEntry > 10, 'the commands use the library through its entries');
});

// Start-up time: a program pays for every module its imports reach.
const HEAVY = [/^src\/copy\/copy\.ts$/, /^package:undici/, /^package:openpgp/];
const HEAVIER_THAN_LOCAL = [
  /^src\/(copy|transports|config|auth|compression)\//,
  /^src\/(index|lazy)\.ts$/,
  /^package:(undici|smol-toml|fzstd|openpgp)/,
];

test('staticClosure(): follows re-exports, skips type-only imports (so the rules below can fail)', () => {
  const all = [...staticClosure(join(SRC, 'index.ts'))].map((f) => (f.startsWith('/') ? relative(ROOT, f) : f));
  assert.ok(all.includes('src/images/list.ts') && all.includes('package:better-sqlite3'), all.join(' '));
  assert.ok(!all.includes('src/images/pull.ts'), 'pull is reached only through the lazy forwarders');
});

test('the public entry reaches the copy engine and the registry client only lazily', () => {
  const bad = [...staticClosure(join(SRC, 'index.ts'))]
    .map((f) => (f.startsWith('/') ? relative(ROOT, f) : f))
    .filter((f) => HEAVY.some((re) => re.test(f)));
  assert.deepEqual(bad, []);
});

test('the smaller public entries stay cheap (no engine, transports, config, auth, codecs)', () => {
  const entries = publicEntries();
  for (const sub of ['./local', './go', './errors', './log']) assert.ok(entries.has(sub), `package.json exports ${sub}`);
  for (const [sub, file] of entries) {
    if (sub === '.') continue;
    const bad = [...staticClosure(file)]
      .map((f) => (f.startsWith('/') ? relative(ROOT, f) : f))
      .filter((f) => HEAVIER_THAN_LOCAL.some((re) => re.test(f)));
    assert.deepEqual(bad, [], `berth${sub.slice(1)} (${relative(ROOT, file)})`);
  }
});

test('the README layout section names every directory of src/ and cli/, and only those', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Layout\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  assert.ok(section, 'README.md has a "## Layout" section');
  const named = new Set([...section.matchAll(/`((?:src|cli)\/[\w-]+)\/`/g)].map((m) => m[1]!));
  const actual = new Set(
    ['src', 'cli'].flatMap((top) =>
      readdirSync(join(ROOT, top), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => `${top}/${e.name}`),
    ),
  );
  assert.deepEqual([...actual].filter((d) => !named.has(d)).sort(), [], 'directories the README does not describe');
  assert.deepEqual([...named].filter((d) => !actual.has(d)).sort(), [], 'directories the README names that do not exist');
});
