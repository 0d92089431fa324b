/**
 * Options shared by the docker:// source, destination and tag listing, and the one place that
 * turns them into a RegistryClient (credentials resolved per repository).
 */
import {
  RegistryClient,
  type LowSpeedLimit,
  type RegistryCredentials,
  type ResumeOptions,
  type RetryEvent,
  type RetryOptions,
  type TlsMaterial,
} from './client.js';
import type { DockerRef } from './reference.js';

/**
 * Credentials, or a lookup called with "registry/repository" (per-repository entries of an
 * auth file win over per-registry ones; e.g. authfile.getCredentials).
 */
export type CredentialsSource =
  RegistryCredentials | ((name: string) => Promise<RegistryCredentials | undefined> | RegistryCredentials | undefined);

export interface DockerTransportOptions {
  /** Plain http allowed and TLS not verified (registries.conf insecure / --tls-verify=false). */
  insecure?: boolean;
  /** Extra CAs / client certificate (certs.d, --cert-dir). */
  tls?: TlsMaterial;
  credentials?: CredentialsSource;
  userAgent?: string;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  lowSpeed?: LowSpeedLimit | false;
  retry?: RetryOptions;
  resume?: ResumeOptions;
  maxRedirects?: number;
  signal?: AbortSignal;
  onRetry?: (e: RetryEvent) => void;
  /** Use this client (not closed by the source/destination) instead of creating one. */
  client?: RegistryClient;
  /**
   * Read and write sigstore signatures as `sha256-<hex>.sig` attachments (registries.d
   * use-sigstore-attachments for this repository). Off: none are read, and writing one fails.
   */
  sigstoreAttachments?: boolean;
}

export async function resolveCredentials(src: CredentialsSource | undefined, name: string): Promise<RegistryCredentials | undefined> {
  if (src === undefined) return undefined;
  return typeof src === 'function' ? await src(name) : src;
}

/** A client for ref's registry with the given repository actions; `owned` says who closes it. */
export async function clientFor(
  ref: DockerRef,
  o: DockerTransportOptions,
  actions: Array<'pull' | 'push'>,
): Promise<{ client: RegistryClient; owned: boolean }> {
  if (o.client) return { client: o.client, owned: false };
  const credentials = await resolveCredentials(o.credentials, ref.name);
  const client = new RegistryClient({
    host: ref.registry,
    insecure: o.insecure,
    tls: o.tls,
    credentials,
    userAgent: o.userAgent,
    timeoutMs: o.timeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    lowSpeed: o.lowSpeed,
    retry: o.retry,
    resume: o.resume,
    maxRedirects: o.maxRedirects,
    actions,
    signal: o.signal,
    onRetry: o.onRetry,
  });
  return { client, owned: true };
}
