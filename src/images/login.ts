import { BerthError } from '../errors.js';
import {
  setCredentials,
  removeCredentials,
  removeAllCredentials,
  getCredentials,
  defaultAuthFile,
  type AuthOptions,
} from '../auth/authfile.js';
import { buildContext } from '../config/context.js';
import { DEFAULT_DOMAIN } from '../reference/reference.js';
import type { RegistryCredentials } from '../transports/docker/token.js';

export interface LoginOptions {
  username: string;
  password: string;
  authfile?: string;
  /** A Docker config.json to use instead of auth.json (podman's --compat-auth-file). */
  compatAuthFile?: string;
  tlsVerify?: boolean;
  certDir?: string;
}

/**
 * The key a login is stored under: "host[:port]" or "host[:port]/namespace/repo". Schemes and
 * trailing slashes are dropped; docker.io aliases collapse to docker.io.
 */
export function normalizeLoginKey(input: string): string {
  let k = input
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (k === '' || /\s|@/.test(k))
    throw new BerthError('INVALID_ARGUMENT', `invalid registry ${JSON.stringify(input)}: expected HOST[:PORT][/NAMESPACE]`);
  if (k.startsWith('index.docker.io') || k.startsWith('registry-1.docker.io'))
    k = DEFAULT_DOMAIN + k.slice(k.indexOf('/') < 0 ? k.length : k.indexOf('/'));
  if (k.endsWith('/v1') || k.endsWith('/v2')) k = k.slice(0, -3);
  return k;
}

export interface CheckLoginOptions {
  /** A username and password, or an identity token from an earlier login; absent: anonymous access is checked. */
  credentials?: RegistryCredentials;
  tlsVerify?: boolean;
  certDir?: string;
}

/**
 * Check credentials against a registry and store nothing (the Docker API's /auth). An
 * `UNAUTHORIZED` error says the registry refused them; its `data.status` is the HTTP status
 * and `data.url` the endpoint asked. Returns the login key and the endpoint.
 */
export async function checkLogin(registry: string, opts: CheckLoginOptions): Promise<{ key: string; url: string }> {
  const key = normalizeLoginKey(registry);
  const host = key.split('/')[0]!;
  // TLS and insecure as for any registry access; the credentials are the ones being checked
  const { insecure, tls } = buildContext({ registry: { tlsVerify: opts.tlsVerify, certDir: opts.certDir } }).registry(host, 'source');
  const { RegistryClient } = await import('../transports/docker/client.js');
  const client = new RegistryClient({ host, insecure, tls, credentials: opts.credentials, retry: { max: 1, delayMs: 500 } });
  try {
    await client.checkAuth();
    return { key, url: `${client.baseUrl ?? `https://${host}`}/v2/` };
  } catch (e) {
    // podman's words (the registry's own reason stays available as the cause)
    if (e instanceof BerthError && e.code === 'UNAUTHORIZED') {
      const status = typeof e.data?.status === 'number' ? e.data.status : 401;
      throw new BerthError('UNAUTHORIZED', `logging into ${JSON.stringify(key)}: invalid username/password`, {
        cause: e,
        subject: key,
        data: { status, url: `${client.baseUrl ?? `https://${host}`}/v2/` },
      });
    }
    throw e;
  } finally {
    await client.close();
  }
}

/** Check the credentials against the registry, then store them (auth.json, mode 0600). */
export async function login(registry: string, opts: LoginOptions): Promise<{ key: string; file: string }> {
  if (opts.username === '') throw new BerthError('INVALID_ARGUMENT', 'login needs a username (-u)');
  if (opts.password === '') throw new BerthError('INVALID_ARGUMENT', 'login needs a password (-p or --password-stdin)');
  const authOpts = { authfile: opts.authfile, compatAuthFile: opts.compatAuthFile };
  if (authOpts.compatAuthFile) defaultAuthFile(authOpts); // conflicting options fail before any request
  const { key } = await checkLogin(registry, {
    credentials: { username: opts.username, password: opts.password },
    tlsVerify: opts.tlsVerify,
    certDir: opts.certDir,
  });
  const file = await setCredentials(key, { username: opts.username, password: opts.password }, authOpts);
  return { key, file };
}

export async function logout(registry: string | undefined, opts: AuthOptions & { all?: boolean }): Promise<string> {
  if (opts.all) {
    if (registry !== undefined) throw new BerthError('INVALID_ARGUMENT', '--all takes no registry');
    await removeAllCredentials(opts);
    return 'Removed login credentials for all registries';
  }
  if (registry === undefined) throw new BerthError('INVALID_ARGUMENT', 'logout needs a registry (or --all)');
  const key = normalizeLoginKey(registry);
  if (!(await removeCredentials(key, opts))) {
    throw new BerthError('INVALID_ARGUMENT', `not logged into ${key}`);
  }
  return `Removed login credentials for ${key}`;
}

/** The username stored for a registry (login --get-login). */
export async function loggedInUser(registry: string, opts: AuthOptions): Promise<string> {
  const key = normalizeLoginKey(registry);
  const e = await getCredentials(key, opts);
  if (!e || !('username' in e) || !e.username) throw new BerthError('UNAUTHORIZED', `not logged into ${key}`);
  return e.username;
}
