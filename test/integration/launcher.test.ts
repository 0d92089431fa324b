/**
 * The `berth` executable (dist/cli/berth.cjs) runs the bundled CLI with V8's code cache
 * (dist/cli/bundle.cjs.cache): a missing, foreign or damaged cache never changes what berth
 * does, and is written again. The light commands run from their own bundle (light.cjs) and
 * cache; a command line the light bundle does not take runs from the full one. Runs a copy of the launcher and bundle in a scratch directory
 * inside dist/ (so the packages still resolve).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/tools.js';

const CLI_DIR = fileURLToPath(new URL('../../cli/', import.meta.url));
const dir = mkdtempSync(join(CLI_DIR, '..', 'launcher-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['berth.cjs', 'bundle.cjs', 'light.cjs']) copyFileSync(join(CLI_DIR, f), join(dir, f));
const cache = join(dir, 'bundle.cjs.cache');
const stamp = (() => {
  const text = readFileSync(join(dir, 'bundle.cjs'), 'utf8').trimEnd();
  return `${text.slice(text.lastIndexOf('\n') + 1)}\n`;
})();

const version = async () => {
  const r = await run(process.execPath, [join(dir, 'berth.cjs'), '--version'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'berth version 0.1.0\n');
  assert.equal(r.stderr, '');
};

test('the bundle ends with its content hash, the key of its code cache', () => {
  assert.match(stamp, /^\/\/ build [0-9a-f]{32}\n$/);
});

test('without a cache, berth runs and writes one; with it, berth runs and leaves it', async () => {
  rmSync(cache, { force: true });
  await version();
  assert.ok(existsSync(cache), 'the cache was written');
  const bytes = readFileSync(cache);
  assert.equal(bytes.subarray(0, stamp.length).toString(), stamp);
  assert.ok(bytes.length > stamp.length + 1000, 'V8 data follows the stamp');
  const before = statSync(cache).mtimeMs;
  await version();
  assert.equal(statSync(cache).mtimeMs, before, 'an accepted cache is not written again');
});

test('a damaged cache or one of another bundle is ignored and replaced', async () => {
  writeFileSync(cache, Buffer.concat([Buffer.from(stamp), Buffer.alloc(4096, 7)]));
  await version();
  const fixed = readFileSync(cache);
  assert.notDeepEqual(
    fixed.subarray(stamp.length, stamp.length + 64),
    Buffer.alloc(64, 7),
    'V8 rejected the damaged data and it was replaced',
  );
  writeFileSync(cache, Buffer.concat([Buffer.from('// build 0000\n'), fixed.subarray(stamp.length)]));
  await version();
  assert.equal(readFileSync(cache).subarray(0, stamp.length).toString(), stamp, 'a cache of another bundle was replaced');
});

test('a cache written by a registry command (it changes V8 flags while it runs) is accepted by the next command', async () => {
  rmSync(cache, { force: true });
  const root = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
  try {
    // nothing listens on port 1: the pull fails at once, after its V8 settings were made
    const args = [join(dir, 'berth.cjs'), '--root', root, 'pull', '--retry', '0', '--tls-verify=false', '127.0.0.1:1/none:1'];
    const r = await run(process.execPath, args, { timeoutMs: 60_000 });
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.ok(existsSync(cache), 'the pull wrote the cache');
    const before = statSync(cache).mtimeMs;
    await version();
    assert.equal(statSync(cache).mtimeMs, before, 'the next command accepted the cache the pull wrote');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a light command runs from the light bundle and its cache; what it does not take runs from the full bundle', async () => {
  const lightCache = join(dir, 'light.cjs.cache');
  const root = join(dir, 'no-store');
  rmSync(cache, { force: true });
  rmSync(lightCache, { force: true });
  const images = await run(process.execPath, [join(dir, 'berth.cjs'), '--root', root, 'images'], { timeoutMs: 60_000 });
  assert.equal(images.code, 0, images.stderr);
  assert.match(images.stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n$/);
  assert.ok(existsSync(lightCache), 'the light bundle ran and wrote its cache');
  assert.ok(!existsSync(cache), 'the full bundle did not run');
  assert.ok(!existsSync(root), 'a listing creates no store');
  // the light bundle reads the command line, finds help, and leaves it to the full bundle
  const help = await run(process.execPath, [join(dir, 'berth.cjs'), 'images', '--help'], { timeoutMs: 60_000 });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage:/m);
  assert.ok(existsSync(cache), 'the full bundle ran');
  // a usage error is the full bundle's to report, once
  const bad = await run(process.execPath, [join(dir, 'berth.cjs'), '--root', root, 'images', '--bogus'], { timeoutMs: 60_000 });
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr, 'Error: unknown flag: --bogus\n');
});
