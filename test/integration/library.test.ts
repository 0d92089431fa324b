/**
 * The public library against a real registry (Debian docker-registry on 127.0.0.1):
 * - examples/ compile with `tsc --strict` against the package entry ("berth", resolved through
 *   package.json "exports") and run: pull with progress, list, tag, save;
 * - an AbortSignal stops a pull with code ABORTED and leaves the store as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startRegistry, REGISTRY_BIN, type Registry } from '../helpers/registry.js';
import { run, runOk, makeTar } from '../helpers/tools.js';
import { Store, importImage, pushImage, pullImage, listImages, type ProgressEvent } from '../../src/index.js';
import { expectError } from '../helpers/expect-error.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = path.join(ROOT, 'dist', 'examples');
const skip = fs.existsSync(REGISTRY_BIN) ? false : `${REGISTRY_BIN} not installed`;
const T = { timeout: 120_000 };

describe('library: examples and AbortSignal against a real registry', { skip }, () => {
  let reg: Registry;
  let work: string;
  let imageName: string;
  let imageId: string;
  let bigName: string;

  /** Import a one-layer image from `files` into a scratch store and push it to the registry. */
  async function seed(name: string, files: Record<string, string | Buffer>): Promise<string> {
    const dir = fs.mkdtempSync(path.join(work, 'seed-'));
    const tar = path.join(dir, 'rootfs.tar');
    fs.writeFileSync(tar, makeTar(files));
    const store = Store.open({ root: path.join(dir, 'store') });
    try {
      const { id } = await importImage(store, { input: tar, reference: 'seed:1' });
      await pushImage(store, 'seed:1', `docker://${name}`, { tlsVerify: false });
      return id;
    } finally {
      store.close();
    }
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-library-'));
    reg = await startRegistry();
    imageName = `${reg.host}/examples/hello:1`;
    imageId = await seed(imageName, { 'hello.txt': 'hello from the examples\n' });
    bigName = `${reg.host}/examples/big:1`;
    await seed(bigName, { 'big.bin': randomBytes(24 << 20) });
  }, T);
  after(async () => {
    await reg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('examples compile with tsc --strict against the package entry', T, async () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run(process.execPath, [tsc, '-p', path.join(ROOT, 'examples', 'tsconfig.json')], { cwd: ROOT });
    assert.equal(r.code, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { strict?: boolean };
    };
    assert.equal(cfg.compilerOptions.strict, true);
    for (const f of fs.readdirSync(path.join(ROOT, 'examples')).filter((x) => x.endsWith('.ts'))) {
      const src = fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8');
      assert.match(src, /from 'berth'/, `${f} uses the package entry`);
      assert.doesNotMatch(src, /from '\.\.?\//, `${f} imports nothing by path`);
      assert.ok(fs.existsSync(path.join(EXAMPLES, f.replace(/\.ts$/, '.js'))), `${f} compiled`);
    }
  });

  test('the package entry is the only importable module', T, async () => {
    const ok = await run(
      process.execPath,
      ['--input-type=module', '-e', "const b = await import('berth'); console.log(typeof b.Store, typeof b.openImage)"],
      { cwd: ROOT },
    );
    assert.equal(ok.stdout.trim(), 'function function', ok.stderr);
    const internal = await run(process.execPath, ['--input-type=module', '-e', "await import('berth/dist/src/store/index-db.js')"], {
      cwd: ROOT,
    });
    assert.notEqual(internal.code, 0);
    assert.match(internal.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  test('examples run: pull with progress, list, tag, save', T, async () => {
    const store = path.join(work, 'examples-store');
    const ex = (name: string, ...args: string[]) => runOk(process.execPath, [path.join(EXAMPLES, `${name}.js`), ...args], { cwd: work });

    const pull = await ex('pull-with-progress', store, imageName, '--tls-verify=false');
    const lines = pull.stdout.trim().split('\n');
    assert.equal(lines.at(-1), imageId, 'prints the pulled image ID');
    assert.ok(
      lines.some((l) => /^layer sha256:[0-9a-f]{64} \d+ bytes$/.test(l)),
      `a progress line per layer:\n${pull.stdout}`,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`config sha256:${imageId} `)),
      'the config is reported',
    );

    const list = await ex('list-images', store);
    assert.match(list.stdout, new RegExp(`^${imageName.replace(/[.:/]/g, '\\$&')} ${imageId.slice(0, 12)} \\d+$`, 'm'));

    const tag = await ex('tag-image', store, imageId.slice(0, 10), 'renamed:2');
    assert.deepEqual(tag.stdout.trim().split('\n').slice(1).sort(), [imageName, 'localhost/renamed:2'].sort());
    assert.equal(tag.stdout.split('\n')[0], imageId);
    const s = Store.open({ root: store });
    try {
      assert.deepEqual(
        listImages(s)
          .images.flatMap((i) => i.names)
          .sort(),
        [imageName, 'localhost/renamed:2'].sort(),
      );
    } finally {
      s.close();
    }

    const archive = path.join(work, 'saved.tar');
    const save = await ex('save-image', store, 'renamed:2', archive);
    assert.equal(save.stdout.trim(), `saved ${imageId} to ${archive}`);
    const tar = fs.readFileSync(archive);
    assert.ok(tar.includes(Buffer.from('"RepoTags":["localhost/renamed:2"]')), 'docker-archive manifest names the image');
    assert.ok(tar.includes(Buffer.from(`${imageId}.json`)), 'the config is in the archive under its ID');

    const missing = await run(process.execPath, [path.join(EXAMPLES, 'tag-image.js'), store, 'nope', 'x']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'IMAGE_NOT_FOUND: nope: image not known\n');
  });

  test('an AbortSignal stops a pull with code ABORTED; the store is unchanged', T, async () => {
    const root = path.join(work, 'abort-store');
    const store = Store.open({ root });
    try {
      // already aborted: nothing starts
      const pre = new AbortController();
      pre.abort();
      await assert.rejects(pullImage(store, bigName, { tlsVerify: false, signal: pre.signal }), expectError('ABORTED'));

      // aborted in the middle of the big layer
      const ac = new AbortController();
      let copying = 0;
      const onProgress = (e: ProgressEvent) => {
        if (e.kind === 'blob' && e.state === 'copying' && !e.isConfig && (e.bytes ?? 0) > 0) {
          copying++;
          ac.abort();
        }
      };
      await assert.rejects(pullImage(store, bigName, { tlsVerify: false, signal: ac.signal, onProgress }), expectError('ABORTED'));
      assert.ok(copying > 0, 'the layer transfer had started');
      // a reason given by the caller is kept
      const why = new AbortController();
      why.abort(new Error('user pressed stop'));
      await assert.rejects(
        pullImage(store, bigName, { tlsVerify: false, signal: why.signal }),
        expectError('ABORTED', /user pressed stop/),
      );

      assert.deepEqual(store.listImages(), [], 'no image recorded');
      store.gc();
      const blobs = fs.readdirSync(path.join(root, 'blobs', 'sha256'));
      assert.deepEqual(blobs, [], 'no blob left behind');
    } finally {
      store.close();
    }
  });
});
