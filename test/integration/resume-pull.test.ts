/**
 * Pulls that resume across runs: a pull of a large image is interrupted (lost connection,
 * stalled transfer, registry stopped, SIGINT, SIGTERM, SIGKILL); the bytes it wrote stay in
 * ROOT/partials/ and the next pull — from the same registry or another mirror — fetches only
 * the rest (counted at the fault proxy), verifies the whole blob and leaves no partial behind.
 * Kept bytes that were tampered with are discarded and fetched again. gc removes partials by
 * age (or all with --partials) but never one a running berth holds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { copyImage } from '../../src/copy/copy.js';
import { Store } from '../../src/store/store.js';
import { LocalDestination, LocalRef } from '../../src/transports/local/local.js';
import { DockerDestination, DockerSource, parseDockerRef, type DockerTransportOptions } from '../../src/transports/docker/index.js';
import type { ProgressEvent } from '../../src/transports/types.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy, type RecordedRequest } from '../helpers/fault-proxy.js';
import { scratchBerth, BERTH_CLI, type ScratchBerth } from '../helpers/berth.js';
import { MemorySource, bigLayer, buildImage, type TestImage } from './docker-fixtures.js';
import { expectError } from '../helpers/expect-error.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const MB = 1 << 20;
/** No resuming inside one run: an interruption ends the pull, as a lost network for hours would. */
const ONE_SHOT = {
  insecure: true,
  retry: { max: 0, delayMs: 10 },
  resume: { maxResumes: 0 },
  timeoutMs: 10_000,
} satisfies DockerTransportOptions;
const REPO = 'resume/big';

async function push(img: TestImage, host: string, repoTag: string) {
  const dest = new DockerDestination(parseDockerRef(`//${host}/${repoTag}`), { insecure: true });
  try {
    await copyImage(new MemorySource(img), dest);
  } finally {
    await dest.close();
  }
}

async function pull(store: Store, host: string, opts: DockerTransportOptions = {}, events?: ProgressEvent[]) {
  const src = new DockerSource(parseDockerRef(`//${host}/${REPO}:v1`), { ...ONE_SHOT, ...opts });
  const dest = new LocalDestination(new LocalRef(store, undefined, [`${host}/${REPO}:v1`]));
  try {
    return await copyImage(src, dest, { onProgress: events && ((e) => events.push(e)) });
  } finally {
    await dest.close();
    await src.close();
  }
}

function flipByte(file: string, at: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
}

describe('pulls resume across runs', { skip }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let img: TestImage;
  let layer: { digest: string; size: number };
  let blobPath: string;
  let tmp: string;
  let n = 0;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-resume-'));
    reg = await startRegistry({ storageDir: path.join(tmp, 'registry') });
    proxy = await startFaultProxy(reg.url);
    img = buildImage({ layers: [bigLayer(20 * MB), { files: { 'etc/hostname': 'small\n' }, gzip: true }], label: 'resume' });
    layer = img.layers[0]!;
    await push(img, reg.host, `${REPO}:v1`);
    blobPath = `/v2/${REPO}/blobs/${layer.digest}`;
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const freshStore = () => Store.open({ root: path.join(tmp, `store-${n++}`) });
  const partialFile = (root: string) => path.join(root, 'partials', 'sha256', layer.digest.slice(7));
  const layerGets = (from = 0): RecordedRequest[] =>
    proxy.requests.slice(from).filter((q) => q.method === 'GET' && q.url.split('?')[0] === blobPath);
  const reset = () => {
    proxy.clearRules();
    proxy.requests.length = 0;
  };

  /** The next pull fetches exactly the bytes after `kept`, verifies, and leaves no partial. */
  async function assertResumes(store: Store, kept: number, host = proxy.host, p: FaultProxy = proxy) {
    const from = p.requests.length;
    const events: ProgressEvent[] = [];
    const r = await pull(store, host, {}, events);
    assert.equal(r.manifestDigest, img.manifestDigest);
    const gets = p.requests.slice(from).filter((q) => q.method === 'GET' && q.url.split('?')[0] === blobPath);
    assert.equal(gets.length, 1, 'one request for the large layer');
    assert.equal(gets[0]!.headers['range'], `bytes=${kept}-`);
    assert.equal(gets[0]!.status, 206);
    assert.equal(gets[0]!.responseBytes, layer.size - kept, 'only the missing bytes crossed the proxy');
    const resumed = events.find((e) => e.kind === 'blob' && e.state === 'resumed');
    assert.deepEqual(resumed && { bytes: resumed.kind === 'blob' && resumed.bytes }, { bytes: kept });
    assert.ok(store.hasBlob(layer.digest as never));
    assert.ok(await store.verifyBlob(layer.digest as never, layer.size));
    assert.deepEqual(store.listPartials(), [], 'no partial record left');
    assert.equal(fs.existsSync(partialFile(store.root)), false, 'no partial file left');
    assert.equal(store.listImages().length, 1);
  }

  /** Interrupt a library pull by cutting the connection after `bytes` bytes of the layer. */
  async function cutAt(store: Store, bytes: number): Promise<number> {
    reset();
    proxy.addRule({
      match: (q) => q.method === 'GET' && q.path === blobPath,
      times: 1,
      action: { type: 'reset-mid-body', afterBytes: bytes },
    });
    await assert.rejects(pull(store, proxy.host), expectError('NETWORK'));
    proxy.clearRules();
    return fs.statSync(partialFile(store.root)).size;
  }

  test('connection lost: the partial is recorded with a checkpoint; the next pull fetches only the rest', async () => {
    const store = freshStore();
    try {
      const kept = await cutAt(store, 9 * MB);
      assert.ok(kept > 0 && kept <= 9 * MB, `kept ${kept}`);
      assert.equal(store.listImages().length, 0, 'no image recorded');
      const [p] = store.listPartials();
      assert.equal(p?.digest, layer.digest);
      assert.equal(p?.size, layer.size);
      assert.equal(p?.bytes, kept);
      assert.equal(p?.checkpointBytes, kept);
      assert.equal(p?.active, false);
      assert.match(p!.source, new RegExp(`${REPO}:v1$`));
      await assertResumes(store, kept);
    } finally {
      store.close();
    }
  });

  test('stalled transfer (timeout): the next pull resumes', async () => {
    const store = freshStore();
    try {
      reset();
      // the registry sends 3 MiB, then nothing more
      const bytes = img.blobs.get(layer.digest)!;
      proxy.addRule({
        match: (q) => q.method === 'GET' && q.path === blobPath,
        times: 1,
        action: {
          type: 'custom',
          handle: (_req, res) => {
            res.writeHead(200, { 'content-length': String(bytes.length), 'content-type': 'application/octet-stream' });
            res.write(bytes.subarray(0, 3 * MB));
          },
        },
      });
      await assert.rejects(pull(store, proxy.host, { idleTimeoutMs: 1000, timeoutMs: 1000 }), expectError('NETWORK'));
      proxy.clearRules();
      const kept = fs.statSync(partialFile(store.root)).size;
      // what reached the disk (bytes still grouped in memory when the transfer failed are not)
      assert.ok(kept >= MB && kept <= 3 * MB, `kept ${kept}`);
      await assertResumes(store, kept);
    } finally {
      store.close();
    }
  });

  test('registry stopped mid-pull: the next pull, from another mirror of the same content, fetches only the rest', async () => {
    const storage = path.join(tmp, 'mirror-storage');
    const first = await startRegistry({ storageDir: storage });
    await push(img, first.host, `${REPO}:v1`);
    const p1 = await startFaultProxy(first.url);
    p1.addRule({ match: (q) => q.method === 'GET' && q.path === blobPath, action: { type: 'drip', bytes: MB, intervalMs: 10 } });
    const store = freshStore();
    try {
      const pulling = pull(store, p1.host, { idleTimeoutMs: 1500, timeoutMs: 1500 });
      while ((fs.statSync(partialFile(store.root), { throwIfNoEntry: false })?.size ?? 0) < 4 * MB)
        await new Promise((r) => setTimeout(r, 10));
      await first.stop();
      await assert.rejects(pulling, expectError('NETWORK'));
      const kept = fs.statSync(partialFile(store.root)).size;
      assert.ok(kept >= 4 * MB && kept < layer.size, `kept ${kept}`);
      // the same blobs, served by another registry at another address
      const mirror = await startRegistry({ storageDir: storage });
      const p2 = await startFaultProxy(mirror.url);
      try {
        await assertResumes(store, kept, p2.host, p2);
      } finally {
        await p2.stop();
        await mirror.stop();
      }
    } finally {
      store.close();
      await p1.stop();
      await first.stop();
    }
  });

  test('the registry ignores Range: the whole blob is fetched again and verified', async () => {
    const store = freshStore();
    try {
      const kept = await cutAt(store, 7 * MB);
      assert.ok(kept > 0);
      const from = proxy.requests.length;
      proxy.addRule({ match: (q) => q.path === blobPath && q.headers['range'] !== undefined, action: { type: 'ignore-range' } });
      const r = await pull(store, proxy.host);
      assert.equal(r.manifestDigest, img.manifestDigest);
      const gets = layerGets(from);
      assert.equal(gets.length, 1);
      assert.equal(gets[0]!.status, 200);
      assert.equal(gets[0]!.responseBytes, layer.size);
      assert.deepEqual(store.listPartials(), []);
      assert.equal(fs.existsSync(partialFile(store.root)), false);
    } finally {
      store.close();
    }
  });

  test('a tampered prefix fails its checkpoint: it is discarded and the whole blob fetched', async () => {
    const store = freshStore();
    try {
      const kept = await cutAt(store, 8 * MB);
      flipByte(partialFile(store.root), 1000);
      const from = proxy.requests.length;
      const r = await pull(store, proxy.host);
      assert.equal(r.manifestDigest, img.manifestDigest);
      const gets = layerGets(from);
      assert.equal(gets.length, 1);
      assert.equal(gets[0]!.headers['range'], undefined, `no resume from ${kept}`);
      assert.equal(gets[0]!.responseBytes, layer.size);
      assert.ok(await store.verifyBlob(layer.digest as never, layer.size));
      assert.deepEqual(store.listPartials(), []);
    } finally {
      store.close();
    }
  });

  test('tampered bytes without a checkpoint (a killed writer records none): the digest rejects them, the blob is fetched whole', async () => {
    const store = freshStore();
    try {
      const kept = await cutAt(store, 8 * MB);
      const db = new Database(path.join(store.root, 'index.db'));
      db.prepare(`UPDATE partials SET checkpoint_bytes = 0, checkpoint_digest = NULL`).run();
      db.close();
      flipByte(partialFile(store.root), 1000);
      const from = proxy.requests.length;
      const events: ProgressEvent[] = [];
      const r = await pull(store, proxy.host, {}, events);
      assert.equal(r.manifestDigest, img.manifestDigest);
      const gets = layerGets(from);
      assert.deepEqual(
        gets.map((q) => [q.headers['range'], q.responseBytes]),
        [
          [`bytes=${kept}-`, layer.size - kept],
          [undefined, layer.size],
        ],
      );
      assert.ok(events.some((e) => e.kind === 'message' && /did not verify/.test(e.text)));
      assert.ok(await store.verifyBlob(layer.digest as never, layer.size));
      assert.deepEqual(store.listPartials(), []);
      assert.equal(fs.existsSync(partialFile(store.root)), false);
    } finally {
      store.close();
    }
  });

  describe('the CLI interrupted by a signal', () => {
    let b: ScratchBerth;
    before(async () => {
      b = await scratchBerth();
    });
    after(async () => {
      await b?.cleanup();
    });

    for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      test(`${sig} mid-pull: the next pull fetches only the missing bytes`, async () => {
        reset();
        const root = b.store();
        proxy.addRule({
          match: (q) => q.method === 'GET' && q.path === blobPath,
          times: 1,
          action: { type: 'drip', bytes: MB, intervalMs: 10 },
        });
        const child = spawn(process.execPath, [BERTH_CLI, '--root', root, 'pull', '--tls-verify=false', `${proxy.host}/${REPO}:v1`], {
          env: { ...process.env, ...b.env } as NodeJS.ProcessEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
          child.on('exit', (code, signal) => res({ code, signal })),
        );
        const file = partialFile(root);
        while ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) < 5 * MB) await new Promise((r) => setTimeout(r, 10));
        child.kill(sig);
        const r = await exited;
        assert.equal(r.signal, sig, `killed by ${sig} (exit ${r.code}): ${stderr}`);
        const kept = fs.statSync(file).size;
        assert.ok(kept >= 5 * MB && kept < layer.size, `kept ${kept}`);

        const store = Store.open({ root });
        try {
          const [p] = store.listPartials();
          assert.equal(p?.bytes, kept);
          assert.equal(p?.active, false, 'the dead writer holds nothing');
          // an orderly stop records a checkpoint of exactly the bytes present; SIGKILL cannot
          if (sig === 'SIGKILL') assert.equal(p?.checkpointDigest, null);
          else assert.equal(p?.checkpointBytes, kept);
        } finally {
          store.close();
        }
        proxy.clearRules();
        const from = proxy.requests.length;
        const again = await b.run(['pull', '--tls-verify=false', `${proxy.host}/${REPO}:v1`], { root });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout, `${img.configDigest.slice(7)}\n`);
        const gets = layerGets(from);
        assert.equal(gets.length, 1);
        assert.equal(gets[0]!.headers['range'], `bytes=${kept}-`);
        assert.equal(gets[0]!.responseBytes, layer.size - kept);
        assert.equal(fs.existsSync(file), false, 'no partial left');
        const check = await b.run(['system', 'check'], { root });
        assert.equal(check.code, 0, check.stdout);
      });
    }

    test('system gc keeps young partials, removes old ones (or all with --partials), never one a live writer holds', async () => {
      const root = b.store();
      const store = Store.open({ root });
      try {
        const kept = await cutAt(store, 6 * MB);
        const file = partialFile(root);
        let gc = await b.run(['system', 'gc'], { root });
        assert.equal(gc.code, 0, gc.stderr);
        assert.match(gc.stdout, /^Removed 0 partial download\(s\), 0 bytes$/m);
        assert.ok(fs.existsSync(file));
        // 25 hours old: past the default TTL
        const old = new Date(Date.now() - 25 * 3600_000);
        const db = new Database(path.join(root, 'index.db'));
        db.prepare(`UPDATE partials SET updated = ?`).run(old.toISOString());
        db.close();
        fs.utimesSync(file, old, old);
        gc = await b.run(['system', 'gc'], { root });
        assert.match(gc.stdout, new RegExp(`^Removed 1 partial download\\(s\\), ${kept} bytes$`, 'm'));
        assert.equal(fs.existsSync(file), false);
        assert.deepEqual(store.listPartials(), []);

        const kept2 = await cutAt(store, 6 * MB);
        // held by this (live) process: --partials leaves it alone
        const held = await store.holdPartial(layer.digest as never, layer.size, 'test');
        assert.ok(held);
        gc = await b.run(['system', 'gc', '--partials'], { root });
        assert.match(gc.stdout, /^Removed 0 partial download\(s\), 0 bytes$/m);
        assert.ok(fs.existsSync(file));
        store.releasePartial(held);
        gc = await b.run(['system', 'gc', '--partials'], { root });
        assert.match(gc.stdout, new RegExp(`^Removed 1 partial download\\(s\\), ${kept2} bytes$`, 'm'));
        assert.equal(fs.existsSync(file), false);
      } finally {
        store.close();
      }
    });
  });
});
