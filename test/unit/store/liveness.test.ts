/**
 * Writer liveness by OS locks: a lease or temp file of a running writer survives other
 * processes' cleanup even when the writer runs in another PID namespace; once the writer
 * dies (SIGKILL), its lease, temp files and lock file are cleaned up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store, storeInternals } from '../../../src/store/index.js';
import { isOwnerAlive, cleanStaleLocks } from '../../../src/store/liveness.js';
import { haveTool } from '../../helpers/tools.js';
import type { Digest } from '../../../src/digest/index.js';

const STORE_MODULE = fileURLToPath(new URL('../../../src/store/index.js', import.meta.url));

let dir: string;
let n = 0;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-unit-liveness-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/**
 * A writer process: opens the store, protects a blob with a lease, starts a temp file, prints
 * "<owner> <digest> <temp name>" and waits to be killed.
 */
async function startWriter(
  root: string,
  prefix: string[] = [],
): Promise<{ child: ChildProcess; owner: string; digest: string; temp: string }> {
  const script = `
    import { Store } from ${JSON.stringify(STORE_MODULE)};
    import * as fs from 'node:fs';
    import * as path from 'node:path';
    const s = Store.open({ root: ${JSON.stringify(root)} });
    const d = (await s.putBlob(Buffer.from('kept by a live writer ' + Math.random()))).digest;
    const lease = s.lease();
    lease.protect(d);
    const tmp = s.tempPath();
    fs.writeFileSync(tmp, 'partial');
    process.stdout.write(s.owner() + ' ' + d + ' ' + path.basename(tmp) + '\\n');
    setInterval(() => {}, 1000);`;
  const [cmd, ...args] = [...prefix, process.execPath, '--input-type=module', '-e', script];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer exited (${code}): ${err}`)));
  });
  const [owner, digest, temp] = out.trim().split(' ');
  return { child, owner: owner!, digest: digest!, temp: temp! };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

for (const ns of [false, true]) {
  const label = ns ? 'in another PID namespace (unshare -p -f --mount-proc)' : 'in the same PID namespace';
  const skip = ns && !(haveTool('unshare') && process.getuid?.() === 0) ? 'needs root and unshare' : false;
  test(
    `a writer ${label}: its lease and temp file survive others' cleanup while it runs, not after`,
    { skip, timeout: 60_000 },
    async () => {
      const root = path.join(dir, `s${++n}`);
      Store.open({ root }).close();
      const w = await startWriter(root, ns ? ['unshare', '-p', '-f', '--mount-proc', '--kill-child'] : []);
      try {
        assert.equal(isOwnerAlive(root, w.owner), true);
        const s = Store.open({ root }); // cleans stale temp files and locks
        try {
          assert.ok(fs.existsSync(path.join(root, 'tmp', w.temp)), 'temp file of the running writer kept');
          assert.equal(s.gc().removed, 0, 'blob protected by the running writer kept');
          assert.equal(s.hasBlob(w.digest as Digest), true);
          assert.equal(cleanStaleLocks(root), 0);
        } finally {
          s.close();
        }
        await kill(w.child);
        // (with unshare, the writer is unshare's child: it dies just after unshare does)
        for (let i = 0; i < 100 && isOwnerAlive(root, w.owner); i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(isOwnerAlive(root, w.owner), false, 'the lock died with the process');
        const s2 = Store.open({ root });
        try {
          assert.equal(fs.existsSync(path.join(root, 'tmp', w.temp)), false, 'temp file of the dead writer removed');
          assert.equal(s2.gc().removed, 1, 'blob of the dead writer no longer protected');
          assert.equal(
            (storeInternals(s2).index.db.prepare('SELECT count(*) AS n FROM leases').get() as { n: number }).n,
            0,
            'dead lease dropped',
          );
        } finally {
          s2.close();
        }
        // the lock file of a dead writer goes once it is old enough not to be a starting process
        const lock = path.join(root, 'locks', `${w.owner}.db`);
        assert.ok(fs.existsSync(lock));
        const old = new Date(Date.now() - 3600_000);
        fs.utimesSync(lock, old, old);
        assert.equal(cleanStaleLocks(root), 1);
        assert.equal(fs.existsSync(lock), false);
      } finally {
        await kill(w.child);
      }
    },
  );
}

test('a store closes its lock file; a reader never takes one', () => {
  const root = path.join(dir, `s${++n}`);
  const r = Store.open({ root });
  r.listImages();
  r.close();
  assert.deepEqual(fs.existsSync(path.join(root, 'locks')) ? fs.readdirSync(path.join(root, 'locks')) : [], []);
  const w = Store.open({ root });
  const id = w.owner();
  w.lease().release();
  assert.deepEqual(fs.readdirSync(path.join(root, 'locks')), [`${id}.db`]);
  w.close();
  assert.deepEqual(fs.readdirSync(path.join(root, 'locks')), [], 'released on close');
  assert.equal(isOwnerAlive(root, id), false);
});
