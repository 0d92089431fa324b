/**
 * --progress=json (and BERTH_PROGRESS=json): every line on stderr is a JSON event valid
 * against docs/progress.schema.json, and the bytes reported add up to the blob sizes — for a
 * fresh pull, a pull of blobs the store has, a pull resumed from an interrupted one, retries,
 * push, save/load, copy, and a failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyImage } from '../../src/copy/copy.js';
import { DockerDestination, parseDockerRef } from '../../src/transports/docker/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { validate } from '../helpers/json-schema.js';
import { MemorySource, bigLayer, buildImage, type TestImage } from './docker-fixtures.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const MB = 1 << 20;
const SCHEMA = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../../docs/progress.schema.json', import.meta.url)), 'utf8')) as Record<
  string,
  unknown
>;

type Event = Record<string, unknown> & { kind: string };

/** Every stderr line parsed and validated; `trailer` lines (the final `Error:`) may follow the events. */
function events(stderr: string, opts: { trailer?: RegExp } = {}): Event[] {
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (opts.trailer && lines.length && opts.trailer.test(lines[lines.length - 1]!)) lines.pop();
  return lines.map((l) => {
    let e: Event;
    try {
      e = JSON.parse(l) as Event;
    } catch {
      assert.fail(`not a JSON line: ${l}`);
    }
    const problems = validate(e, SCHEMA);
    assert.deepEqual(problems, [], `${l}\n${problems.join('\n')}`);
    return e;
  });
}

/** Per layer: start, done with bytes = size; totals add up. */
function assertAddsUp(evs: Event[], img: TestImage, expect: { existing?: number; resumed?: number } = {}): Event {
  const done = evs.filter((e) => e.kind === 'done');
  assert.equal(done.length, 1, 'one done event');
  const d = done[0]!;
  const sizes = [...img.layers.map((l) => l.size), img.config.length];
  assert.equal(d.manifestDigest, img.manifestDigest);
  assert.equal(d.blobs, sizes.length);
  assert.equal(
    d.bytes,
    sizes.reduce((a, b) => a + b, 0),
  );
  assert.equal((d.fetched as number) + (d.existing as number) + (d.resumed as number), d.bytes);
  assert.equal(d.existing, expect.existing ?? 0);
  assert.equal(d.resumed, expect.resumed ?? 0);
  assert.ok((d.bytesPerSecond as number) >= 0);
  let fetched = img.config.length;
  for (const l of img.layers) {
    const mine = evs.filter((e) => e.kind === 'blob' && e.digest === l.digest);
    const states = mine.map((e) => e.state);
    if (states.includes('exists')) continue;
    assert.equal(states[0], 'start', `${l.digest}: ${states.join(',')}`);
    assert.equal(states[states.length - 1], 'done');
    const last = mine[mine.length - 1]!;
    assert.equal(last.bytes, l.size);
    assert.equal(last.total, l.size);
    const resumed = mine.find((e) => e.state === 'resumed');
    assert.equal(last.fetched, l.size - ((resumed?.bytes as number | undefined) ?? 0));
    fetched += last.fetched as number;
    // copying reports grow up to the size
    const copying = mine.filter((e) => e.state === 'copying').map((e) => e.bytes as number);
    for (let i = 1; i < copying.length; i++) assert.ok(copying[i]! >= copying[i - 1]!);
    for (const c of copying) assert.ok(c <= l.size);
  }
  assert.equal(d.fetched, fetched, 'fetched bytes are the sum of each blob fetched');
  return d;
}

test('the schema rejects malformed events (the validator can fail)', () => {
  const time = '2026-01-01T00:00:00.000Z';
  const digest = 'sha256:' + 'a'.repeat(64);
  assert.deepEqual(validate({ time, kind: 'blob', digest, state: 'done', bytes: 3, total: 3 }, SCHEMA), []);
  assert.notDeepEqual(validate({ time, kind: 'blob', digest, state: 'finished' }, SCHEMA), []);
  assert.notDeepEqual(validate({ time, kind: 'blob', state: 'done' }, SCHEMA), []);
  assert.notDeepEqual(validate({ time, kind: 'blob', digest, state: 'done', bytes: -1 }, SCHEMA), []);
  assert.notDeepEqual(validate({ time, kind: 'blob', digest, state: 'done', extra: 1 }, SCHEMA), []);
  assert.notDeepEqual(validate({ time: 'yesterday', kind: 'message', text: 'x' }, SCHEMA), []);
  assert.notDeepEqual(validate({ time, kind: 'nothing' }, SCHEMA), []);
});

describe('--progress=json', { skip }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let b: ScratchBerth;
  let img: TestImage;
  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    b = await scratchBerth();
    img = buildImage({ layers: [bigLayer(9 * MB), { files: { 'etc/motd': 'hi\n' }, gzip: true }], label: 'progress' });
    const dest = new DockerDestination(parseDockerRef(`//${reg.host}/prog/img:v1`), { insecure: true });
    try {
      await copyImage(new MemorySource(img), dest);
    } finally {
      await dest.close();
    }
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    await b?.cleanup();
  });

  test('pull: valid events, bytes add up; BERTH_PROGRESS=json on a second pull reports existing blobs', async () => {
    const root = b.store();
    const r = await b.run(['pull', '--progress=json', '--tls-verify=false', `${reg.host}/prog/img:v1`], { root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.configDigest.slice(7)}\n`);
    const evs = events(r.stderr);
    assert.deepEqual(
      [...new Set(evs.map((e) => e.kind))].sort(),
      ['blob', 'done', 'manifest', 'message', 'resolved'],
      evs.map((e) => e.kind).join(','),
    );
    assert.ok(
      evs.some((e) => e.kind === 'blob' && e.state === 'copying'),
      'byte counts of the large layer',
    );
    assertAddsUp(evs, img);

    const again = await b.run(['pull', '--policy', 'always', '--tls-verify=false', `${reg.host}/prog/img:v1`], {
      root,
      env: { BERTH_PROGRESS: 'json' },
    });
    assert.equal(again.code, 0, again.stderr);
    const evs2 = events(again.stderr);
    assertAddsUp(evs2, img, { existing: img.layers.reduce((a, l) => a + l.size, 0) });
    assert.equal(evs2.filter((e) => e.kind === 'blob' && e.state === 'exists').length, img.layers.length + 1);
  });

  test('retries carry their reason and delay; the retry warning is a log event', async () => {
    proxy.clearRules();
    proxy.addRule({
      match: (q) => q.method === 'GET' && q.path.includes('/manifests/'),
      times: 1,
      action: { type: 'status', status: 503 },
    });
    const r = await b.run(['pull', '--progress=json', '--retry-delay', '10ms', '--tls-verify=false', `${proxy.host}/prog/img:v1`], {
      root: b.store(),
    });
    proxy.clearRules();
    assert.equal(r.code, 0, r.stderr);
    const evs = events(r.stderr);
    const retry = evs.find((e) => e.kind === 'retry');
    assert.deepEqual(retry && { attempt: retry.attempt, delayMs: retry.delayMs, reason: retry.reason }, {
      attempt: 1,
      delayMs: 10,
      reason: 'HTTP 503',
    });
    assert.ok(evs.some((e) => e.kind === 'log' && e.level === 'warn' && /^Failed, retrying in 10ms/.test(e.message as string)));
    assertAddsUp(evs, img);
  });

  test('a pull resumed from an interrupted one reports the kept bytes; they add up', async () => {
    const root = b.store();
    const blobPath = `/v2/prog/img/blobs/${img.layers[0]!.digest}`;
    proxy.clearRules();
    // cut the first request after 4 MiB and the in-run resume at once: the pull fails
    proxy.addRule({
      match: (q) => q.method === 'GET' && q.path === blobPath,
      times: 1,
      action: { type: 'reset-mid-body', afterBytes: 4 * MB },
    });
    proxy.addRule({ match: (q) => q.method === 'GET' && q.path === blobPath, times: 1, action: { type: 'reset-mid-body', afterBytes: 0 } });
    const failed = await b.run(['pull', '--progress=json', '--retry', '0', '--tls-verify=false', `${proxy.host}/prog/img:v1`], { root });
    proxy.clearRules();
    assert.notEqual(failed.code, 0);
    const fevs = events(failed.stderr, { trailer: /^Error: / });
    const err = fevs[fevs.length - 1]!;
    assert.equal(err.kind, 'error');
    assert.equal(err.code, 'NETWORK');
    assert.match(failed.stderr.trimEnd().split('\n').pop()!, /^Error: /);
    const kept = fs.statSync(path.join(root, 'partials', 'sha256', img.layers[0]!.digest.slice(7))).size;
    assert.ok(kept > 0);

    const r = await b.run(['pull', '--progress=json', '--tls-verify=false', `${proxy.host}/prog/img:v1`], { root });
    assert.equal(r.code, 0, r.stderr);
    const evs = events(r.stderr);
    const resumed = evs.find((e) => e.kind === 'blob' && e.state === 'resumed');
    assert.equal(resumed?.bytes, kept);
    assertAddsUp(evs, img, { resumed: kept });
  });

  test('push, save, load and copy write valid events', async () => {
    const root = b.store();
    const pulled = await b.run(['pull', '-q', '--tls-verify=false', `${reg.host}/prog/img:v1`], { root });
    assert.equal(pulled.code, 0, pulled.stderr);
    const pushed = await b.run(['push', '--progress=json', '--tls-verify=false', `${reg.host}/prog/img:v1`, `${reg.host}/prog/copy:v1`], {
      root,
    });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pevs = events(pushed.stderr);
    assert.equal(pevs.filter((e) => e.kind === 'done').length, 1);

    const archive = path.join(b.dir, 'img.tar');
    const saved = await b.run(['save', '--progress=json', '-o', archive, `${reg.host}/prog/img:v1`], { root });
    assert.equal(saved.code, 0, saved.stderr);
    // a layer read from the store carries its diffID (what the progress lines name it by)
    const diffIDs = (JSON.parse(img.config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    const layerEvents = events(saved.stderr).filter((e) => e.kind === 'blob' && !e.isConfig);
    assert.ok(layerEvents.length >= img.layers.length);
    for (const e of layerEvents) {
      const i = img.layers.findIndex((l) => l.digest === e.digest);
      assert.ok(i >= 0, `${String(e.digest)} is a layer of the image`);
      assert.equal(e.diffID, diffIDs[i]);
    }
    const loaded = await b.run(['load', '--progress=json', '-i', archive], { root: b.store() });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(events(loaded.stderr).filter((e) => e.kind === 'done').length, 1);

    const copied = await b.run(
      ['copy', '--progress=json', '--src-tls-verify=false', `docker://${reg.host}/prog/img:v1`, `oci:${path.join(b.dir, 'layout')}:v1`],
      { root },
    );
    assert.equal(copied.code, 0, copied.stderr);
    assertAddsUp(events(copied.stderr), img);
  });

  test('an unknown progress format is a usage error', async () => {
    const r = await b.run(['pull', '--progress=xml', 'x'], { root: b.store() });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: invalid argument "xml" for "--progress" flag/);
    const env = await b.run(['pull', 'x'], { root: b.store(), env: { BERTH_PROGRESS: 'yaml' } });
    assert.equal(env.code, 125);
    assert.equal(env.stderr, 'Error: invalid progress format "yaml": choose auto or json\n');
  });
});
