/**
 * Retries say so, in podman's words (containers/common retry: "Failed, retrying in 1s ...
 * (1/3). Error: ..." as a logrus warning on stderr), against a port nothing listens on and
 * against the real registry behind the fault proxy answering 503; the number of retries and
 * the delay come from --retry / --retry-delay, else containers.conf [engine] retry and
 * retry_delay. podman 4.3.1 (no --retry flags) is compared on a dead port with its defaults.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { freePort, startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { haveTool, scratchPodman, writeTinyOciLayout, type RunResult } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 60_000 };
const skipRegistry = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';

/** The retry notices of a run: [delay, attempt, max, error] per line, in order. */
function notices(r: RunResult): Array<[string, number, number, string]> {
  const out: Array<[string, number, number, string]> = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^time="[^"]+" level=warning msg="Failed, retrying in (\S+) \.\.\. \((\d+)\/(\d+)\)\. Error: (.*)"$/.exec(line);
    if (m) out.push([m[1]!, Number(m[2]), Number(m[3]), m[4]!]);
  }
  return out;
}

describe('retry notices', () => {
  let b: ScratchBerth;
  let dead: string;
  before(async () => {
    b = await scratchBerth();
    dead = `127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    await b?.cleanup();
  });

  test('a dead registry: one notice per retry, then the error; --retry / --retry-delay', T, async () => {
    const r = await b.run(['pull', '--tls-verify=false', '--retry', '2', '--retry-delay', '100ms', `${dead}/x/y:1`]);
    assert.equal(r.code, 125, r.stderr);
    const n = notices(r);
    assert.deepEqual(
      n.map(([d, a, m]) => [d, a, m]),
      [
        ['100ms', 1, 2],
        ['100ms', 2, 2],
      ],
      r.stderr,
    );
    for (const [, , , err] of n) assert.match(err, new RegExp(`^pinging registry ${dead}: .*ECONNREFUSED`));
    const last = r.stderr.trim().split('\n').at(-1)!;
    assert.match(last, new RegExp(`^Error: pinging registry ${dead}: .*ECONNREFUSED`));
    assert.equal(r.stdout, '');

    const none = await b.run(['pull', '--tls-verify=false', '--retry', '0', `${dead}/x/y:1`]);
    assert.equal(none.code, 125);
    assert.deepEqual(notices(none), []);
  });

  test('containers.conf [engine] retry and retry_delay; the flags override them', T, async () => {
    const conf = path.join(b.dir, 'retry.conf');
    await fsp.writeFile(conf, '[engine]\nretry = 1\nretry_delay = "50ms"\n');
    const env = { CONTAINERS_CONF: conf };
    const r = await b.run(['pull', '--tls-verify=false', `${dead}/x/y:1`], { env });
    assert.equal(r.code, 125);
    assert.deepEqual(
      notices(r).map(([d, a, m]) => [d, a, m]),
      [['50ms', 1, 1]],
      r.stderr,
    );
    const flags = await b.run(['pull', '--tls-verify=false', '--retry', '3', '--retry-delay', '10ms', `${dead}/x/y:1`], { env });
    assert.deepEqual(
      notices(flags).map(([d, a, m]) => [d, a, m]),
      [
        ['10ms', 1, 3],
        ['10ms', 2, 3],
        ['10ms', 3, 3],
      ],
      flags.stderr,
    );
    const delayOnly = await b.run(['pull', '--tls-verify=false', '--retry-delay', '20ms', `${dead}/x/y:1`], { env });
    assert.deepEqual(
      notices(delayOnly).map(([d, a, m]) => [d, a, m]),
      [['20ms', 1, 1]],
      delayOnly.stderr,
    );

    await fsp.writeFile(conf, '[engine]\nretry_delay = "soon"\n');
    const bad = await b.run(['pull', '--tls-verify=false', `${dead}/x/y:1`], { env });
    assert.equal(bad.code, 125);
    assert.equal(bad.stderr, `Error: ${conf}: engine.retry_delay: time: invalid duration "soon"\n`);
  });

  test(
    'as podman 4.3.1 on a dead registry: 3 notices, 1s apart, same words up to the error',
    { ...T, skip: haveTool('podman') ? false : 'podman not installed' },
    async () => {
      const p = await scratchPodman();
      try {
        const [pr, br] = await Promise.all([
          p.run(['pull', '--tls-verify=false', `${dead}/x/y:1`]),
          b.run(['pull', '--tls-verify=false', `${dead}/x/y:1`]),
        ]);
        assert.equal(br.code, pr.code);
        const shape = (r: RunResult) => notices(r).map(([d, a, m]) => [d, a, m]);
        assert.deepEqual(
          shape(pr),
          [
            ['1s', 1, 3],
            ['1s', 2, 3],
            ['1s', 3, 3],
          ],
          pr.stderr,
        );
        assert.deepEqual(shape(br), shape(pr), br.stderr);
      } finally {
        await p.cleanup();
      }
    },
  );
});

describe('retry notices against a registry answering 503', { skip: skipRegistry }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let b: ScratchBerth;
  let ref: string;
  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    b = await scratchBerth();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'));
    const seed = await b.run(['copy', `oci:${img.dir}:latest`, `docker://${reg.host}/retry/tiny:1`, '--dest-tls-verify=false']);
    assert.equal(seed.code, 0, seed.stderr);
    ref = `${proxy.host}/retry/tiny:1`;
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    await b?.cleanup();
  });

  test('two 503s on the manifest: two notices, then the pull succeeds', T, async () => {
    const rule = proxy.addRule({
      match: (r) => r.method === 'GET' && r.path.includes('/manifests/'),
      times: 2,
      action: { type: 'status', status: 503 },
    });
    const r = await b.run(['pull', '-q', '--tls-verify=false', '--retry-delay', '10ms', ref], { root: b.store() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rule.hits, 2);
    assert.deepEqual(
      notices(r),
      [
        ['10ms', 1, 3, `reading manifest ${ref}: the registry answered HTTP 503`],
        ['10ms', 2, 3, `reading manifest ${ref}: the registry answered HTTP 503`],
      ],
      r.stderr,
    );
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  });

  test('503 every time: --retry notices, then the error', T, async () => {
    const rule = proxy.addRule({
      match: (r) => r.method === 'GET' && r.path.includes('/manifests/'),
      action: { type: 'status', status: 503 },
    });
    try {
      const root = b.store();
      const r = await b.run(['pull', '-q', '--tls-verify=false', '--retry', '1', '--retry-delay', '10ms', ref], { root });
      assert.equal(r.code, 125);
      assert.equal(rule.hits, 2);
      assert.deepEqual(
        notices(r).map(([d, a, m]) => [d, a, m]),
        [['10ms', 1, 1]],
        r.stderr,
      );
      assert.match(r.stderr.trim().split('\n').at(-1)!, new RegExp(`^Error: reading manifest ${ref}: the registry answered HTTP 503`));
      const images = await b.run(['images', '-q'], { root });
      assert.equal(images.stdout, '', 'nothing recorded');
    } finally {
      rule.remove();
    }
  });
});
