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
    // comparisons with or branches on a transport name
    for (const m of text.matchAll(/\.transport\s*(?:[!=]==?|\))|(?:[!=]==?)\s*[\w.?]*\.transport\b|instanceof\s+\w+Ref\b/g))
      bad.push(`${name}: ${m[0]}`);
    for (const m of text.matchAll(/['"`](docker-archive|oci-archive|dir|containers-storage|docker:\/\/)['"`:]/g))
      bad.push(`${name}: ${m[0]}`);
  }
  assert.deepEqual(bad, []);
});

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('cli/ imports nothing from src/ but the public entry src/index.ts', () => {
  const files = sources(join(ROOT, 'cli'));
  assert.ok(files.length > 20, `expected the CLI sources under ${ROOT}cli`);
  const entry = join(SRC, 'index.js');
  const bad: string[] = [];
  let viaEntry = 0;
  for (const f of files) {
    for (const spec of imports(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      if (target === entry) viaEntry++;
      else if (target.startsWith(SRC)) bad.push(`${relative(ROOT, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(viaEntry > 10, 'the commands use the library through its entry');
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
