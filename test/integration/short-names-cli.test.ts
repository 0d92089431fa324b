/**
 * Short names and registries.conf through `berth pull`, against two real registries (Debian
 * docker-registry, plain http) each behind a recording proxy: search order, enforcing mode
 * without a TTY, aliases, blocked registries, mirrors (by tag and digest-only).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy, type RecordedRequest } from '../helpers/fault-proxy.js';
import { writeTinyOciLayout, type RunResult, type TinyImage } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth as Berth } from '../helpers/berth.js';

const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';
const T = { timeout: 60_000 };

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
}
const hex = (d: string) => d.slice(d.indexOf(':') + 1);
const paths = (reqs: RecordedRequest[]) => reqs.filter((q) => q.url !== '/v2/').map((q) => `${q.method} ${q.url.split('?')[0]}`);

describe('short names and registries.conf through the CLI', { skip }, () => {
  let reg1: Registry;
  let reg2: Registry;
  let p1: FaultProxy;
  let p2: FaultProxy;
  let b: Berth;
  let img: TinyImage;
  let pushedDigest: string;
  const insecure = () =>
    `[[registry]]\nlocation = "${p1.host}"\ninsecure = true\n\n[[registry]]\nlocation = "${p2.host}"\ninsecure = true\n`;
  const writeConf = (text: string) => fsp.writeFile(b.confPath, text);

  before(async () => {
    [reg1, reg2] = await Promise.all([startRegistry(), startRegistry()]);
    [p1, p2] = await Promise.all([startFaultProxy(reg1.url), startFaultProxy(reg2.url)]);
    b = await scratchBerth();
    // only the second registry has sn/tiny:1 (and mirror/sn/tiny:1 for the mirror tests)
    img = await writeTinyOciLayout(path.join(b.dir, 'layout'), { files: { 'sn.txt': 'short names\n' } });
    const seed = b.store();
    assertOk(await b.run(['pull', '-q', `oci:${img.dir}:latest`], { root: seed }), 'seed pull');
    for (const dest of [`${reg2.host}/sn/tiny:1`, `${reg2.host}/mirror/sn/tiny:1`]) {
      const r = await b.run(['push', '-q', '--tls-verify=false', hex(img.configDigest), dest], { root: seed });
      assertOk(r, `seed push ${dest}`);
      pushedDigest = r.stdout.trim();
    }
  });
  after(async () => {
    await p1?.stop();
    await p2?.stop();
    await reg1?.stop();
    await reg2?.stop();
    await b?.cleanup();
  });
  beforeEach(() => {
    p1.requests.length = 0;
    p2.requests.length = 0;
  });

  test('search order: "Trying to pull" for each candidate, the second registry has it', T, async () => {
    await writeConf(`unqualified-search-registries = ["${p1.host}", "${p2.host}"]\nshort-name-mode = "permissive"\n${insecure()}`);
    const root = b.store();
    const r = await b.run(['pull', 'sn/tiny:1'], { root });
    assertOk(r, 'pull sn/tiny:1');
    assert.equal(r.stdout, `${hex(img.configDigest)}\n`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(0, 3), [
      `Resolving "sn/tiny" using unqualified-search registries (${b.confPath})`,
      `Trying to pull ${p1.host}/sn/tiny:1...`,
      `Trying to pull ${p2.host}/sn/tiny:1...`,
    ]);
    assert.equal(lines.at(-1), 'Storing signatures');
    assert.deepEqual(paths(p1.requests), ['GET /v2/sn/tiny/manifests/1'], 'the first registry was asked and had nothing');
    assert.ok(paths(p2.requests).includes('GET /v2/sn/tiny/manifests/1'));
    assert.ok(
      paths(p2.requests).some((l) => l.startsWith('GET /v2/sn/tiny/blobs/sha256:')),
      'the blobs came from the second registry',
    );
    const names = await b.run(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root });
    assert.equal(names.stdout, `${p2.host}/sn/tiny:1\n`);
    // the short name now finds the local image (localhost/ and search candidates) without a pull
    p1.requests.length = 0;
    p2.requests.length = 0;
    const again = await b.run(['pull', '--policy', 'missing', 'sn/tiny:1'], { root });
    assertOk(again, 'pull --policy missing');
    assert.equal(again.stdout, `${hex(img.configDigest)}\n`);
    assert.equal(p1.requests.length + p2.requests.length, 0);
  });

  test('no candidate has it: one error naming every candidate', T, async () => {
    await writeConf(`unqualified-search-registries = ["${p1.host}", "${p2.host}"]\n${insecure()}`);
    const r = await b.run(['pull', '--retry', '0', 'sn/missing:1'], { root: b.store() });
    assert.equal(r.code, 125);
    const err = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    assert.equal(err.length, 1, r.stderr);
    assert.ok(err[0]!.includes(`${p1.host}/sn/missing:1`) && err[0]!.includes(`${p2.host}/sn/missing:1`), err[0]);
    assert.match(err[0]!, /manifest unknown/);
  });

  test('enforcing, several search registries, no TTY: clear error naming the candidates, no request', T, async () => {
    await writeConf(`unqualified-search-registries = ["${p1.host}", "${p2.host}"]\nshort-name-mode = "enforcing"\n${insecure()}`);
    const root = b.store();
    const r = await b.run(['pull', 'sn/tiny:1'], { root });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /short-name resolution enforced but cannot prompt without a TTY/);
    assert.ok(r.stderr.includes(`${p1.host}/sn/tiny:1`) && r.stderr.includes(`${p2.host}/sn/tiny:1`), r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(p1.requests.length + p2.requests.length, 0);
    assert.equal((await b.run(['images', '-q'], { root })).stdout, '');

    // a single search registry is used directly, even when enforcing
    await writeConf(`unqualified-search-registries = ["${p2.host}"]\nshort-name-mode = "enforcing"\n${insecure()}`);
    const one = await b.run(['pull', 'sn/tiny:1'], { root });
    assertOk(one, 'enforcing with one search registry');
    assert.ok(one.stderr.includes(`Trying to pull ${p2.host}/sn/tiny:1...`));
  });

  test('an alias wins over the search registries (even enforcing)', T, async () => {
    await writeConf(
      `unqualified-search-registries = ["${p1.host}", "${p2.host}"]\nshort-name-mode = "enforcing"\n${insecure()}\n[aliases]\n"berth-alias" = "${p2.host}/sn/tiny"\n`,
    );
    const root = b.store();
    const r = await b.run(['pull', 'berth-alias:1'], { root });
    assertOk(r, 'pull berth-alias:1');
    assert.equal(r.stdout, `${hex(img.configDigest)}\n`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(0, 2), [`Resolved "berth-alias" as an alias (${b.confPath})`, `Trying to pull ${p2.host}/sn/tiny:1...`]);
    assert.equal(p1.requests.length, 0);
    const names = await b.run(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root });
    assert.equal(names.stdout, `${p2.host}/sn/tiny:1\n`);
  });

  test('a blocked registry is refused before any request', T, async () => {
    await writeConf(`unqualified-search-registries = []\n[[registry]]\nlocation = "${p2.host}"\ninsecure = true\nblocked = true\n`);
    const root = b.store();
    const r = await b.run(['pull', `${p2.host}/sn/tiny:1`], { root });
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`registry ${p2.host} is blocked`));
    assert.equal(p2.requests.length, 0);
    assert.equal((await b.run(['images', '-q'], { root })).stdout, '');
  });

  test('a mirror serves the pull; the primary location is not contacted', T, async () => {
    await writeConf(
      `unqualified-search-registries = []\n[[registry]]\nprefix = "mirrored.invalid/sn"\nlocation = "${p1.host}/sn"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${p2.host}/mirror/sn"\ninsecure = true\n`,
    );
    const root = b.store();
    const r = await b.run(['pull', 'mirrored.invalid/sn/tiny:1'], { root });
    assertOk(r, 'pull through the mirror');
    assert.equal(r.stdout, `${hex(img.configDigest)}\n`);
    assert.ok(paths(p2.requests).includes('GET /v2/mirror/sn/tiny/manifests/1'), paths(p2.requests).join('\n'));
    assert.ok(paths(p2.requests).some((l) => l.startsWith('GET /v2/mirror/sn/tiny/blobs/sha256:')));
    assert.equal(p1.requests.length, 0, 'the primary was not needed');
    const names = await b.run(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root });
    assert.equal(names.stdout, 'mirrored.invalid/sn/tiny:1\n', 'recorded under the name asked for');
  });

  test('a mirror without the image: the primary serves it, mirror asked first', T, async () => {
    await writeConf(
      `unqualified-search-registries = []\n[[registry]]\nprefix = "mirrored.invalid/sn"\nlocation = "${p2.host}/sn"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${p1.host}/empty"\ninsecure = true\n`,
    );
    const r = await b.run(['pull', '--retry', '0', 'mirrored.invalid/sn/tiny:1'], { root: b.store() });
    assertOk(r, 'pull with a useless mirror');
    assert.deepEqual(paths(p1.requests), ['GET /v2/empty/tiny/manifests/1']);
    assert.ok(paths(p2.requests).includes('GET /v2/sn/tiny/manifests/1'));
    assert.ok(p1.requests[0]!.time <= p2.requests.find((q) => q.url.includes('/manifests/'))!.time);
  });

  test('pull-from-mirror = "digest-only": tags go to the primary, digests to the mirror', T, async () => {
    await writeConf(
      `unqualified-search-registries = []\n[[registry]]\nprefix = "mirrored.invalid/sn"\nlocation = "${p1.host}/sn"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${p2.host}/mirror/sn"\ninsecure = true\npull-from-mirror = "digest-only"\n`,
    );
    // by tag: the primary (which does not have it) is the only source
    const byTag = await b.run(['pull', '--retry', '0', 'mirrored.invalid/sn/tiny:1'], { root: b.store() });
    assert.equal(byTag.code, 125);
    assert.equal(p2.requests.length, 0);
    assert.deepEqual(paths(p1.requests), ['GET /v2/sn/tiny/manifests/1']);
    // by digest: the mirror serves it
    const digest = pushedDigest;
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    p1.requests.length = 0;
    const byDigest = await b.run(['pull', `mirrored.invalid/sn/tiny@${digest}`], { root: b.store() });
    assertOk(byDigest, 'pull by digest through the mirror');
    assert.ok(paths(p2.requests).includes(`GET /v2/mirror/sn/tiny/manifests/${digest}`));
    assert.equal(p1.requests.length, 0);
  });

  test('a short name without search registries or alias is an error', T, async () => {
    await writeConf('unqualified-search-registries = []\n');
    const r = await b.run(['pull', 'sn/tiny:1'], { root: b.store() });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /sn\/tiny/);
    assert.match(r.stderr, /unqualified-search registries|search registries/i);
  });
});
