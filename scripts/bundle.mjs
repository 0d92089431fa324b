// Usage: node scripts/bundle.mjs   (the second step of `npm run build`, after tsc)
// Builds the `berth` executable from the compiled CLI:
//   dist/cli/bundle.cjs        every command: dist/cli/main.js and everything it reaches,
//                              including every command module under dist/cli/commands/ (found
//                              by the bundler from the CLI's `import(`./commands/${module}.js`)`,
//                              so new commands need no list here)
//   dist/cli/light.cjs         the commands that only read or name images in the store
//                              (dist/cli/light.js; cli/light-commands.ts), about a third of the
//                              size: what every run of them pays to load
//   Each: the CLI and the library code it uses in one CommonJS module (better-sqlite3's
//   JavaScript included; other packages stay in node_modules and load when a command needs
//   them), written inside CommonJS's module wrapper, `(function (exports, require, module,
//   __filename, __dirname) { ... })`, which the launcher calls; modules the CLI reaches through
//   import() stay unrun until they are called; its last line is a hash of the rest (the code
//   cache's key).
//   dist/cli/berth.cjs         the launcher (cli/launcher.ts; package.json "bin")
//   dist/cli/*.cjs.cache       V8's code caches, written by running `berth images` (light) and
//                              `berth history` (full) once on a scratch store with one image
// The library's entries (package.json "exports") are not bundled: they stay the tsc output.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const { build } = await import('esbuild').catch((e) => {
  if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.error('bundle: the esbuild package is missing (a devDependency): run npm install');
  process.exit(1);
});
const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(repo, 'dist/cli');
// charset ascii (esbuild's default, said so): the launcher reads the bundle as latin1
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'none',
  charset: 'ascii',
  // a third less text to read, copy into V8 and scan for lazily compiled functions (~200 fewer
  // page faults per command); names stay, so errors and Go type names read as before
  minifyWhitespace: true,
  minifySyntax: true,
};

// The native addon is loaded by path (src/store/sqlite.ts), so the `bindings` lookup that
// better-sqlite3 otherwise runs never happens: keep it out of the bundle.
const keepExternal = {
  name: 'packages-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      if (a.path.startsWith('node:')) return { external: true };
      const pkg = a.path.startsWith('@') ? a.path.split('/').slice(0, 2).join('/') : a.path.split('/')[0];
      const inside = /[/\\]node_modules[/\\]better-sqlite3[/\\]/.test(a.importer);
      if (pkg === 'better-sqlite3' || (inside && pkg !== 'bindings')) return undefined;
      return { external: true };
    });
  },
};

// The light bundle's commands reach the whole library (src/index.js) only where
// cli/light-commands.ts sends the command line to the full bundle (inspect --size): a stand-in
// that fails loudly keeps the library out of it.
const fullOnly = {
  name: 'full-only',
  setup(b) {
    b.onResolve({ filter: /\/src\/index\.js$/ }, (a) =>
      a.kind === 'dynamic-import' ? { path: a.path, namespace: 'full-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'full-only' }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`berth: ${a.path} is not in the light bundle`)});`,
      loader: 'js',
    }));
  },
};

/** Bundle dist/cli/ENTRY into dist/cli/OUT (see the top of this file); returns its size. */
async function bundleCli(entry, out, plugins = []) {
  const r = await build({
    ...common,
    entryPoints: [join(dist, entry)],
    outfile: out,
    plugins: [keepExternal, ...plugins],
    // the few modules that locate files next to themselves (createRequire(import.meta.url))
    define: { 'import.meta.url': '__berth_module_url' },
    banner: {
      js: [
        `var __berth_module_url = require('node:url').pathToFileURL(__filename).href;`,
        // a built-in's exports, loaded when first touched (see \`lazy\` below)
        `var __berth_lazy = (id) => { let m; const load = () => (m ??= require(id)); return new Proxy({}, {`,
        `  get: (_, k) => load()[k], has: (_, k) => k in load(), ownKeys: () => Reflect.ownKeys(load()),`,
        `  getOwnPropertyDescriptor: (_, k) => { const d = Object.getOwnPropertyDescriptor(load(), k); if (d) d.configurable = true; return d; } }); };`,
      ].join('\n'),
    },
    write: false,
    metafile: true,
  });
  let text = r.outputFiles[0].text.replace(/^#!.*\n/, '');
  // import() of a package or built-in left outside stays import() in CommonJS output, which a
  // script compiled by vm (the launcher) cannot run: load those with require, with the namespace
  // import() would give (__toESM in Node mode: `default` is module.exports). Every package the CLI
  // uses has a CommonJS entry.
  const dynamic = new Set(
    Object.values(r.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external && x.kind === 'dynamic-import').map((x) => x.path)),
  );
  for (const spec of dynamic) {
    const call = `import(${JSON.stringify(spec)})`;
    if (!text.includes('__toESM(')) throw new Error('bundle: esbuild no longer defines __toESM');
    text = text.replaceAll(call, `Promise.resolve().then(() => __toESM(require(${JSON.stringify(spec)}), 1))`);
  }
  const left = text.match(/(?<![\w$.])import\((?!\s*["'`]\.)[^)]*\)/g)?.filter((m) => !/^import\("\.\/commands\//.test(m));
  if (left?.length) throw new Error(`bundle: import() the launcher cannot run: ${left.join(', ')}`);
  // Node's built-ins that its own start-up does not load (crypto, stream, os, ...) cost a few
  // milliseconds each to load, and modules that import them are initialised with the command
  // (store, digests) even when the command never calls into them (`image exists`, `tag`): such
  // a named import becomes a stand-in that loads the built-in on first use.
  const lazy =
    /\b([\w$]+) ?= ?require\("node:(crypto|stream|stream\/promises|os|child_process|zlib|tls|http|https|net|readline|util)"\)(?=[;,}])/g;
  if (!/\(0, ?import_node_\w+\.\w+\)\(/.test(text)) throw new Error('bundle: esbuild no longer calls named imports as properties');
  let made = 0;
  text = text.replace(lazy, (_, name, mod) => (made++, `${name} = __berth_lazy("node:${mod}")`));
  if (made === 0) throw new Error('bundle: no built-in import was made lazy (has esbuild changed how it writes require?)');
  if (/[\u0080-\uffff]/.test(text)) throw new Error('bundle: the bundle is not ASCII (the launcher reads it as latin1)');
  // CommonJS's module wrapper, written here so that the launcher compiles the file's text as it
  // is read (joining a wrapper to it there made V8 copy the whole text once more)
  text = `(function (exports, require, module, __filename, __dirname) { ${text}\n})\n`;
  text += `// build ${createHash('sha256').update(text).digest('hex').slice(0, 32)}\n`;
  writeFileSync(out, text);
  return text.length;
}

const full = await bundleCli('main.js', join(dist, 'bundle.cjs'));
const light = await bundleCli('light.js', join(dist, 'light.cjs'), [fullOnly]);
if (light > full / 2) throw new Error(`bundle: the light bundle (${light} bytes) is not light (the full one: ${full})`);

await build({
  ...common,
  // with cli/light-commands.ts (the words that select the light bundle); the modules it runs
  // without bundles stay outside
  entryPoints: [join(dist, 'launcher.js')],
  external: ['./main.js'],
  outfile: join(dist, 'berth.cjs'),
  // `--` ends node's own options: Node 20 would otherwise take a user's `--env-file FILE`
  // (berth create's) anywhere on the command line as its own
  banner: { js: '#!/usr/bin/env -S node --' },
});
chmodSync(join(dist, 'berth.cjs'), 0o755);

// The code caches: what `berth images` compiles over a store with one image (the light commands
// share most of it: start-up, flags, the store, names, output), and `berth history` for the full
// bundle.
const caches = ['light.cjs', 'bundle.cjs'].map((b) => `${join(dist, b)}.cache`);
for (const c of caches) rmSync(c, { force: true });
const tmp = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
try {
  const { Store } = await import(join(repo, 'dist/src/local.js'));
  const { importImage } = await import(join(repo, 'dist/src/index.js'));
  const { makeTar } = await import(join(repo, 'dist/test/helpers/tools.js'));
  // a policy of its own: the build must not depend on the machine's containers configuration
  const policy = join(tmp, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const store = Store.open({ root: join(tmp, 'store') });
  try {
    await importImage(store, {
      input: Readable.from([makeTar({ 'etc/hello': 'hello\n' })]),
      reference: 'localhost/warm/up:1',
      signaturePolicy: policy,
    });
  } finally {
    store.close();
  }
  for (const args of [['images'], ['history', 'localhost/warm/up:1']])
    execFileSync(process.execPath, [join(dist, 'berth.cjs'), '--root', join(tmp, 'store'), ...args], { stdio: 'ignore' });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
for (const c of caches) {
  try {
    readFileSync(c);
  } catch {
    console.error(`bundle: no code cache was written for ${c} (the CLI runs without one)`);
  }
}
