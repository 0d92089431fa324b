/**
 * The CLI is a client of the public library: every import from cli/ that reaches into src/
 * goes through src/index.ts (the package entry), never an internal module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
export function importSpecifiers(text: string): string[] {
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"`]([^'"`]+)['"`]\s*\)/g;
  const out: string[] = [];
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

test('cli/ imports nothing from src/ but the public entry src/index.ts', () => {
  const files = sources(join(ROOT, 'cli'));
  assert.ok(files.length > 20, `cli sources found (${files.length})`);
  const bad: string[] = [];
  let viaIndex = 0;
  for (const f of files) {
    for (const spec of importSpecifiers(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(ROOT, join(f, '..', spec));
      if (!target.startsWith('src/') && !target.startsWith(`src${'\\'}`)) continue;
      if (target === 'src/index.js') viaIndex++;
      else bad.push(`${relative(ROOT, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(viaIndex > 10, 'the commands use the library through its entry');
});

test('the import scanner sees static, type-only, side-effect and dynamic imports', () => {
  const specs = importSpecifiers(`import { a } from '../src/x.js';\nimport type { B } from "../src/y.js";\nexport { c } from '../src/z.js';\nimport '../src/side.js';\nconst m = await import('../src/dyn.js');\n`);
  assert.deepEqual(specs, ['../src/x.js', '../src/y.js', '../src/z.js', '../src/side.js', '../src/dyn.js']);
});
