#!/usr/bin/env node
// Generate docs/api.md from the public entry (src/index.ts) with the TypeScript compiler:
// every export, its signature or shape, and its doc comment. `npm run docs`; `--check` fails
// when docs/api.md is out of date.
import ts from 'typescript';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'src', 'index.ts');
const OUT = join(ROOT, 'docs', 'api.md');

const program = ts.createProgram([ENTRY], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  types: ['node'],
});
const checker = program.getTypeChecker();
const entry = program.getSourceFile(ENTRY);
const moduleSymbol = checker.getSymbolAtLocation(entry);
const FMT =
  ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.WriteArrowStyleSignature;

const resolve = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
const doc = (s) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
const oneLine = (t) => t.replace(/\s+/g, ' ').trim();
const where = (s) => {
  const d = s.declarations?.[0];
  return d ? relative(ROOT, d.getSourceFile().fileName) : '';
};
const isPublicMember = (m) => {
  const d = m.declarations?.[0];
  if (!d) return false;
  const mods = ts.getCombinedModifierFlags(d);
  return !(mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !m.name.startsWith('#') && !m.name.startsWith('__');
};

function signatures(name, type) {
  return type.getCallSignatures().map((sig) => `${name}${checker.signatureToString(sig, undefined, FMT)}`);
}

function members(type, decl) {
  const out = [];
  for (const m of checker.getPropertiesOfType(type)) {
    if (!isPublicMember(m)) continue;
    const t = checker.getTypeOfSymbolAtLocation(m, decl);
    const calls = t.getCallSignatures();
    const optional = m.flags & ts.SymbolFlags.Optional ? '?' : '';
    const line =
      calls.length && m.flags & ts.SymbolFlags.Method
        ? calls.map((c) => `${m.name}${checker.signatureToString(c, decl, FMT)}`).join('; ')
        : `${m.name}${optional}: ${checker.typeToString(t, decl, FMT)}`;
    const d = oneLine(doc(m));
    out.push(`- \`${oneLine(line)}\`${d ? ` — ${d}` : ''}`);
  }
  return out;
}

function section(exportName, sym, depth) {
  const s = resolve(sym);
  const decl = s.declarations?.[0];
  if (!decl) return [];
  const h = '#'.repeat(depth);
  const out = [];
  const d = doc(s);
  if (s.flags & ts.SymbolFlags.Module && !(s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function))) {
    out.push(`${h} namespace \`${exportName}\``, '');
    for (const e of checker.getExportsOfModule(s).sort((a, b) => a.name.localeCompare(b.name)))
      out.push(...section(`${exportName}.${e.name}`, e, depth + 1));
    return out;
  }
  if (s.flags & ts.SymbolFlags.Class) {
    out.push(`${h} class \`${exportName}\``, '', `<sub>${where(s)}</sub>`, '');
    if (d) out.push(d, '');
    const ctorType = checker.getTypeOfSymbolAtLocation(s, decl);
    const statics = checker.getPropertiesOfType(ctorType).filter((m) => m.name !== 'prototype' && isPublicMember(m));
    for (const m of statics) {
      const t = checker.getTypeOfSymbolAtLocation(m, decl);
      const md = oneLine(doc(m));
      for (const sig of signatures(`static ${m.name}`, t)) out.push(`- \`${oneLine(sig)}\`${md ? ` — ${md}` : ''}`);
    }
    out.push(...members(checker.getDeclaredTypeOfSymbol(s), decl), '');
    return out;
  }
  if (s.flags & ts.SymbolFlags.Function) {
    const t = checker.getTypeOfSymbolAtLocation(s, decl);
    out.push(`${h} function \`${exportName}\``, '', `<sub>${where(s)}</sub>`, '', '```ts', ...signatures(exportName, t), '```', '');
    if (d) out.push(d, '');
    return out;
  }
  if (s.flags & ts.SymbolFlags.Interface) {
    out.push(`${h} interface \`${exportName}\``, '', `<sub>${where(s)}</sub>`, '');
    if (d) out.push(d, '');
    out.push(...members(checker.getDeclaredTypeOfSymbol(s), decl), '');
    return out;
  }
  if (s.flags & ts.SymbolFlags.TypeAlias) {
    const t = checker.getDeclaredTypeOfSymbol(s);
    out.push(
      `${h} type \`${exportName}\``,
      '',
      `<sub>${where(s)}</sub>`,
      '',
      '```ts',
      `type ${exportName} = ${checker.typeToString(t, decl, FMT | ts.TypeFormatFlags.InTypeAlias)}`,
      '```',
      '',
    );
    if (d) out.push(d, '');
    return out;
  }
  if (s.flags & ts.SymbolFlags.Variable) {
    const t = checker.getTypeOfSymbolAtLocation(s, decl);
    // a constant typed as a function (`typeof f`, e.g. an operation loaded on first call) is that function
    const target = t.getSymbol();
    if (target && target.flags & ts.SymbolFlags.Function && target !== s) {
      out.push(`${h} function \`${exportName}\``, '', `<sub>${where(target)}</sub>`, '', '```ts', ...signatures(exportName, t), '```', '');
      const td = d || doc(target);
      if (td) out.push(td, '');
      return out;
    }
    out.push(
      `${h} const \`${exportName}\``,
      '',
      `<sub>${where(s)}</sub>`,
      '',
      '```ts',
      `const ${exportName}: ${checker.typeToString(t, decl, FMT)}`,
      '```',
      '',
    );
    if (d) out.push(d, '');
    return out;
  }
  return out;
}

const exportsList = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
const lines = [
  '# berth API',
  '',
  'Generated from the types of the package entry (`src/index.ts`) by `npm run docs`; do not edit.',
  'Everything here is importable from `berth`; nothing else is.',
  '',
  '## Contents',
  '',
  exportsList.map((e) => `\`${e.name}\``).join(' · '),
  '',
];
for (const e of exportsList) lines.push(...section(e.name, e, 2));
const text = `${lines
  .join('\n')
  .replace(/\n{3,}/g, '\n\n')
  // Why: the checker names types from other modules as import("<absolute path>").Name; the
  // path differs per checkout, so the docs keep the bare type name.
  .replace(/import\("[^"]*"\)\./g, '')
  .trimEnd()}\n`;

if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(OUT, 'utf8');
  } catch {
    /* missing */
  }
  if (old !== text) {
    process.stderr.write('docs/api.md is out of date: run "npm run docs"\n');
    process.exit(1);
  }
} else {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
  process.stdout.write(`wrote ${relative(ROOT, OUT)} (${exportsList.length} exports)\n`);
}
