import { statSync } from 'node:fs';
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
 * podman's check of an --authfile given on the command line: a file that does not exist is an
 * error before anything is done (a typo would otherwise go on without credentials). `prefix`:
 * the words podman puts before it ("checking authfile: " for manifest add/push and logout).
 * REGISTRY_AUTH_FILE is not checked: login creates that file.
 */
export function checkAuthFile(o: Record<string, FlagValue>, prefix = ''): void {
  const file = o.authfile as string | undefined;
  if (!file) return;
  try {
    statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw usageError(`${prefix}stat ${file}: no such file or directory`);
  }
}

/**
 * For the commands that talk to registries, two V8 settings for the rest of the process:
 * - undici's HTTP parser (WebAssembly) stays on V8's baseline compiler. The optimizing tier-up
 *   compiles it again in the background, which costs ~35 MB of peak RSS and ~50 ms of CPU per
 *   process and brings nothing measurable for a parser that mostly skips over blob bodies.
 * - no incremental marking. A transfer allocates a 64 KiB buffer per network read, which keeps
 *   the young generation grown and the old generation's headroom below it, and V8 then starts a
 *   concurrent mark-compact at every chance: 5-6 in a 136 MB pull, 11 in a 283 MB one, each
 *   ~20-30 ms of CPU on helper threads, collecting next to nothing. Without it a full
 *   collection still runs (at once) when the heap or its external memory reaches its limit;
 *   peak RSS stays the same.
 * Both are put back when the process exits, before the launcher may write V8's code cache:
 * V8 keys a cache to the flags in force when it is written, and one written under these would
 * be rejected (and written again) by every later command. Call before the first connection.
 */
let restoreAtExit = false;
export function lightRuntime(): void {
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--no-incremental-marking');
  if (restoreAtExit) return;
  restoreAtExit = true;
  // prepended: the launcher's cache writer listens to 'exit' from before any command ran
  process.prependOnceListener('exit', () => {
    // --liftoff-only also turned the wasm tier-up flags off: the key covers them too
    setFlagsFromString('--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering --incremental-marking');
  });
}
