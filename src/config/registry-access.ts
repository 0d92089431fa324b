import { BerthError, isBerthError } from '../errors.js';
import { log } from '../log.js';
import { isInsecureRegistry, type RegistriesConf } from './registries.js';
import { loadTlsMaterial } from './certs.js';
import { getCredentials } from '../auth/authfile.js';
import type { DockerTransportOptions, RegistryCredentials } from '../transports/docker/index.js';

/** How to reach registries: the flags podman users know. One object per operation. */
export interface RegistryAccessOptions {
  /** --tls-verify: false allows http and skips certificate checks; undefined follows registries.conf. */
  tlsVerify?: boolean;
  /** --cert-dir: replaces the certs.d lookup. */
  certDir?: string;
  /** --creds USER[:PASS]. */
  creds?: string;
  /**
   * Credentials given as a value (a Docker client's X-Registry-Auth): used instead of the
   * auth files, like `creds`. Not both.
   */
  credentials?: RegistryCredentials;
  /** --authfile. */
  authfile?: string;
  /** registries.conf to use (default lookup otherwise). */
  registriesConf?: RegistriesConf;
  /** --retry / --retry-delay; what is not given comes from containers.conf (podman: 3 retries, 1s apart). */
  retry?: { max?: number; delayMs?: number };
  signal?: AbortSignal;
}

export function parseCreds(creds: string): RegistryCredentials {
  const i = creds.indexOf(':');
  const username = i < 0 ? creds : creds.slice(0, i);
  const password = i < 0 ? '' : creds.slice(i + 1);
  if (username === '') throw new BerthError('INVALID_ARGUMENT', '--creds needs USERNAME[:PASSWORD] with a non-empty username');
  return { username, password };
}

/**
 * Transport options for one registry host: TLS material from certs.d (or --cert-dir),
 * insecure from --tls-verify=false or registries.conf, credentials from --creds (or `credentials`) or auth.json
 * (most specific key first, looked up lazily and only for this registry).
 */
export function registryAccess(host: string, o: RegistryAccessOptions, conf: RegistriesConf): DockerTransportOptions {
  const insecure = o.tlsVerify === false || (o.tlsVerify === undefined && isInsecureRegistry(conf, host));
  const tls = loadTlsMaterial(host, { certDir: o.certDir });
  if (o.creds !== undefined && o.credentials !== undefined)
    throw new BerthError('INVALID_ARGUMENT', 'give credentials either as creds or as credentials, not both');
  const explicit = o.credentials ?? (o.creds !== undefined ? parseCreds(o.creds) : undefined);
  return {
    insecure,
    tls: tls.ca.length || tls.cert ? tls : undefined,
    credentials:
      explicit ??
      (async (name: string) => {
        let e;
        try {
          e = await getCredentials(name, { authfile: o.authfile, warn: (m) => log.debug(m) });
        } catch (err) {
          // a credentials file that cannot be read must not stop what needs no credentials:
          // say so, and go on anonymously (the registry asks for credentials if it wants them)
          if (!isBerthError(err, 'IO')) throw err;
          log.warn(`${err.message}; continuing without credentials`);
          return undefined;
        }
        if (!e) return undefined;
        return 'identityToken' in e ? { identityToken: e.identityToken } : { username: e.username, password: e.password };
      }),
    retry: o.retry
      ? {
          ...(o.retry.max !== undefined ? { max: o.retry.max } : {}),
          ...(o.retry.delayMs !== undefined ? { delayMs: o.retry.delayMs } : {}),
        }
      : undefined,
    signal: o.signal,
  };
}
