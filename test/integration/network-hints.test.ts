/**
 * The hint of a network failure that retrying may cure names --retry only where the command has
 * that flag (pull, push, manifest push); other commands that talk to registries (search, manifest
 * add, copy...) print the same error without it. TLS hints name copy's --src-/--dest- flags there. The registry is real; the fault proxy in front
 * of it closes connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { writeTinyOciLayout } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 60_000 };
const skip = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';

describe('network failure hints', { skip }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let b: ScratchBerth;
  /** No retries from containers.conf either, so that failures come at once. */
  let env: Record<string, string>;
  let layer: { digest: string; size: number };
  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    b = await scratchBerth();
    const img = await writeTinyOciLayout(path.join(b.dir, 'layout'));
    const seed = await b.run(['copy', `oci:${img.dir}:latest`, `docker://${reg.host}/hints/tiny:1`, '--dest-tls-verify=false']);
    assert.equal(seed.code, 0, seed.stderr);
    // the layer as the registry holds it (the push may have compressed it)
    const res = await fetch(`${reg.url}/v2/hints/tiny/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    layer = ((await res.json()) as { layers: Array<{ digest: string; size: number }> }).layers[0]!;
    const conf = path.join(b.dir, 'no-retry.conf');
    fs.writeFileSync(conf, '[engine]\nretry = 0\n');
    env = { CONTAINERS_CONF: conf };
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    await b?.cleanup();
  });

  test('connections closed before an answer: pull names --retry, search and manifest add do not', T, async () => {
    const rule = proxy.addRule({ match: () => true, action: { type: 'reset' } });
    try {
      const h = proxy.host;
      const why = `pinging registry ${h}: ${h} answered an HTTPS request with plain HTTP (ERR_SSL_WRONG_VERSION_NUMBER); over http: cannot talk to ${h}: other side closed (UND_ERR_SOCKET)`;
      const pull = await b.run(['pull', '--tls-verify=false', '--retry', '0', `${h}/hints/tiny:1`]);
      assert.equal(pull.code, 125);
      assert.equal(pull.stderr.split('\n').at(-2), `Error: ${why} (check the network and the registry address; see --retry)`);

      const search = await b.run(['search', '--tls-verify=false', '--list-tags', `${h}/hints/tiny`], { env });
      assert.equal(search.code, 125);
      assert.equal(search.stderr, `Error: ${why} (check the network and the registry address)\n`);

      assert.equal((await b.run(['manifest', 'create', 'hints-list'])).code, 0);
      const add = await b.run(['manifest', 'add', '--tls-verify=false', 'hints-list', `docker://${h}/hints/tiny:1`], { env });
      assert.equal(add.code, 125);
      assert.equal(add.stderr, `Error: ${why} (check the network and the registry address)\n`);
    } finally {
      rule.remove();
    }
  });

  test("a plain-HTTP registry asked over HTTPS: the hint names the command's own TLS flags", T, async () => {
    const h = reg.host;
    const why = `Error: pinging registry ${h}: ${h} answered an HTTPS request with plain HTTP (ERR_SSL_WRONG_VERSION_NUMBER)`;
    const pull = await b.run(['pull', `${h}/hints/tiny:1`], { env });
    assert.equal(pull.code, 125);
    assert.equal(
      pull.stderr.split('\n').at(-2),
      `${why} (for a plain-HTTP registry you trust use --tls-verify=false, or set insecure = true for it in registries.conf)`,
    );
    const copy = await b.run(['copy', `docker://${h}/hints/tiny:1`, `oci:${b.dir}/plain:x`], { env });
    assert.equal(copy.code, 125);
    assert.equal(
      copy.stderr,
      `${why} (for a plain-HTTP registry you trust use --src-tls-verify=false or --dest-tls-verify=false, or set insecure = true for it in registries.conf)\n`,
    );
  });

  test('a connection lost in a layer: pull names --retry, copy does not', T, async () => {
    const rule = proxy.addRule({
      match: (r) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer.digest}`),
      action: { type: 'reset-mid-body', afterBytes: 10 },
    });
    try {
      const h = proxy.host;
      const lost = `Error: blob ${layer.digest} from ${h}/hints/tiny: connection lost at byte 10 of ${layer.size}: other side closed (UND_ERR_SOCKET)`;
      const pull = await b.run(['pull', '--tls-verify=false', '--retry', '0', `${h}/hints/tiny:1`]);
      assert.equal(pull.code, 125);
      assert.equal(pull.stderr.split('\n').at(-2), `${lost} (transient network trouble; retry the command; see --retry)`);

      const copy = await b.run(['copy', '--src-tls-verify=false', `docker://${h}/hints/tiny:1`, `oci:${b.dir}/out:x`], { env });
      assert.equal(copy.code, 125);
      assert.equal(copy.stderr, `${lost} (transient network trouble; retry the command)\n`);
    } finally {
      rule.remove();
    }
  });
});
