import { buildContext, type ContextOptions, type SystemContext } from '../config/context.js';
import { lookupImage } from './lookup.js';
import type { RegistryAccessOptions } from './registry-access.js';
import type { Store } from '../store/store.js';
import type { ProgressEvent } from '../transports/types.js';
import type { RetryEvent } from '../transports/docker/index.js';

/** An operation's context with the image service's rule for naming local images injected. */
export function imageContext(o: ContextOptions = {}): SystemContext {
  return buildContext({ lookupImage, ...o });
}

/** The context of a transfer from or into `store`: registry flags, signature policy, cancellation, retries as progress. */
export function transferContext(
  store: Store,
  opts: RegistryAccessOptions & { signaturePolicy?: string; signal?: AbortSignal; onProgress?: (e: ProgressEvent) => void },
): SystemContext {
  return imageContext({
    store: () => store,
    registry: opts,
    signaturePolicy: opts.signaturePolicy,
    signal: opts.signal,
    onRetry: retryProgress(opts.onProgress),
  });
}

/** Retries reported as progress events (`kind: 'retry'`), when the caller listens to progress. */
export function retryProgress(onProgress?: (e: ProgressEvent) => void): ((e: RetryEvent) => void) | undefined {
  return onProgress && ((e) => onProgress({ kind: 'retry', what: e.what, attempt: e.attempt, delayMs: e.delayMs, reason: e.reason }));
}
