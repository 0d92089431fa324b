/**
 * The `berth` executable (built into dist/cli/berth.cjs by scripts/bundle.mjs; CommonJS, so
 * `__dirname` is defined there). It runs the CLI from one bundled file, dist/cli/bundle.cjs,
 * compiled with V8's code cache (dist/cli/bundle.cjs.cache): Node 20 caches no compiled
 * code of its own, and reading ~60 ES modules and compiling them on every run cost more than
 * anything a listing does. Commands the bundle reaches through `import()` are wrapped by the
 * bundler and stay uncompiled and unrun until a command calls them, so a listing pays only
 * for what it uses. The cache is written at build time and again whenever V8 rejects it (a
 * different Node version or V8 flags), if the directory is writable. Without a bundle (only
 * `tsc` was run) the CLI runs from its modules. A script compiled by vm cannot run import()
 * (Node 20 needs an experimental flag for it): scripts/bundle.mjs turns the bundle's import()
 * of packages into require.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'bundle.cjs');
const cacheFile = `${bundle}.cache`;

/**
 * The bundle's text, or undefined when there is none. The bundle is ASCII (scripts/bundle.mjs
 * makes sure), so it is read as latin1: a plain copy, where UTF-8 would be decoded.
 */
function readBundle(): string | undefined {
  try {
    return readFileSync(bundle, 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * What ties a cache to this very bundle (V8 itself checks only the source's length): the
 * content hash scripts/bundle.mjs writes as the bundle's last line.
 */
function stampOf(source: string): string {
  return `${source.slice(source.lastIndexOf('\n', source.length - 2) + 1).trim()}\n`;
}

/** The cached data written for this bundle, if any: a stamp line, then V8's bytes. */
function readCache(stamp: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const head = Buffer.from(stamp);
  return bytes.length > head.length && bytes.subarray(0, head.length).equals(head) ? bytes.subarray(head.length) : undefined;
}

/** Write the cache after the command ran (so it holds the functions the command compiled). */
function writeCache(script: Script, stamp: string): void {
  try {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(stamp), script.createCachedData()]));
    renameSync(tmp, cacheFile);
  } catch {
    // a read-only install: run without a cache
  }
}

const source = readBundle();
if (source === undefined) {
  void import('./main.js');
} else {
  const stamp = stampOf(source);
  const cachedData = readCache(stamp);
  // CommonJS's own wrapper, so that the bundle sees require, module and __filename as usual
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => writeCache(script, stamp));
  type Body = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {} };
  (script.runInThisContext() as Body).call(module.exports, module.exports, createRequire(bundle), module, bundle, __dirname);
}
