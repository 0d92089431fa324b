/**
 * How the service reaches registries, by Docker's defaults: registries on loopback addresses
 * (127.0.0.0/8, ::1, localhost) may be plain HTTP, as Docker's default insecure-registry CIDRs
 * allow; credentials come from the request's X-Registry-Auth header when given, else from the
 * usual auth files.
 */
import type { IncomingMessage } from 'node:http';
import type { RegistryAccessOptions } from '../../src/index.js';
import { ApiError } from './errors.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** Docker's X-Registry-Auth: base64url JSON {username, password, serveraddress, identitytoken}. */
export function registryAuth(req: IncomingMessage): { username?: string; password?: string } | undefined {
  const raw = req.headers['x-registry-auth'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  return {
    ...(typeof d.username === 'string' ? { username: d.username } : {}),
    ...(typeof d.password === 'string' ? { password: d.password } : {}),
  };
}

/** Registry options for a request to `host` (a registry host, or "" when unknown). */
export function dockerRegistryAccess(host: string, req: IncomingMessage, signal?: AbortSignal): RegistryAccessOptions {
  const auth = registryAuth(req);
  return {
    ...(LOOPBACK.test(host) ? { tlsVerify: false } : {}),
    ...(auth?.username ? { creds: `${auth.username}:${auth.password ?? ''}` } : {}),
    ...(signal ? { signal } : {}),
  };
}
