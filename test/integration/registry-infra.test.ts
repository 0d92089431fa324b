/**
 * Proves the integration-test infrastructure works against the real registry:
 * test/helpers/registry.ts (plain / htpasswd / TLS / token), test/helpers/fault-proxy.ts and
 * test/helpers/tools.ts (scratch podman / skopeo).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { startRegistry, libtrustKeyId, type Registry } from '../helpers/registry.js';
import { startEchoServer, startFaultProxy, type EchoServer, type FaultProxy } from '../helpers/fault-proxy.js';
import { run, scratchPodman, skipUnlessTools, writeTinyOciLayout, type ScratchPodman } from '../helpers/tools.js';

const skipRegistry = fs.existsSync('/usr/bin/docker-registry') ? false : '/usr/bin/docker-registry not installed';

// ---------------------------------------------------------------------------------------------
// Small HTTP client on node:http/https (no redirects, no keep-alive).

interface Resp {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface ReqOpts {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  ca?: string;
  servername?: string;
}

function request(url: string, o: ReqOpts = {}): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      {
        method: o.method ?? 'GET',
        headers: o.headers,
        agent: false,
        ca: o.ca,
        servername: o.servername,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('request timeout')));
    req.end(o.body);
  });
}

/** GET that resolves with whatever body bytes arrived plus the error that ended it (if any). */
function partialGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; received: Buffer; error?: Error; contentLength?: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let contentLength: number | undefined;
    let settled = false;
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      resolve({ status, received: Buffer.concat(chunks), error, contentLength });
    };
    const req = http.request(url, { headers, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      if (res.headers['content-length'] !== undefined) contentLength = Number(res.headers['content-length']);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.complete ? undefined : new Error('incomplete response')));
      res.on('aborted', () => done(new Error('aborted')));
      res.on('error', (e) => done(e));
      res.on('close', () => done(res.complete ? undefined : new Error('closed before end')));
    });
    req.on('error', (e) => done(e));
    req.end();
  });
}

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

/** Blob upload: POST to start a session, then a single PUT with the data and ?digest= — returns the digest. */
async function pushBlob(base: string, repo: string, data: Buffer, headers: Record<string, string> = {}, ca?: string): Promise<string> {
  const digest = sha256(data);
  const start = await request(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers, ca });
  assert.equal(start.status, 202, `upload start failed: ${start.status} ${start.body.toString()}`);
  const loc = new URL(String(start.headers['location']), base);
  loc.searchParams.set('digest', digest);
  const put = await request(loc.toString(), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length), ...headers },
    body: data,
    ca,
  });
  assert.equal(put.status, 201, `blob upload failed: ${put.status} ${put.body.toString()}`);
  return digest;
}

/** Parse `Bearer realm="...",service="...",scope="..."`. */
function parseChallenge(h: string | undefined): Record<string, string> {
  assert.ok(h, 'missing WWW-Authenticate');
  const m = /^Bearer\s+(.*)$/i.exec(h);
  assert.ok(m, `not a Bearer challenge: ${h}`);
  const out: Record<string, string> = {};
  for (const p of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) out[p[1]!] = p[2]!;
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('registry helper: plain http', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry();
  });
  after(() => reg?.stop());

  test('GET /v2/ answers 200 with the distribution API header', async () => {
    assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
    assert.equal(reg.url, `http://${reg.host}`);
    const r = await request(`${reg.url}/v2/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
  });

  test('blobs land under rootDir and can be tampered with', async () => {
    const data = randomBytes(4096);
    const digest = await pushBlob(reg.url, 'infra/blob', data);
    const file = reg.blobPath(digest);
    assert.ok(file.startsWith(path.join(reg.rootDir, 'docker/registry/v2/blobs/sha256/')));
    assert.deepEqual(await fsp.readFile(file), data);
    const tampered = Buffer.from(data);
    tampered[10] = tampered[10]! ^ 0xff;
    await fsp.writeFile(file, tampered);
    const r = await request(`${reg.url}/v2/infra/blob/blobs/${digest}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, tampered, 'registry serves the tampered bytes (it does not re-verify)');
  });

  test('stop() kills the registry and removes its temp dir', async () => {
    const r2 = await startRegistry();
    assert.ok(fs.existsSync(r2.dir));
    await r2.stop();
    assert.equal(fs.existsSync(r2.dir), false);
    await assert.rejects(request(`${r2.url}/v2/`), /ECONNREFUSED/);
    await r2.stop(); // idempotent
  });

  test('storageDir is used and survives stop()', async (t) => {
    const storage = await fsp.mkdtemp(path.join(reg.dir, 'keep-'));
    const r2 = await startRegistry({ storageDir: storage });
    t.after(() => r2.stop());
    assert.equal(r2.rootDir, storage);
    const digest = await pushBlob(r2.url, 'keep/me', Buffer.from('persist'));
    await r2.stop();
    assert.ok(fs.existsSync(path.join(storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data')));
    const r3 = await startRegistry({ storageDir: storage });
    t.after(() => r3.stop());
    const got = await request(`${r3.url}/v2/keep/me/blobs/${digest}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), 'persist');
  });
});

describe('registry helper: htpasswd', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ htpasswd: { user: 'alice', password: 's3cret' } });
  });
  after(() => reg?.stop());

  test('401 with a Basic challenge without credentials', async () => {
    const r = await request(`${reg.url}/v2/`);
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Basic realm="berth-test-registry"/);
  });

  test('401 with wrong credentials, 200 with the right ones', async () => {
    assert.equal((await request(`${reg.url}/v2/`, { headers: { authorization: basic('alice', 'nope') } })).status, 401);
    assert.equal((await request(`${reg.url}/v2/`, { headers: { authorization: basic('alice', 's3cret') } })).status, 200);
  });
});

describe('registry helper: TLS', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ tls: true });
  });
  after(() => reg?.stop());

  test('https with the test CA answers 200', async () => {
    assert.equal(reg.url, `https://${reg.host}`);
    assert.ok(reg.caCert && reg.caCertPath && reg.certsDir && reg.certsD);
    const r = await request(`${reg.url}/v2/`, { ca: reg.caCert });
    assert.equal(r.status, 200);
  });

  test('the certificate also covers DNS:localhost', async () => {
    const r = await request(`${reg.url}/v2/`, { ca: reg.caCert, servername: 'localhost', headers: { host: `localhost:${reg.port}` } });
    assert.equal(r.status, 200);
  });

  test('without the CA the certificate is rejected', async () => {
    await assert.rejects(request(`${reg.url}/v2/`), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /CERT|SIGNATURE|ISSUER/);
      return true;
    });
  });

  test('certsDir holds only ca.crt; certsD holds <host>/ca.crt', async () => {
    assert.deepEqual(await fsp.readdir(reg.certsDir!), ['ca.crt']);
    assert.equal(await fsp.readFile(path.join(reg.certsD!, reg.host, 'ca.crt'), 'utf8'), reg.caCert);
    assert.equal(path.join(reg.certsDir!, 'ca.crt'), reg.caCertPath);
  });
});

describe('registry helper: token auth', { skip: skipRegistry }, () => {
  let reg: Registry;
  before(async () => {
    reg = await startRegistry({ token: { anonymousPull: true }, htpasswd: { user: 'bob', password: 'hunter2' } });
  });
  after(() => reg?.stop());

  async function getToken(scope: string | undefined, authorization?: string): Promise<Resp & { token?: string }> {
    const ti = reg.tokenIssuer!;
    const q = new URLSearchParams({ service: ti.service });
    if (scope) q.append('scope', scope);
    const r = await request(`${ti.realm}?${q}`, { headers: authorization ? { authorization } : {} });
    const token = r.status === 200 ? (JSON.parse(r.body.toString()) as { token: string }).token : undefined;
    return { ...r, token };
  }

  test('/v2/ challenges with Bearer realm + service; a token from the issuer gets 200', async () => {
    const r = await request(`${reg.url}/v2/`);
    assert.equal(r.status, 401);
    const ch = parseChallenge(r.headers['www-authenticate'] as string);
    assert.equal(ch['realm'], reg.tokenIssuer!.realm);
    assert.equal(ch['service'], reg.tokenIssuer!.service);
    const before = reg.tokenIssuer!.issued;
    const tr = await getToken(undefined, basic('bob', 'hunter2'));
    assert.equal(tr.status, 200);
    const json = JSON.parse(tr.body.toString()) as Record<string, unknown>;
    assert.equal(json['token'], json['access_token']);
    assert.equal(json['expires_in'], 300);
    assert.equal(typeof json['issued_at'], 'string');
    assert.equal(reg.tokenIssuer!.issued, before + 1);
    const header = JSON.parse(Buffer.from(tr.token!.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
    assert.equal(header['kid'], reg.tokenIssuer!.keyId);
    const ok = await request(`${reg.url}/v2/`, { headers: { authorization: `Bearer ${tr.token}` } });
    assert.equal(ok.status, 200);
  });

  test('credentials get push; anonymous gets pull only', async () => {
    const scope = 'repository:tok/repo:pull,push';
    const authed = await getToken(scope, basic('bob', 'hunter2'));
    assert.equal(authed.status, 200);
    const up = await request(`${reg.url}/v2/tok/repo/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${authed.token}` },
    });
    assert.equal(up.status, 202);

    const anon = await getToken(scope);
    assert.equal(anon.status, 200);
    const rec = reg.tokenIssuer!.requests.at(-1)!;
    assert.deepEqual(rec.granted, [{ type: 'repository', name: 'tok/repo', actions: ['pull'] }]);
    const denied = await request(`${reg.url}/v2/tok/repo/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${anon.token}` },
    });
    assert.equal(denied.status, 401);
    assert.match(String(denied.headers['www-authenticate']), /error="insufficient_scope"/);
    // pull is allowed: the manifest does not exist, so 404 rather than 401
    const pull = await request(`${reg.url}/v2/tok/repo/manifests/latest`, { headers: { authorization: `Bearer ${anon.token}` } });
    assert.equal(pull.status, 404);
  });

  test('the issuer refuses wrong credentials', async () => {
    const r = await getToken('repository:tok/repo:pull', basic('bob', 'wrong'));
    assert.equal(r.status, 401);
    assert.equal(reg.tokenIssuer!.requests.at(-1)!.authenticated, false);
  });

  test('the registry really verifies tokens: bad signature, audience, expiry, foreign key', async () => {
    const ti = reg.tokenIssuer!;
    const access = [{ type: 'repository', name: 'tok/repo', actions: ['pull'] }];
    const url = `${reg.url}/v2/tok/repo/manifests/latest`;
    const statusWith = async (token: string) => (await request(url, { headers: { authorization: `Bearer ${token}` } })).status;
    assert.equal(await statusWith(ti.mint({ access })), 404);
    const good = ti.mint({ access });
    const parts = good.split('.');
    const sig = Buffer.from(parts[2]!, 'base64url');
    sig[0] = sig[0]! ^ 1;
    assert.equal(await statusWith(`${parts[0]}.${parts[1]}.${sig.toString('base64url')}`), 401);
    assert.equal(await statusWith(ti.mint({ access, audience: 'someone-else' })), 401);
    assert.equal(await statusWith(ti.mint({ access, issuer: 'someone-else' })), 401);
    assert.equal(await statusWith(ti.mint({ access, expiresIn: -120 })), 401);
    // Same claims but a kid that is not in the rootcertbundle.
    const other = libtrustKeyId(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    const hdr = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
    hdr['kid'] = other;
    assert.equal(await statusWith(`${Buffer.from(JSON.stringify(hdr)).toString('base64url')}.${parts[1]}.${parts[2]}`), 401);
  });

  test('TLS registry with an https issuer; without htpasswd everyone gets what they ask', async (t) => {
    const r2 = await startRegistry({ tls: true, token: { issuerTls: true } });
    t.after(() => r2.stop());
    const ti = r2.tokenIssuer!;
    assert.match(ti.realm, /^https:\/\/127\.0\.0\.1:\d+\/token$/);
    const ch = parseChallenge((await request(`${r2.url}/v2/`, { ca: r2.caCert })).headers['www-authenticate'] as string);
    assert.equal(ch['realm'], ti.realm);
    const tr = await request(`${ti.realm}?service=${ti.service}&scope=repository:a/b:pull,push`, { ca: r2.caCert });
    assert.equal(tr.status, 200);
    const { token } = JSON.parse(tr.body.toString()) as { token: string };
    const up = await request(`${r2.url}/v2/a/b/blobs/uploads/`, {
      method: 'POST',
      ca: r2.caCert,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(up.status, 202);
  });

  test('libtrustKeyId has the libtrust shape', () => {
    assert.match(reg.tokenIssuer!.keyId, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });
});

describe('tools: real skopeo and podman with scratch stores', { skip: skipRegistry || skipUnlessTools('skopeo', 'podman') }, () => {
  let plain: Registry;
  let secure: Registry;
  let tokenReg: Registry;
  let pm: ScratchPodman;
  before(async () => {
    plain = await startRegistry();
    secure = await startRegistry({ tls: true });
    tokenReg = await startRegistry({ token: true, htpasswd: { user: 'carol', password: 'pw' } });
    pm = await scratchPodman();
  });
  after(async () => {
    await pm?.cleanup();
    await plain?.stop();
    await secure?.stop();
    await tokenReg?.stop();
  });

  test('run() reports exit codes, output and timeouts', async () => {
    const ok = await run('sh', ['-c', 'printf out; printf err >&2; exit 3']);
    assert.equal(ok.code, 3);
    assert.equal(ok.stdout, 'out');
    assert.equal(ok.stderr, 'err');
    assert.deepEqual(ok.stdoutBuf, Buffer.from('out'));
    const slow = await run('sleep', ['5'], { timeoutMs: 100 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.code, null);
  });

  test('skopeo copies a generated OCI layout into the registry', async () => {
    const img = await writeTinyOciLayout(path.join(pm.dir, 'oci-src'), { tag: 'v1' });
    const r = await pm.skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:v1`, `docker://${plain.host}/infra/tiny:v1`]);
    assert.equal(r.code, 0, r.stderr);
    const m = await request(`${plain.url}/v2/infra/tiny/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(m.status, 200);
    const manifest = JSON.parse(m.body.toString()) as { config: { digest: string } };
    assert.equal(manifest.config.digest, img.configDigest);
    assert.deepEqual(await fsp.readFile(plain.blobPath(img.configDigest)), img.config);
  });

  test('podman pulls into the scratch store and pushes to the TLS registry with --cert-dir', async () => {
    const pull = await pm.run(['pull', '--tls-verify=false', `${plain.host}/infra/tiny:v1`]);
    assert.equal(pull.code, 0, pull.stderr);
    const images = await pm.run(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(images.code, 0, images.stderr);
    assert.match(images.stdout, new RegExp(`${plain.host.replace(/\./g, '\\.')}/infra/tiny:v1`));
    assert.ok(fs.existsSync(path.join(pm.root, 'vfs-images')), 'image stored in the scratch vfs root');
    const push = await pm.run([
      'push',
      '--cert-dir',
      secure.certsDir!,
      `${plain.host}/infra/tiny:v1`,
      `docker://${secure.host}/infra/tiny:v2`,
    ]);
    assert.equal(push.code, 0, push.stderr);
    const m = await request(`${secure.url}/v2/infra/tiny/manifests/v2`, {
      ca: secure.caCert,
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(m.status, 200);
    // and verification is on: without the CA, podman refuses
    const noCa = await pm.run(['push', `${plain.host}/infra/tiny:v1`, `docker://${secure.host}/infra/tiny:v3`]);
    assert.notEqual(noCa.code, 0);
    assert.match(noCa.stderr, /certificate|x509/i);
  });

  test('podman and skopeo read the scratch signature policy, not the system one', async (t) => {
    const strict = await scratchPodman();
    t.after(() => strict.cleanup());
    await fsp.writeFile(strict.policyPath, JSON.stringify({ default: [{ type: 'reject' }] }));
    const pull = await strict.run(['pull', '--tls-verify=false', `${plain.host}/infra/tiny:v1`]);
    assert.notEqual(pull.code, 0);
    assert.match(pull.stderr, /rejected by policy/);
    const copy = await strict.skopeo(['copy', '--src-tls-verify=false', `docker://${plain.host}/infra/tiny:v1`, `oci:${strict.dir}/out:x`]);
    assert.notEqual(copy.code, 0);
    assert.match(copy.stderr, /rejected by policy/);
  });

  test('skopeo pushes through bearer-token auth', async () => {
    const img = await writeTinyOciLayout(path.join(pm.dir, 'oci-tok'), { tag: 't' });
    const before = tokenReg.tokenIssuer!.issued;
    const denied = await pm.skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:t`, `docker://${tokenReg.host}/tok/img:t`]);
    assert.notEqual(denied.code, 0);
    const r = await pm.skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'carol:pw',
      `oci:${img.dir}:t`,
      `docker://${tokenReg.host}/tok/img:t`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(tokenReg.tokenIssuer!.issued > before);
    assert.ok(
      tokenReg.tokenIssuer!.requests.some((q) => q.user === 'carol' && q.scopes.some((s) => s.includes('tok/img') && s.includes('push'))),
    );
  });
});

describe('fault proxy', { skip: skipRegistry }, () => {
  let reg: Registry;
  let proxy: FaultProxy;
  let echo: EchoServer;
  let blob: Buffer;
  let digest: string;
  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    echo = await startEchoServer({ body: 'from the other origin\n' });
    blob = randomBytes(256 * 1024);
    digest = await pushBlob(reg.url, 'fp/blob', blob);
  });
  after(async () => {
    await proxy?.stop();
    await echo?.stop();
    await reg?.stop();
  });

  const blobUrl = () => `${proxy.url}/v2/fp/blob/blobs/${digest}`;

  test('forwards requests and records them', async () => {
    proxy.requests.length = 0;
    const r = await request(`${proxy.url}/v2/`, { headers: { 'x-test': 'one' } });
    assert.equal(r.status, 200);
    assert.equal(proxy.requests.length, 1);
    const rec = proxy.requests[0]!;
    assert.equal(rec.method, 'GET');
    assert.equal(rec.url, '/v2/');
    assert.equal(rec.headers['x-test'], 'one');
    assert.equal(rec.headers['authorization'], undefined);
    assert.equal(rec.status, 200);
    const b = await request(blobUrl());
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, blob);
  });

  test('upload Location URLs point back at the proxy', async () => {
    const r = await request(`${proxy.url}/v2/fp/up/blobs/uploads/`, { method: 'POST' });
    assert.equal(r.status, 202);
    assert.ok(String(r.headers['location']).startsWith(`${proxy.url}/v2/fp/up/blobs/uploads/`), String(r.headers['location']));
    const data = Buffer.from('through the proxy');
    const loc = new URL(String(r.headers['location']));
    loc.searchParams.set('digest', sha256(data));
    const put = await request(loc.toString(), { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201);
    assert.equal(proxy.requests.at(-1)!.bodyBytes, data.length);
  });

  test('status: answers without forwarding, `times` limits it', async () => {
    const h = proxy.addRule({
      match: (q) => q.path === '/v2/',
      times: 1,
      action: { type: 'status', status: 503, headers: { 'retry-after': '1' }, body: 'busy' },
    });
    const first = await request(`${proxy.url}/v2/`);
    assert.equal(first.status, 503);
    assert.equal(first.headers['retry-after'], '1');
    assert.equal(first.body.toString(), 'busy');
    const second = await request(`${proxy.url}/v2/`);
    assert.equal(second.status, 200);
    assert.equal(h.hits, 1);
    proxy.clearRules();
  });

  test('reset-mid-body: headers + N bytes, then the connection dies', async () => {
    proxy.addRule({ match: (q) => q.path.includes('/blobs/sha256:'), times: 1, action: { type: 'reset-mid-body', afterBytes: 1000 } });
    const r = await partialGet(blobUrl());
    assert.equal(r.status, 200);
    assert.equal(r.contentLength, blob.length);
    assert.ok(r.error, 'the client saw an error');
    assert.equal(r.received.length, 1000);
    assert.deepEqual(r.received, blob.subarray(0, 1000));
    // the rule is used up
    const again = await request(blobUrl());
    assert.deepEqual(again.body, blob);
    proxy.clearRules();
  });

  test('reset: the connection dies before any response', async () => {
    proxy.addRule({ match: () => true, times: 1, action: { type: 'reset' } });
    await assert.rejects(request(`${proxy.url}/v2/`), /socket hang up|ECONNRESET/);
    proxy.clearRules();
  });

  test('tamper-body flips exactly one byte', async () => {
    proxy.addRule({ match: (q) => q.path.includes('/blobs/'), times: 1, action: { type: 'tamper-body', offset: 12345 } });
    const r = await request(blobUrl());
    assert.equal(r.body.length, blob.length);
    assert.notEqual(sha256(r.body), digest);
    let diffs = 0;
    for (let i = 0; i < blob.length; i++) if (r.body[i] !== blob[i]) diffs++;
    assert.equal(diffs, 1);
    assert.equal(r.body[12345], blob[12345]! ^ 0xff);
    proxy.clearRules();
  });

  test('ignore-range strips Range so the upstream answers 200', async () => {
    const ranged = await request(blobUrl(), { headers: { range: 'bytes=10-19' } });
    assert.equal(ranged.status, 206);
    assert.deepEqual(ranged.body, blob.subarray(10, 20));
    proxy.addRule({ match: () => true, times: 1, action: { type: 'ignore-range' } });
    const full = await request(blobUrl(), { headers: { range: 'bytes=10-19' } });
    assert.equal(full.status, 200);
    assert.equal(full.body.length, blob.length);
    assert.equal(proxy.requests.at(-1)!.headers['range'], 'bytes=10-19', 'recorded as the client sent it');
    proxy.clearRules();
  });

  test('redirect to another origin; the echo server records what it got', async () => {
    proxy.addRule({
      match: (q) => q.path.includes('/blobs/'),
      times: 1,
      action: { type: 'redirect', location: `${echo.url}/elsewhere/blob` },
    });
    const r = await request(blobUrl(), { headers: { authorization: 'Bearer secret-token' } });
    assert.equal(r.status, 307);
    assert.equal(r.headers['location'], `${echo.url}/elsewhere/blob`);
    assert.equal(proxy.requests.at(-1)!.headers['authorization'], 'Bearer secret-token');
    const followed = await request(String(r.headers['location']));
    assert.equal(followed.status, 200);
    assert.equal(followed.body.toString(), 'from the other origin\n');
    assert.equal(echo.requests.length, 1);
    assert.equal(echo.requests[0]!.url, '/elsewhere/blob');
    assert.equal(echo.requests[0]!.headers['authorization'], undefined);
    proxy.clearRules();
  });

  test('delay and drip slow things down but deliver everything', async () => {
    const small = await pushBlob(reg.url, 'fp/small', randomBytes(1000));
    proxy.addRule({
      match: (q) => q.path.endsWith(small),
      times: 1,
      action: [
        { type: 'delay', ms: 100 },
        { type: 'drip', bytes: 100, intervalMs: 20 },
      ],
    });
    const t0 = Date.now();
    const r = await request(`${proxy.url}/v2/fp/small/blobs/${small}`);
    const elapsed = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.equal(sha256(r.body), small);
    assert.ok(elapsed >= 250, `took ${elapsed} ms`);
    proxy.clearRules();
  });

  test('https upstream with the test CA', { skip: skipRegistry }, async (t) => {
    const secure = await startRegistry({ tls: true });
    t.after(() => secure.stop());
    const p2 = await startFaultProxy(secure.url, { ca: secure.caCert });
    t.after(() => p2.stop());
    const r = await request(`${p2.url}/v2/`);
    assert.equal(r.status, 200);
    const up = await request(`${p2.url}/v2/x/y/blobs/uploads/`, { method: 'POST' });
    assert.equal(up.status, 202);
    assert.ok(String(up.headers['location']).startsWith(`${p2.url}/`), String(up.headers['location']));
  });
});
