/**
 * The `berth` executable (built into dist/cli/berth.cjs by scripts/bundle.mjs; CommonJS, so
 * `__dirname` is defined there). It runs the CLI from a bundled file, each compiled with V8's
 * code cache (FILE.cache): Node 20 caches no compiled code of its own, and reading ~60 ES
 * modules and compiling them on every run cost more than anything a listing does. Commands a
 * bundle reaches through `import()` are wrapped by the bundler and stay uncompiled and unrun
 * until a command calls them, so a listing pays only for what it uses. Two bundles: the light
 * one, dist/cli/light.cjs, with the commands that only read or name images in the store
 * (cli/light-commands.ts), tried first when the command line holds one of their words, and
 * dist/cli/bundle.cjs with every command, run when the light one does not take the command
 * line. A cache is written at build time and again whenever V8 rejects it (a different Node
 * version or V8 flags), if the directory is writable. Without bundles (only `tsc` was run)
 * the CLI runs from its modules. A script compiled by vm cannot run import() (Node 20 needs
 * an experimental flag for it): scripts/bundle.mjs turns a bundle's import() of packages into
 * require.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { LIGHT_WORDS } from './light-commands.js';

/**
 * The bundle's text, or undefined when there is none. The bundle is ASCII (scripts/bundle.mjs
 * makes sure), so it is read as latin1: a plain copy, where UTF-8 would be decoded.
 */
function readBundle(bundle: string): string | undefined {
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

/**
 * What a cache file starts with: the stamp line, then spaces up to a multiple of 8 bytes, so
 * that V8's bytes after it are as aligned as the file's buffer (V8 copies cached data that is
 * not pointer-aligned before it reads it).
 */
function cacheHead(stamp: string): Buffer {
  return Buffer.from(stamp.padEnd(Math.ceil(stamp.length / 8) * 8, ' '));
}

/** The cached data written for this bundle, if any: a stamp line, then V8's bytes. */
function readCache(cacheFile: string, stamp: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const head = cacheHead(stamp);
  return bytes.length > head.length && bytes.subarray(0, head.length).equals(head) ? bytes.subarray(head.length) : undefined;
}

/** Write the cache after the command ran (so it holds the functions the command compiled). */
function writeCache(cacheFile: string, script: Script, stamp: string): void {
  try {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([cacheHead(stamp), script.createCachedData()]));
    renameSync(tmp, cacheFile);
  } catch {
    // a read-only install: run without a cache
  }
}

/** Run the bundle dist/cli/NAME; returns its exports, or undefined when there is no such bundle. */
function runBundle(name: string): { handled?: boolean } | undefined {
  const bundle = join(__dirname, name);
  const cacheFile = `${bundle}.cache`;
  const source = readBundle(bundle);
  if (source === undefined) return undefined;
  const stamp = stampOf(source);
  const cachedData = readCache(cacheFile, stamp);
  // the bundle is CommonJS's own wrapper around the CLI (scripts/bundle.mjs writes it so: a
  // wrapper added here would make V8 copy the whole text once more), so that it sees require,
  // module and __filename as usual
  const script = new Script(source, { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => writeCache(cacheFile, script, stamp));
  type Body = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {} };
  (script.runInThisContext() as Body).call(module.exports, module.exports, createRequire(bundle), module, bundle, __dirname);
  return module.exports;
}

const light = process.argv.slice(2).some((a) => LIGHT_WORDS.includes(a)) ? runBundle('light.cjs') : undefined;
if (light?.handled !== true && runBundle('bundle.cjs') === undefined) void import('./main.js');
