/**
 * How the service reaches one registry for a request, by Docker's defaults:
 * - registries on loopback addresses (127.0.0.0/8, ::1, localhost) may be plain HTTP or
 *   unverified TLS, as dockerd's default insecure-registry CIDRs allow;
 * - credentials from X-Registry-Auth (what docker CLI, dockerode and Testcontainers send for
 *   pull and push), else the entry for that registry in X-Registry-Config, else none given —
 *   then the service's own credential files apply (auth.json, ~/.docker/config.json), as for the
 *   CLI. A header that does not decode counts as absent (dockerd ignores it too); its text is
 *   never logged.
 */
import type { IncomingMessage } from 'node:http';
import type { RegistryAccessOptions } from '../../../src/index.js';
import { credentialsOf, decodeRegistryAuth, decodeRegistryConfig, serverHost } from './registry-auth.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** Whether dockerd would treat `registryHost` as an insecure registry by default. */
export function isLoopbackRegistry(registryHost: string): boolean {
  return LOOPBACK.test(registryHost);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function credentials(req: IncomingMessage, registryHost: string): Pick<RegistryAccessOptions, 'credentials'> {
  const auth = credentialsOf(decodeRegistryAuth(header(req, 'x-registry-auth')).config);
  if (auth) return { credentials: auth };
  for (const [server, config] of decodeRegistryConfig(header(req, 'x-registry-config'))) {
    const c = credentialsOf(config);
    if (c && serverHost(server) === registryHost) return { credentials: c };
  }
  return {};
}

/** Registry options for a request to `registryHost` (a registry host, or "" when unknown). */
export function registryAccess(req: IncomingMessage, registryHost: string, signal?: AbortSignal): RegistryAccessOptions {
  return {
    ...(isLoopbackRegistry(registryHost) ? { tlsVerify: false } : {}),
    ...credentials(req, registryHost),
    ...(signal ? { signal } : {}),
  };
}
