/**
 * A berth in another PID namespace (`unshare -p -f --mount-proc`, as in a container sharing
 * the store) runs `images` and `system gc` while a pull from a real registry is writing: it
 * must not take the pull for dead, so the pull's temp file and lease survive and the pull
 * completes. (With liveness by PID the other namespace sees no such process.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dockerArchive, listDir, makeImage, makeTar } from '../helpers/archives.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { BERTH_CLI, scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { haveTool, run } from '../helpers/tools.js';

const skip = !fs.existsSync('/usr/bin/docker-registry')
  ? 'docker-registry not installed'
  : !(haveTool('unshare') && process.getuid?.() === 0)
    ? 'needs root and unshare'
    : false;

describe('a reader in another PID namespace during a pull', { skip }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let b: ScratchBerth;
  const layer = Buffer.alloc(3 << 20);
  for (let i = 0; i < layer.length; i += 4) layer.writeUInt32LE((i * 2246822519) >>> 0, i);
  const img = makeImage({ repoTags: ['example.com/ns/app:1'], layers: [makeTar({ 'blob.bin': layer })] });

  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    b = await scratchBerth();
    const archive = path.join(b.dir, 'app.tar');
    fs.writeFileSync(archive, dockerArchive([img]));
    const seed = b.store();
    assert.equal((await b.run(['load', '-i', archive], { root: seed })).code, 0);
    const p = await b.run(['push', '--tls-verify=false', 'example.com/ns/app:1', `docker://${reg.host}/ns/app:1`], { root: seed });
    assert.equal(p.code, 0, p.stderr);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    await b?.cleanup();
  });

  test('images and system gc in another PID namespace leave a running pull alone', { timeout: 120_000 }, async () => {
    const root = b.store();
    const tmp = path.join(root, 'tmp');
    // the layer arrives slowly, so the pull is mid-write while the other namespace looks
    proxy.addRule({
      match: (r) => r.method === 'GET' && r.path.includes('/blobs/sha256:'),
      action: { type: 'drip', bytes: 16 << 10, intervalMs: 20 },
    });
    const pull = spawn(process.execPath, [BERTH_CLI, '--root', root, 'pull', '-q', '--tls-verify=false', `${proxy.host}/ns/app:1`], {
      env: { ...process.env, ...b.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    pull.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    pull.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const done = new Promise<number | null>((resolve) => pull.on('exit', (code) => resolve(code)));
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    // a layer being written: a temp file, or (layers a pull may resume later) a partial download
    const writing = () => [tmp, path.join(root, 'partials', 'sha256')].flatMap((d) => listDir(d).map((f) => path.join(d, f)));
    while (
      !finished &&
      !writing().some((f) => {
        try {
          return fs.statSync(f).size > 0;
        } catch {
          return false;
        }
      })
    )
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(finished, false, `the pull ended before it was seen writing: ${err}`);
    const temps = writing();
    const other = (args: string[]) =>
      run('unshare', ['-p', '-f', '--mount-proc', process.execPath, BERTH_CLI, '--root', root, ...args], { env: b.env });
    const images = await other(['images', '-q']);
    assert.equal(images.code, 0, images.stderr);
    const gc = await other(['system', 'gc']);
    assert.equal(gc.code, 0, gc.stderr);
    const kept = temps.filter((f) => fs.existsSync(f));
    const code = await done;
    // a temp file not there any more was renamed into place by the pull itself: then the pull
    // succeeds; one removed by the other namespace fails the pull
    assert.ok(kept.length > 0 || code === 0, 'the temp files of the running pull were kept');
    proxy.clearRules();
    assert.equal(code, 0, err);
    assert.equal(out, `${img.id}\n`);
    const c = await b.run(['system', 'check'], { root });
    assert.equal(c.code, 0, c.stdout);
    assert.match(c.stdout, /^Checked 1 image\(s\), 3 blob\(s\): no problems$/m);
  });
});
