/**
 * Starts a real container registry (CNCF distribution, Debian package `docker-registry`) on
 * 127.0.0.1 for integration tests, optionally with TLS (test CA generated with the openssl CLI),
 * htpasswd basic auth, or docker-style bearer-token auth served by an in-process token issuer.
 *
 *   const reg = await startRegistry({ tls: true });
 *   t.after(() => reg.stop());
 *
 * Every registry gets a fresh temp dir (removed by stop(), and as a last resort when the test
 * process exits). Nothing listens anywhere but 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runOk, toolPath } from './tools.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface TokenOptions {
  /**
   * When htpasswd credentials are configured: whether requests without credentials get the
   * `pull` actions they ask for (default false: they get a token with no access at all).
   * Without htpasswd credentials every request is treated as authenticated.
   */
  anonymousPull?: boolean;
  /** Token lifetime in seconds (default 300). The registry allows 60 s of clock-skew leeway. */
  expiresIn?: number;
  /** Serve the issuer over https with the test CA (only with tls: true). Default false. */
  issuerTls?: boolean;
  /**
   * Repositories a user who presents credentials gets no access to at all (e.g. to refuse a
   * cross-repository mount from them); anonymous pulls of them follow `anonymousPull`. Read at
   * every token request: a test may add to the array it passed.
   */
  deniedRepositories?: string[];
}

export interface StartRegistryOptions {
  /** Serve https with a certificate for 127.0.0.1 / localhost signed by a fresh test CA. */
  tls?: boolean;
  /** Require these credentials (htpasswd auth; with `token`, the issuer checks them instead). */
  htpasswd?: { user: string; password: string };
  /** Bearer-token auth via an in-process token issuer. */
  token?: boolean | TokenOptions;
  /** Use this storage root (kept on stop()) instead of a fresh one inside the temp dir. */
  storageDir?: string;
  /** Max milliseconds to wait for the registry to answer (default 20000). */
  startTimeoutMs?: number;
}

export interface TokenRequestRecord {
  method: string;
  url: string;
  service: string | null;
  scopes: string[];
  /** User from Basic auth / OAuth password grant, if any. */
  user?: string;
  /** Whether the presented credentials were accepted (undefined if none were presented). */
  authenticated?: boolean;
  /** HTTP status the issuer answered with. */
  status: number;
  /** Access granted in the issued token (empty when refused). */
  granted: TokenAccess[];
}

export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenIssuer {
  /** Base URL of the issuer, e.g. http://127.0.0.1:PORT */
  url: string;
  /** The realm advertised by the registry (url + '/token'). */
  realm: string;
  /** `service` the registry expects as token audience. */
  service: string;
  /** `iss` claim the registry trusts. */
  issuer: string;
  /** How many tokens have been issued so far. */
  issued: number;
  /** Every request to the issuer, in order. */
  requests: TokenRequestRecord[];
  /** libtrust key ID of the signing key (JWT header `kid`). */
  keyId: string;
  /** Mint a token directly (e.g. an expired one: expiresIn: -120). Does not count in `issued`. */
  mint(opts: { access: TokenAccess[]; subject?: string; expiresIn?: number; audience?: string; issuer?: string }): string;
}

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" */
  url: string;
  port: number;
  /** The registry's private temp dir (config.yml, certs, htpasswd, storage unless storageDir was given). */
  dir: string;
  /** PEM of the test CA (tls only). */
  caCertPath?: string;
  /** The test CA PEM itself (tls only). */
  caCert?: string;
  /** A directory that contains only `ca.crt` — what `--cert-dir` / `--dest-cert-dir` take (tls only). */
  certsDir?: string;
  /** A certs.d-style parent directory containing `127.0.0.1:PORT/ca.crt` (tls only). */
  certsD?: string;
  /** Server certificate/key and CA key paths (tls only), e.g. to serve a fault proxy over TLS. */
  tlsFiles?: { caCert: string; caKey: string; serverCert: string; serverKey: string };
  /** Storage root: blobs live at <rootDir>/docker/registry/v2/blobs/sha256/<2hex>/<hex>/data */
  rootDir: string;
  /** Filesystem path of a blob's data file in this registry's storage. */
  blobPath(digest: string): string;
  /** htpasswd file (htpasswd mode only). */
  htpasswdPath?: string;
  tokenIssuer?: TokenIssuer;
  /** The registry's stderr/stdout collected so far (bounded). */
  logs(): string;
  /** Kill the registry (and issuer), remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Last-resort cleanup: if a test file crashes without calling stop(), kill children and remove
// temp dirs synchronously when the process exits.

const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;
function registerExitCleanup(fn: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const f of exitCleanups) {
        try {
          f();
        } catch {
          /* best effort */
        }
      }
    });
  }
  exitCleanups.add(fn);
  return () => exitCleanups.delete(fn);
}

/** A free TCP port on 127.0.0.1 (listen on 0, close, hand the number out). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('freePort: no address'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

// ---------------------------------------------------------------------------------------------

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<Registry> {
  if (!fs.existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} not found (install the Debian package docker-registry)`);
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-reg-'));
  const unregisterDir = registerExitCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* best effort */
      }
    }
    cleanups.length = 0;
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
    unregisterDir();
  };

  try {
    const rootDir = opts.storageDir ?? path.join(dir, 'storage');
    await fsp.mkdir(rootDir, { recursive: true });
    const tokenOpts: TokenOptions | undefined =
      opts.token === true ? {} : opts.token === false || opts.token === undefined ? undefined : opts.token;
    const useToken = tokenOpts !== undefined;
    if (tokenOpts?.issuerTls && !opts.tls) throw new Error('startRegistry: token.issuerTls requires tls: true');

    // The registry port must be known before writing config.yml (and, with TLS, certs.d paths).
    // A port picked by freePort() can be stolen before the registry binds it; retry then.
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const host = `127.0.0.1:${port}`;
      const scheme = opts.tls ? 'https' : 'http';
      const url = `${scheme}://${host}`;

      let tlsFiles: Registry['tlsFiles'];
      let certsDir: string | undefined;
      let certsD: string | undefined;
      let caCertPath: string | undefined;
      let caCert: string | undefined;
      if (opts.tls) {
        tlsFiles = await makeTestPki(path.join(dir, 'tls'));
        certsDir = path.join(dir, 'certs');
        certsD = path.join(dir, 'certs.d');
        await fsp.rm(certsDir, { recursive: true, force: true });
        await fsp.rm(certsD, { recursive: true, force: true });
        await fsp.mkdir(certsDir, { recursive: true });
        await fsp.mkdir(path.join(certsD, host), { recursive: true });
        caCert = await fsp.readFile(tlsFiles.caCert, 'utf8');
        caCertPath = path.join(certsDir, 'ca.crt');
        await fsp.writeFile(caCertPath, caCert);
        await fsp.writeFile(path.join(certsD, host, 'ca.crt'), caCert);
      }

      let htpasswdPath: string | undefined;
      if (opts.htpasswd && !useToken) {
        htpasswdPath = path.join(dir, 'htpasswd');
        const htpasswd = toolPath('htpasswd');
        if (!htpasswd) throw new Error('htpasswd not found (install apache2-utils)');
        const r = await runOk(htpasswd, ['-Bbn', opts.htpasswd.user, opts.htpasswd.password]);
        await fsp.writeFile(htpasswdPath, r.stdout.trim() + '\n', { mode: 0o600 });
      }

      let issuer: StartedIssuer | undefined;
      if (useToken) {
        issuer = await startTokenIssuer({
          dir: path.join(dir, 'token'),
          credentials: opts.htpasswd,
          anonymousPull: tokenOpts.anonymousPull ?? false,
          deniedRepositories: tokenOpts.deniedRepositories ?? [],
          expiresIn: tokenOpts.expiresIn ?? 300,
          tls: tokenOpts.issuerTls && tlsFiles ? { cert: tlsFiles.serverCert, key: tlsFiles.serverKey } : undefined,
        });
        const iss = issuer;
        cleanups.push(() => iss.close());
      }

      const configPath = path.join(dir, 'config.yml');
      await fsp.writeFile(configPath, registryConfig({ port, rootDir, tlsFiles, htpasswdPath, issuer }));

      let proc: RegistryProcess;
      try {
        proc = await spawnRegistry(configPath, dir, url, opts.startTimeoutMs ?? 20_000);
      } catch (err) {
        lastErr = err;
        if (issuer) {
          await issuer.close();
          cleanups.pop();
        }
        if (err instanceof Error && /address already in use/i.test(err.message)) continue;
        throw err;
      }
      cleanups.push(() => proc.kill());

      let stopped: Promise<void> | undefined;
      const reg: Registry = {
        host,
        url,
        port,
        dir,
        rootDir,
        blobPath: (digest: string) => {
          const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
          if (!m) throw new Error(`blobPath: not a sha256 digest: ${digest}`);
          const hex = m[1]!;
          return path.join(rootDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
        },
        logs: () => proc.logs(),
        stop: () => (stopped ??= teardown()),
      };
      if (opts.tls) {
        reg.caCertPath = caCertPath;
        reg.caCert = caCert;
        reg.certsDir = certsDir;
        reg.certsD = certsD;
        reg.tlsFiles = tlsFiles;
      }
      if (htpasswdPath) reg.htpasswdPath = htpasswdPath;
      if (issuer) reg.tokenIssuer = issuer.api;
      return reg;
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  } catch (err) {
    await teardown();
    throw err;
  }
}

function yamlStr(s: string): string {
  return JSON.stringify(s); // JSON strings are valid YAML double-quoted scalars
}

function registryConfig(p: {
  port: number;
  rootDir: string;
  tlsFiles?: Registry['tlsFiles'];
  htpasswdPath?: string;
  issuer?: StartedIssuer;
}): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${yamlStr(p.rootDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${yamlStr(`127.0.0.1:${p.port}`)}`,
    `  secret: ${yamlStr(randomBytes(24).toString('hex'))}`,
  ];
  if (p.tlsFiles) {
    lines.push('  tls:', `    certificate: ${yamlStr(p.tlsFiles.serverCert)}`, `    key: ${yamlStr(p.tlsFiles.serverKey)}`);
  }
  if (p.htpasswdPath) {
    lines.push('auth:', '  htpasswd:', '    realm: "berth-test-registry"', `    path: ${yamlStr(p.htpasswdPath)}`);
  } else if (p.issuer) {
    const a = p.issuer.api;
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${yamlStr(a.realm)}`,
      `    service: ${yamlStr(a.service)}`,
      `    issuer: ${yamlStr(a.issuer)}`,
      `    rootcertbundle: ${yamlStr(p.issuer.certPath)}`,
    );
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// The registry child process.

interface RegistryProcess {
  logs(): string;
  kill(): Promise<void>;
}

const MAX_LOG = 64 * 1024;

async function spawnRegistry(configPath: string, cwd: string, url: string, timeoutMs: number): Promise<RegistryProcess> {
  // Keep REGISTRY_* variables of the test environment from overriding config.yml.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_')) env[k] = v;
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', configPath], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const onData = (b: Buffer) => {
    log += b.toString('utf8');
    if (log.length > MAX_LOG) log = log.slice(log.length - MAX_LOG);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve();
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const unregister = registerExitCleanup(() => {
    if (!exited) child.kill('SIGKILL');
  });
  // Do not let a forgotten stop() keep the test process alive; the exit hook kills the child.
  child.unref();
  (child.stdout as net.Socket | null)?.unref?.();
  (child.stderr as net.Socket | null)?.unref?.();

  const kill = async () => {
    if (!exited && !spawnError) {
      child.ref();
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(t);
    }
    unregister();
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      unregister();
      throw new Error(`cannot start ${REGISTRY_BIN}: ${spawnError.message}`);
    }
    if (exited) {
      unregister();
      throw new Error(
        `${REGISTRY_BIN} exited during startup (${exited.code !== null ? `code ${exited.code}` : `signal ${exited.signal}`}):\n${log.trim()}`,
      );
    }
    if (await probe(url + '/v2/')) break;
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`${REGISTRY_BIN} did not answer ${url}/v2/ within ${timeoutMs} ms; output:\n${log.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { logs: () => log, kill };
}

/**
 * Whether the registry answers an HTTP(S) GET at url (any status, but it must carry the
 * Docker-Distribution-API-Version header so that another server that grabbed the port does not
 * count). Certificates are not verified here.
 */
function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { method: 'GET', timeout: 1000, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.headers['docker-distribution-api-version'] !== undefined);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Test PKI via the openssl CLI.

async function makeTestPki(dir: string): Promise<NonNullable<Registry['tlsFiles']>> {
  const openssl = toolPath('openssl');
  if (!openssl) throw new Error('openssl not found');
  await fsp.mkdir(dir, { recursive: true });
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.crt');
  const serverKey = path.join(dir, 'server.key');
  const serverCsr = path.join(dir, 'server.csr');
  const serverCert = path.join(dir, 'server.crt');
  const extFile = path.join(dir, 'server.ext');
  const opt = { cwd: dir, env: { OPENSSL_CONF: '/dev/null' } };
  const genKey = (out: string) => runOk(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out], opt);
  await genKey(caKey);
  await runOk(
    openssl,
    [
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-sha256',
      '-days',
      '3',
      '-subj',
      `/CN=berth test CA ${randomBytes(4).toString('hex')}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-addext',
      'subjectKeyIdentifier=hash',
      '-out',
      caCert,
    ],
    opt,
  );
  await genKey(serverKey);
  await runOk(openssl, ['req', '-new', '-key', serverKey, '-subj', '/CN=127.0.0.1', '-out', serverCsr], opt);
  await fsp.writeFile(
    extFile,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  await runOk(
    openssl,
    [
      'x509',
      '-req',
      '-in',
      serverCsr,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-set_serial',
      '0x' + randomBytes(8).toString('hex'),
      '-days',
      '2',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      serverCert,
    ],
    opt,
  );
  return { caCert, caKey, serverCert, serverKey };
}

// ---------------------------------------------------------------------------------------------
// Token issuer (docker registry token protocol, https://distribution.github.io/distribution/spec/auth/token/).
//
// The registry (auth: token) is configured with `rootcertbundle` = a self-signed certificate of the
// issuer's RSA key. distribution 2.8 trusts a JWT whose header `kid` equals the libtrust key ID of
// a public key in that bundle (alternatively an `x5c` chain verifying to the bundle); we use `kid`.

interface StartedIssuer {
  api: TokenIssuer;
  certPath: string;
  close(): Promise<void>;
}

/** libtrust key ID: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, groups of 4 joined by ':'. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  const b32 = base32(digest);
  const groups: string[] = [];
  for (let i = 0; i < b32.length; i += 4) groups.push(b32.slice(i, i + 4));
  return groups.join(':');
}

function base32(buf: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out; // unpadded (30 bytes encode to exactly 48 characters)
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** Parse a scope "type[(class)]:name:action1,action2" (names may contain ':'). */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!name) return undefined;
  return { type, name, actions };
}

async function startTokenIssuer(p: {
  dir: string;
  credentials?: { user: string; password: string };
  anonymousPull: boolean;
  deniedRepositories: string[];
  expiresIn: number;
  tls?: { cert: string; key: string };
}): Promise<StartedIssuer> {
  await fsp.mkdir(p.dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPath = path.join(p.dir, 'signing.key');
  const certPath = path.join(p.dir, 'signing.crt');
  await fsp.writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const openssl = toolPath('openssl');
  if (!openssl) throw new Error('openssl not found');
  await runOk(
    openssl,
    ['req', '-x509', '-new', '-key', keyPath, '-sha256', '-days', '3', '-subj', '/CN=berth test token signer', '-out', certPath],
    { cwd: p.dir, env: { OPENSSL_CONF: '/dev/null' } },
  );
  const keyId = libtrustKeyId(publicKey);
  const service = 'berth-test-registry';
  const issuerName = 'berth-test-token-issuer';

  const mint: TokenIssuer['mint'] = (o) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', kid: keyId };
    const claims = {
      iss: o.issuer ?? issuerName,
      sub: o.subject ?? '',
      aud: o.audience ?? service,
      exp: now + (o.expiresIn ?? p.expiresIn),
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      access: o.access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(signingInput).sign(privateKey);
    return `${signingInput}.${b64url(sig)}`;
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://issuer');
      const record: TokenRequestRecord = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        service: null,
        scopes: [],
        status: 0,
        granted: [],
      };
      api.requests.push(record);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      if (u.pathname !== '/token') {
        send(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
        return;
      }
      let service: string | null;
      let scopes: string[];
      let user: string | undefined;
      let password: string | undefined;
      if (req.method === 'GET') {
        service = u.searchParams.get('service');
        scopes = u.searchParams
          .getAll('scope')
          .flatMap((s) => s.split(' '))
          .filter(Boolean);
      } else if (req.method === 'POST') {
        // OAuth2 password grant (as used by containerd/docker with refresh tokens).
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        service = form.get('service');
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        if (form.get('grant_type') === 'password') {
          user = form.get('username') ?? undefined;
          password = form.get('password') ?? undefined;
        }
      } else {
        send(405, { errors: [{ code: 'UNSUPPORTED', message: 'method not allowed' }] });
        return;
      }
      record.service = service;
      record.scopes = scopes;
      const authz = req.headers.authorization;
      if (authz && /^basic /i.test(authz)) {
        const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        user = i >= 0 ? decoded.slice(0, i) : decoded;
        password = i >= 0 ? decoded.slice(i + 1) : '';
      }
      if (service !== null && service !== api.service) {
        send(400, { errors: [{ code: 'INVALID_REQUEST', message: `unknown service ${service}` }] });
        return;
      }
      let authenticated: boolean;
      if (user !== undefined) {
        record.user = user;
        authenticated = !p.credentials || (user === p.credentials.user && password === p.credentials.password);
        record.authenticated = authenticated;
        if (!authenticated) {
          send(
            401,
            { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] },
            { 'www-authenticate': 'Basic realm="berth-test-token-issuer"' },
          );
          return;
        }
      } else {
        authenticated = !p.credentials;
      }
      const granted: TokenAccess[] = [];
      for (const s of scopes) {
        const a = parseScope(s);
        if (!a) continue;
        const denied = user !== undefined && a.type === 'repository' && p.deniedRepositories.includes(a.name);
        const actions = denied ? [] : authenticated ? a.actions : p.anonymousPull ? a.actions.filter((x) => x === 'pull') : [];
        if (actions.length) granted.push({ type: a.type, name: a.name, actions });
      }
      record.granted = granted;
      const token = mint({ access: granted, subject: authenticated ? (user ?? 'anonymous') : '' });
      api.issued++;
      send(200, { token, access_token: token, expires_in: p.expiresIn, issued_at: new Date().toISOString() });
    });
  };

  const server = p.tls
    ? https.createServer({ cert: await fsp.readFile(p.tls.cert), key: await fsp.readFile(p.tls.key) }, handler)
    : http.createServer(handler);
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const url = `${p.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`;
  const api: TokenIssuer = {
    url,
    realm: `${url}/token`,
    service,
    issuer: issuerName,
    issued: 0,
    requests: [],
    keyId,
    mint,
  };
  return {
    api,
    certPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
