import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { parseGoDuration, type RegistryAccessOptions } from '../src/index.js';
import { usageError } from './common.js';

/** The registry flags pull, push, login and search share. */
export function addRegistryFlags(c: Command): Command {
  return c
    .option('--tls-verify [bool]', 'require HTTPS and verify certificates (default: registries.conf)')
    .option('--cert-dir <dir>', 'use certificates (*.crt, *.cert, *.key) from this directory')
    .option('--creds <user[:password]>', 'credentials for the registry')
    .option('--authfile <file>', 'auth.json to use (default: REGISTRY_AUTH_FILE or the containers lookup)')
    .option('--retry <n>', 'number of times to retry in case of failure when performing pull or push (default: containers.conf [engine] retry, else 3)')
    .option('--retry-delay <duration>', 'delay between retries in case of pull or push failures (default: containers.conf [engine] retry_delay, else 1s)');
}

export function parseBool(v: unknown, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === 'false') return false;
  throw usageError(`invalid ${flag} value ${JSON.stringify(v)}`, 'use true or false');
}

/** A Go duration ("500ms", "2s", "1m30s"), in milliseconds; podman's words when it is not one. */
export function parseDurationMs(v: string, flag: string): number {
  const ns = parseGoDuration(v);
  if (ns < 0) throw usageError(`invalid ${flag} ${JSON.stringify(v)}: must not be negative`);
  return Math.round(ns / 1e6);
}

export function registryAccess(o: Record<string, unknown>): RegistryAccessOptions {
  const retry = o.retry !== undefined ? Number(o.retry) : undefined;
  if (retry !== undefined && (!Number.isInteger(retry) || retry < 0)) throw usageError(`invalid --retry ${JSON.stringify(o.retry)}`, 'use a whole number');
  if (o.authfile !== undefined && typeof o.authfile !== 'string') throw usageError('--authfile needs a file');
  return {
    tlsVerify: parseBool(o.tlsVerify, '--tls-verify'),
    certDir: o.certDir as string | undefined,
    creds: o.creds as string | undefined,
    authfile: (o.authfile as string | undefined) ?? process.env.REGISTRY_AUTH_FILE,
    retry: { max: retry, delayMs: o.retryDelay !== undefined ? parseDurationMs(o.retryDelay as string, '--retry-delay') : undefined },
  };
}

/**
 * For the commands that talk to registries: keep undici's HTTP parser (WebAssembly) on V8's
 * baseline compiler. The optimizing tier-up compiles it again in the background, which costs
 * ~35 MB of peak RSS and ~50 ms of CPU per process and brings nothing measurable for a
 * parser that mostly skips over blob bodies. Call before the first connection.
 */
export function lightRuntime(): void {
  setFlagsFromString('--liftoff-only');
}
