/**
 * Docker's JSON progress stream from the library's events: the words, ids, field order and
 * bars dockerd writes (distribution/pull_v2.go, push_v2.go, xfer/*, streamformatter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeMessage,
  humanSize,
  progressBar,
  PullProgress,
  PushProgress,
  loadProgress,
  errorMessage,
  updateMessage,
  statusMessage,
  type DockerMessage,
} from '../../../server/docker/progress-json.js';
import type { Digest, ProgressEvent } from '../../../src/index.js';

const L1 = `sha256:${'a1'.repeat(32)}` as Digest;
const L2 = `sha256:${'b2'.repeat(32)}` as Digest;
const L3 = `sha256:${'c3'.repeat(32)}` as Digest;
const L4 = `sha256:${'d4'.repeat(32)}` as Digest;
const CFG = `sha256:${'ee'.repeat(32)}` as Digest;
const MAN = `sha256:${'f0'.repeat(32)}` as Digest;
const IDX = `sha256:${'0f'.repeat(32)}` as Digest;

test('sizes as go-units HumanSize: decimal units, 4 significant digits', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(1536), '1.536kB');
  assert.equal(humanSize(1048576), '1.049MB');
  assert.equal(humanSize(2811969), '2.812MB');
  assert.equal(humanSize(7_340_032_000), '7.34GB');
});

test('the bar as dockerd rendered it for a 200-column terminal', () => {
  assert.equal(progressBar(0, 0), '');
  assert.equal(progressBar(1500, 0), '   1.5kB');
  assert.equal(progressBar(1048576, 2811969), `[${'='.repeat(18)}>${' '.repeat(32)}]  1.049MB/2.812MB`);
  assert.equal(progressBar(2811969, 2811969), `[${'='.repeat(50)}>]  2.812MB/2.812MB`);
  assert.equal(progressBar(0, 2811969), `[>${' '.repeat(50)}]       0B/2.812MB`);
  // a current beyond the total drops the total, as jsonmessage does
  assert.equal(progressBar(3000, 2000), `[${'='.repeat(50)}>]      3kB`);
});

test('lines: dockerd field order, Go omitempty, CRLF', () => {
  assert.equal(
    encodeMessage(statusMessage('Pulling from library/busybox', 'latest')),
    '{"status":"Pulling from library/busybox","id":"latest"}\r\n',
  );
  assert.equal(
    encodeMessage(updateMessage('a1a1a1a1a1a1', 'Pulling fs layer')),
    '{"status":"Pulling fs layer","progressDetail":{},"id":"a1a1a1a1a1a1"}\r\n',
  );
  assert.equal(encodeMessage(errorMessage('boom')), '{"errorDetail":{"message":"boom"},"error":"boom"}\r\n');
  assert.equal(
    encodeMessage({ status: 'Downloading', progressDetail: { current: 0, total: 10 }, id: 'x' }),
    '{"status":"Downloading","progressDetail":{"total":10},"id":"x"}\r\n',
  );
  assert.equal(encodeMessage({ stream: 'Loaded image: busybox:latest\n' }), '{"stream":"Loaded image: busybox:latest\\n"}\r\n');
});

function collect(): { out: DockerMessage[]; send: (m: DockerMessage) => void } {
  const out: DockerMessage[] = [];
  return { out, send: (m) => out.push(m) };
}

const rows = (out: DockerMessage[]) => out.map((m) => [m.id ?? '', m.status ?? '', m.progressDetail?.current ?? null]);

test('pull: dockerd words per layer, Waiting beyond the concurrency, Digest and Status at the end', () => {
  const { out, send } = collect();
  const p = new PullProgress(send, { tagOrDigest: 'latest', familiarName: 'library/busybox', concurrency: 2 });
  const ev: ProgressEvent[] = [
    { kind: 'message', text: 'Trying to pull docker.io/library/busybox:latest...' },
    { kind: 'resolved', ref: 'docker://busybox', manifestDigest: MAN, indexDigest: IDX, layers: [L1, L2, L3] },
    { kind: 'blob', digest: L1, state: 'exists', total: 100 },
    { kind: 'blob', digest: L2, state: 'start', bytes: 0, total: 8 << 20 },
    { kind: 'blob', digest: L2, state: 'copying', bytes: 4 << 20, total: 8 << 20 },
    { kind: 'blob', digest: L2, state: 'done', bytes: 8 << 20, total: 8 << 20 },
    { kind: 'blob', digest: L3, state: 'start', bytes: 0, total: 10 },
    { kind: 'retry', what: 'blob', attempt: 1, delayMs: 2000, reason: 'reset' },
    { kind: 'blob', digest: L3, state: 'retrying', total: 10 },
    { kind: 'blob', digest: L3, state: 'done', bytes: 10, total: 10 },
    { kind: 'blob', digest: CFG, state: 'done', isConfig: true, total: 5 },
    { kind: 'manifest', state: 'writing', digest: MAN },
    { kind: 'done', manifestDigest: MAN, blobs: 4, bytes: 1, fetched: 1, existing: 0, resumed: 0, elapsedMs: 1, bytesPerSecond: 1 },
  ];
  for (const e of ev) p.onProgress(e);
  assert.equal(p.fetched, true);
  p.finish('busybox:latest', true);
  const id = (d: string) => d.slice(7, 19);
  assert.deepEqual(rows(out), [
    ['latest', 'Pulling from library/busybox', null],
    [id(L1), 'Pulling fs layer', null],
    [id(L2), 'Pulling fs layer', null],
    [id(L3), 'Pulling fs layer', null],
    [id(L3), 'Waiting', null],
    [id(L1), 'Already exists', null],
    [id(L2), 'Downloading', 0],
    [id(L2), 'Downloading', 4 << 20],
    [id(L2), 'Downloading', 8 << 20],
    [id(L2), 'Verifying Checksum', null],
    [id(L2), 'Download complete', null],
    [id(L2), 'Pull complete', null],
    [id(L3), 'Downloading', 0],
    [id(L3), 'Retrying in 2 seconds', null],
    [id(L3), 'Downloading', 10],
    [id(L3), 'Verifying Checksum', null],
    [id(L3), 'Download complete', null],
    [id(L3), 'Pull complete', null],
    ['', `Digest: ${IDX}`, null],
    ['', 'Status: Downloaded newer image for busybox:latest', null],
  ]);
  // progress details on every byte report, with the bar
  const dl = out.find((m) => m.status === 'Downloading' && m.progressDetail?.current === 4 << 20)!;
  assert.deepEqual(dl.progressDetail, { current: 4 << 20, total: 8 << 20 });
  assert.equal(dl.progress, `[${'='.repeat(25)}>${' '.repeat(25)}]  4.194MB/8.389MB`);
});

test('pull: an image already there is up to date; a digest pull names the whole reference', () => {
  const { out, send } = collect();
  const ref = `docker.io/library/busybox@${MAN}`;
  const p = new PullProgress(send, { tagOrDigest: ref, familiarName: 'library/busybox' });
  p.onProgress({ kind: 'resolved', ref: 'x', manifestDigest: MAN, layers: [L1] });
  p.onProgress({ kind: 'blob', digest: L1, state: 'exists', total: 1 });
  p.onProgress({
    kind: 'done',
    manifestDigest: MAN,
    blobs: 2,
    bytes: 1,
    fetched: 0,
    existing: 1,
    resumed: 0,
    elapsedMs: 1,
    bytesPerSecond: 0,
  });
  assert.equal(p.fetched, false);
  p.finish(`busybox@${MAN}`, false);
  assert.deepEqual(
    out.map((m) => encodeMessage(m).trim()),
    [
      `{"status":"Pulling from library/busybox","id":"${ref}"}`,
      `{"status":"Pulling fs layer","progressDetail":{},"id":"${L1.slice(7, 19)}"}`,
      `{"status":"Already exists","progressDetail":{},"id":"${L1.slice(7, 19)}"}`,
      `{"status":"Digest: ${MAN}"}`,
      `{"status":"Status: Image is up to date for busybox@${MAN}"}`,
    ],
  );
});

test('push: repository line, Preparing/Waiting, Pushing bytes, Pushed or Layer already exists, digest line and aux', () => {
  const { out, send } = collect();
  const p = new PushProgress(send, { concurrency: 3 });
  p.header('127.0.0.1:5000/app');
  p.onProgress({ kind: 'resolved', ref: 'containers-storage:x', manifestDigest: MAN, layers: [L1, L2, L3, L4] });
  p.onProgress({ kind: 'blob', digest: L1, state: 'exists', total: 3 });
  p.onProgress({ kind: 'blob', digest: L2, state: 'start', bytes: 0, total: 2000 });
  p.onProgress({ kind: 'blob', digest: L2, state: 'done', bytes: 2000, total: 2000 });
  p.onProgress({ kind: 'blob', digest: CFG, state: 'done', isConfig: true, total: 5 });
  p.finish('v1', MAN, 528);
  const id = (d: string) => d.slice(7, 19);
  assert.deepEqual(rows(out), [
    ['', 'The push refers to repository [127.0.0.1:5000/app]', null],
    [id(L1), 'Preparing', null],
    [id(L2), 'Preparing', null],
    [id(L3), 'Preparing', null],
    [id(L4), 'Preparing', null],
    [id(L4), 'Waiting', null],
    [id(L1), 'Layer already exists', null],
    [id(L2), 'Pushing', 0],
    [id(L2), 'Pushing', 2000],
    [id(L2), 'Pushed', null],
    ['', `v1: digest: ${MAN} size: 528`, null],
    ['', '', null],
  ]);
  assert.equal(encodeMessage(out.at(-1)!), `{"progressDetail":{},"aux":{"Tag":"v1","Digest":"${MAN}","Size":528}}\r\n`);
});

test('load: one "Loading layer" bar per layer', () => {
  const { out, send } = collect();
  const on = loadProgress(send);
  on({ kind: 'blob', digest: L1, state: 'start', bytes: 0, total: 2048 });
  on({ kind: 'blob', digest: L1, state: 'done', bytes: 2048, total: 2048 });
  on({ kind: 'blob', digest: CFG, state: 'done', isConfig: true, total: 3 });
  assert.deepEqual(rows(out), [
    [L1.slice(7, 19), 'Loading layer', 0],
    [L1.slice(7, 19), 'Loading layer', 2048],
  ]);
  assert.equal(out[1]!.progress, `[${'='.repeat(50)}>]  2.048kB/2.048kB`);
});

test('pull of every tag: one "Pulling from" per image, its tag as the row id, a Digest line per image', () => {
  const { out, send } = collect();
  const p = new PullProgress(send, { tagOrDigest: '', familiarName: 'app', allTags: true });
  for (const tag of ['a', 'b']) {
    p.onProgress({ kind: 'resolved', ref: `docker://127.0.0.1:5000/app:${tag}`, manifestDigest: MAN, layers: [L1] });
    p.onProgress({ kind: 'blob', digest: L1, state: 'exists', total: 1 });
    p.onProgress({
      kind: 'done',
      manifestDigest: MAN,
      blobs: 2,
      bytes: 1,
      fetched: 0,
      existing: 1,
      resumed: 0,
      elapsedMs: 1,
      bytesPerSecond: 0,
    });
  }
  p.finish('127.0.0.1:5000/app', false);
  assert.deepEqual(rows(out), [
    ['a', 'Pulling from app', null],
    [L1.slice(7, 19), 'Pulling fs layer', null],
    [L1.slice(7, 19), 'Already exists', null],
    ['', `Digest: ${MAN}`, null],
    ['b', 'Pulling from app', null],
    [L1.slice(7, 19), 'Pulling fs layer', null],
    [L1.slice(7, 19), 'Already exists', null],
    ['', `Digest: ${MAN}`, null],
    ['', 'Status: Image is up to date for 127.0.0.1:5000/app', null],
  ]);
});
