/**
 * Manifest lists (berth manifest) and image signatures survive the loss of index.db: the
 * names journal carries their whole state, `system recover` rebuilds them (last state wins,
 * removed stays removed), a store written before they were journaled journals them when it
 * is migrated, and SIGKILL during their writes leaves the old state or the new one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { writeTinyOciLayout, type RunResult } from '../helpers/tools.js';
import { BERTH_CLI, scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { openImage, Store } from '../../src/index.js';
import { signatureToBlob } from '../../src/trust/blob.js';
import type { Signature } from '../../src/trust/signature.js';
import type { Digest } from '../../src/digest/digest.js';

const SIMPLE: Signature = { kind: 'simple', data: Buffer.concat([Buffer.from([0x89, 0x01]), Buffer.from('a simple signature')]) };
const SIGSTORE: Signature = {
  kind: 'sigstore',
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  payload: Buffer.from('{"critical":{"identity":{"docker-reference":"x"}}}'),
  annotations: { 'dev.cosignproject.cosign/signature': 'c2ln', 'a<b': 'x&y' },
};
const EXTRA: Signature = { kind: 'simple', data: Buffer.from([0x89, 0x02, 0x42]) };

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

/** What a user sees of lists, names and signatures. */
interface View {
  images: string;
  lists: Record<string, string | null>;
  signatures: Record<string, Signature[]>;
}

describe('manifest lists and signatures through system recover', () => {
  let b: ScratchBerth;
  let signedDir: string;
  let plainA: string;
  let plainB: string;

  before(async () => {
    b = await scratchBerth();
    const a = await writeTinyOciLayout(path.join(b.dir, 'oci-a'), { files: { 'a.txt': 'a\n' }, architecture: 'amd64' });
    const c = await writeTinyOciLayout(path.join(b.dir, 'oci-b'), { files: { 'b.txt': 'b\n' }, architecture: 'arm64' });
    const s = await writeTinyOciLayout(path.join(b.dir, 'oci-s'), { files: { 's.txt': 'signed\n' } });
    plainA = `oci:${a.dir}:latest`;
    plainB = `oci:${c.dir}:latest`;
    signedDir = path.join(b.dir, 'signed-dir');
    ok(await b.run(['copy', '-q', `oci:${s.dir}:latest`, `dir:${signedDir}`]), 'copy to dir:');
    fs.writeFileSync(path.join(signedDir, 'signature-1'), signatureToBlob(SIMPLE));
    fs.writeFileSync(path.join(signedDir, 'signature-2'), signatureToBlob(SIGSTORE));
  });
  after(() => b.cleanup());

  const NAMES = ['l1', 'l2', 'l3', 'moved', 'example.com/a:1'];

  async function view(root: string, ids: string[]): Promise<View> {
    const lists: View['lists'] = {};
    for (const n of NAMES) {
      const r = await b.run(['manifest', 'inspect', n], { root });
      lists[n] = r.code === 0 ? r.stdout : null;
    }
    const signatures: View['signatures'] = {};
    const store = Store.open({ root });
    try {
      for (const id of ids) signatures[id] = openImage(store, id).signatures();
    } finally {
      store.close();
    }
    return {
      images: ok(
        await b.run(['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}} {{.CreatedAt}} {{.Size}} {{.Digest}}'], {
          root,
        }),
        'images',
      ).stdout,
      lists,
      signatures,
    };
  }

  /** Images (one signed), lists built, changed, renamed and removed. Returns the image IDs. */
  async function populate(root: string): Promise<{ signed: string; a: string; gone: string }> {
    const signed = ok(await b.run(['pull', '-q', `dir:${signedDir}`], { root }), 'pull dir:').stdout.trim();
    ok(await b.run(['tag', signed, 'example.com/signed:1'], { root }), 'tag');
    const a = ok(await b.run(['pull', '-q', plainA], { root }), 'pull a').stdout.trim();
    ok(await b.run(['tag', a, 'example.com/a:1'], { root }), 'tag a');
    const gone = ok(await b.run(['pull', '-q', plainB], { root }), 'pull b').stdout.trim();
    // a signature added to an image that is then removed must not come back
    const st = Store.open({ root });
    try {
      st.setSignatures(gone, openImage(st, gone).inspect().Digest as Digest, [EXTRA]);
    } finally {
      st.close();
    }
    ok(await b.run(['rmi', gone], { root }), 'rmi b');
    ok(await b.run(['manifest', 'create', 'l1', 'example.com/a:1'], { root }), 'create l1');
    ok(await b.run(['manifest', 'add', 'l1', 'example.com/signed:1'], { root }), 'add');
    ok(await b.run(['manifest', 'annotate', '--index', '--annotation', 'k=v1', 'l1'], { root }), 'annotate');
    ok(await b.run(['manifest', 'annotate', '--index', '--annotation', 'k=v2', 'l1'], { root }), 'annotate again');
    ok(await b.run(['manifest', 'create', 'l2'], { root }), 'create l2');
    ok(await b.run(['manifest', 'create', 'l3', 'example.com/a:1'], { root }), 'create l3');
    ok(await b.run(['manifest', 'rm', 'l3'], { root }), 'rm l3');
    ok(await b.run(['manifest', 'create', 'l3'], { root }), 'create l3 again');
    return { signed, a, gone };
  }

  function damage(root: string, how: 'garbage' | 'truncate' | 'delete'): void {
    const f = path.join(root, 'index.db');
    if (how === 'garbage') fs.writeFileSync(f, randomBytes(16384));
    else if (how === 'truncate') fs.truncateSync(f, 0);
    else for (const x of ['', '-wal', '-shm']) fs.rmSync(f + x, { force: true });
  }

  for (const how of ['garbage', 'truncate', 'delete'] as const) {
    test(`an index.db that is ${how === 'delete' ? 'deleted' : how === 'garbage' ? 'overwritten with garbage' : 'truncated'}: lists, their names and signatures come back`, async () => {
      const root = b.store();
      const { signed, a } = await populate(root);
      const before = await view(root, [signed, a]);
      assert.deepEqual(before.signatures[signed], [SIMPLE, SIGSTORE]);
      assert.equal(before.lists.moved, null);
      assert.match(before.lists.l1!, /"k": "v2"/);
      assert.match(before.lists.l3!, /"manifests": null/, 'l3 is the new, empty list');
      damage(root, how);
      const r = ok(await b.run(['system', 'recover'], { root }), 'recover');
      assert.match(r.stdout, /^Recovered 2 image\(s\), \d+ name\(s\)$/m);
      assert.match(r.stdout, /^Recovered 3 manifest list\(s\), 2 signature\(s\)$/m);
      assert.deepEqual(await view(root, [signed, a]), before);
      assert.equal((await b.run(['manifest', 'exists', 'l3'], { root })).code, 0);
      // the recovered lists work: a name taken by a list is refused, rm removes them for good
      const dup = await b.run(['manifest', 'create', 'l2'], { root });
      assert.equal(dup.code, 125);
      ok(await b.run(['manifest', 'rm', 'l2'], { root }), 'rm l2');
      damage(root, 'delete');
      ok(await b.run(['system', 'recover'], { root }), 'recover again');
      assert.equal((await b.run(['manifest', 'exists', 'l2'], { root })).code, 1);
      assert.deepEqual((await view(root, [signed, a])).lists.l1, before.lists.l1);
    });
  }

  test('a store written before lists and signatures were journaled journals them when migrated', async () => {
    const root = b.store();
    const { signed, a } = await populate(root);
    const before = await view(root, [signed, a]);
    // make it what an older berth left: schema 7, a journal without lists and signatures
    const journal = path.join(root, 'names.journal');
    const old = fs
      .readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => !/"op":"(sigs|list|list-name|list-untag|list-rm)"/.test(l))
      .join('\n');
    fs.writeFileSync(journal, old);
    const db = new Database(path.join(root, 'index.db'));
    db.pragma('user_version = 7');
    db.close();
    // the first command that opens the store for writing (listing does) migrates it and journals them once
    ok(await b.run(['images'], { root }), 'images');
    ok(await b.run(['tag', 'example.com/a:1', 'example.com/a:2'], { root }), 'tag');
    const after = fs.readFileSync(journal, 'utf8');
    assert.match(after, /"op":"list","id":"[0-9a-f]{64}"/);
    assert.equal(after.match(/"op":"list"/g)?.length, 3, 'each list journaled once');
    assert.equal(after.match(/"op":"sigs"/g)?.length, 1);
    ok(await b.run(['untag', 'example.com/a:2', 'example.com/a:2'], { root }), 'untag');
    ok(await b.run(['system', 'check'], { root }), 'check after migration');
    damage(root, 'garbage');
    ok(await b.run(['system', 'recover'], { root }), 'recover');
    assert.deepEqual(await view(root, [signed, a]), before);
    // entries lost later (a full disk): check reports them, --repair journals them again
    fs.writeFileSync(journal, fs.readFileSync(journal, 'utf8').replace(/\n[^\n]*"op":"list"[^\n]*/g, ''));
    const lost = await b.run(['system', 'check'], { root });
    assert.equal(lost.code, 1);
    assert.equal(lost.stdout.match(/not in names\.journal/g)?.length, 3, lost.stdout);
    ok(await b.run(['system', 'check', '--repair'], { root }), 'repair');
    ok(await b.run(['system', 'check'], { root }), 'check after repair');
    damage(root, 'delete');
    ok(await b.run(['system', 'recover'], { root }), 'recover after repair');
    assert.deepEqual(await view(root, [signed, a]), before);
  });

  test('SIGKILL while a list and signatures are being written: the old state or the new one, before and after recover', async () => {
    const root = b.store();
    const { signed } = await populate(root);
    const lib = fileURLToPath(new URL('../../src/index.js', import.meta.url));
    // a writer that changes the list and the signatures over and over, saying which state it committed
    const script = path.join(b.dir, 'writer.mjs');
    fs.writeFileSync(
      script,
      `import { Store, annotateManifestList, openImage } from ${JSON.stringify(lib)};
const store = Store.open({ root: process.argv[2] });
const img = openImage(store, ${JSON.stringify(signed)});
const digest = img.inspect().Digest;
for (let i = 1; ; i++) {
  annotateManifestList(store, 'l1', undefined, { index: true, annotations: { n: String(i) } });
  store.setSignatures(img.id, digest, [{ kind: 'simple', data: Buffer.from('sig ' + i) }]);
  process.stdout.write(i + '\\n');
}
`,
    );
    const state = async (): Promise<{ list: number; sig: number }> => {
      const r = ok(await b.run(['manifest', 'inspect', 'l1'], { root }), 'inspect');
      const m = /"n": "(\d+)"/.exec(r.stdout);
      const store = Store.open({ root });
      try {
        const s = openImage(store, signed).signatures();
        const sig = s.length === 1 && s[0]!.kind === 'simple' ? Number(/^sig (\d+)$/.exec(s[0]!.data.toString())![1]) : 0;
        return { list: m ? Number(m[1]) : 0, sig };
      } finally {
        store.close();
      }
    };
    let killedMidway = 0;
    for (const ms of [400, 700, 1000]) {
      const child = spawn(process.execPath, [script, root], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...b.env } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // wait for the first committed state, then let it run and kill it
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (out.includes('\n')) {
            clearInterval(t);
            resolve();
          } else if (child.exitCode !== null) {
            clearInterval(t);
            reject(new Error(`writer exited: ${err}`));
          }
        }, 10);
      });
      await new Promise((r) => setTimeout(r, ms));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      const said = Math.max(...out.split('\n').filter(Boolean).map(Number));
      const now = await state();
      // the index holds the last state the writer reported, or the one it was committing
      assert.ok(now.list === said || now.list === said + 1, `list state ${now.list} after the writer said ${said}`);
      assert.ok(now.sig === now.list || now.sig === now.list - 1, `signature state ${now.sig} beside list state ${now.list}`);
      if (now.list > 1) killedMidway++;
      // recover from the journal: the same state, or the one whose journal entry was written but not committed
      damage(root, 'garbage');
      ok(await b.run(['system', 'recover'], { root }), 'recover');
      const rec = await state();
      assert.ok(rec.list === now.list || rec.list === now.list + 1, `recovered list state ${rec.list}, index had ${now.list}`);
      assert.ok(rec.sig === now.sig || rec.sig === now.sig + 1, `recovered signature state ${rec.sig}, index had ${now.sig}`);
      ok(await b.run(['system', 'check'], { root }), 'check');
    }
    assert.equal(killedMidway, 3);
  });
});

// the CLI is built before the tests run
assert.ok(fs.existsSync(BERTH_CLI));
