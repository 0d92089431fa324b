import { setFlagsFromString } from 'node:v8';
import { parseGoDuration } from '../src/go/index.js';
import type { RegistryAccessOptions } from '../src/index.js';
import { usageError } from './common.js';
import type { FlagValue } from './flags.js';

/** A Go duration ("500ms", "2s", "1m30s"), in milliseconds; podman's words when it is not one. */
export function parseDurationMs(v: string, flag: string): number {
  const ns = parseGoDuration(v);
  if (ns < 0) throw usageError(`invalid ${flag} ${JSON.stringify(v)}: must not be negative`);
  return Math.round(ns / 1e6);
}

/**
 * The registry options of pull, push and search from their parsed flags (the parser has
 * already checked the types: --tls-verify is a bool or undefined, --retry a whole number,
 * --retry-delay a Go duration). Unset retry settings come from containers.conf.
 */
export function registryAccess(o: Record<string, FlagValue>): RegistryAccessOptions {
  return {
    tlsVerify: o.tlsVerify as boolean | undefined,
    certDir: o.certDir as string | undefined,
    creds: o.creds as string | undefined,
    authfile: (o.authfile as string | undefined) ?? process.env.REGISTRY_AUTH_FILE,
    retry: {
      max: o.retry as number | undefined,
      delayMs: o.retryDelay !== undefined ? parseDurationMs(o.retryDelay as string, '--retry-delay') : undefined,
    },
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
