import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { SignatureStorage, TransportContext } from '../transports/types.js';
import type { DockerTransportOptions, RetryEvent } from '../transports/docker/index.js';
import { loadRegistriesConf, type RegistriesConf } from './registries.js';
import { loadEngineSettings, type EngineSettings } from './containers-conf.js';
import { registryAccess, type RegistryAccessOptions } from './registry-access.js';
import { policyJsonCheck } from './policy-check.js';
import { loadRegistriesD, lookasideBaseURL, usesSigstoreAttachments, type RegistriesD } from './registries-d.js';
import { acceptAnything, type PolicyCheck } from '../copy/policy.js';

/** What an operation's context is built from: the flags, plus anything already loaded. */
export interface ContextOptions {
  /** Registry flags; both sides of a copy unless `destRegistry` is given. */
  registry?: RegistryAccessOptions;
  /** Registry flags of the destination side (copy --dest-*). */
  destRegistry?: RegistryAccessOptions;
  /** registries.conf; default: the usual lookup, read once on first use. */
  registriesConf?: RegistriesConf;
  /** containers.conf settings; default: read once on first use. */
  engine?: EngineSettings;
  /** Opens the local store (containers-storage:). */
  store?: () => Store;
  /** Which local image a name means; the image service injects its lookup rule. */
  lookupImage?: (store: Store, name: string) => { id: string; matchedName?: string };
  /** "registry/repo" names that may already hold the blobs (cross-repository mount hints). */
  mountFrom?: string[];
  /** policy.json to use instead of the default lookup (--signature-policy, copy --policy). */
  signaturePolicy?: string;
  /** Evaluate no signature policy at all (copy --insecure-policy). */
  insecurePolicy?: boolean;
  /** registries.d directory (default: ~/.config/containers/registries.d, else /etc/containers/registries.d). */
  registriesDir?: string;
  signal?: AbortSignal;
  /** Told about every retried registry request (and every resumed download). */
  onRetry?: (e: RetryEvent) => void;
}

/** The context of one operation: what transports need, plus the configuration it came from. */
export interface SystemContext extends TransportContext {
  registriesConf(): RegistriesConf;
  /** containers.conf settings ([engine] image_parallel_copies...). */
  engine(): EngineSettings;
  /** Layers copied at once: `explicit`, else containers.conf's image_parallel_copies (0: the engine's default). */
  parallelCopies(explicit?: number): number | undefined;
  /** The signature policy (policy.json) every image read must pass; the file is read on first use. */
  policy(): PolicyCheck;
}

function missing(what: string): never {
  throw new BerthError('INVALID_ARGUMENT', `containers-storage: needs ${what}`, { hint: 'pass a store to the operation' });
}

/** Retries: the flags, else containers.conf's [engine] retry and retry_delay. */
function retrySettings(flags: RegistryAccessOptions['retry'], engine: EngineSettings): RegistryAccessOptions['retry'] {
  const max = flags?.max ?? engine.retry;
  const delayMs = flags?.delayMs ?? engine.retryDelayMs;
  return max === undefined && delayMs === undefined ? undefined : { max, delayMs };
}

/**
 * Build an operation's context once: configuration files are read lazily, at most once, and
 * only when something needs them (a docker:// name, a parallel copy...).
 */
export function buildContext(o: ContextOptions = {}): SystemContext {
  let conf = o.registriesConf ?? o.registry?.registriesConf;
  let engine = o.engine;
  let policy: PolicyCheck | undefined;
  let registriesD: RegistriesD | undefined;
  const ctx: SystemContext = {
    registriesConf: () => (conf ??= loadRegistriesConf()),
    engine: () => (engine ??= loadEngineSettings()),
    parallelCopies(explicit) {
      const fromConf = ctx.engine().imageParallelCopies;
      return explicit ?? (fromConf ? fromConf : undefined);
    },
    policy: () => (policy ??= o.insecurePolicy ? acceptAnything : policyJsonCheck({ path: o.signaturePolicy })),
    registry(host: string, side: 'source' | 'destination'): DockerTransportOptions {
      const flags = (side === 'destination' ? (o.destRegistry ?? o.registry) : o.registry) ?? {};
      const access = registryAccess(
        host,
        { ...flags, retry: retrySettings(flags.retry, ctx.engine()) },
        flags.registriesConf ?? ctx.registriesConf(),
      );
      const withSignal = access.signal || !o.signal ? access : { ...access, signal: o.signal };
      return o.onRetry ? { ...withSignal, onRetry: o.onRetry } : withSignal;
    },
    useSigstoreAttachments(identity: string): boolean {
      registriesD ??= loadRegistriesD({ dir: o.registriesDir });
      return usesSigstoreAttachments(registriesD, identity);
    },
    async signatureStorage(ref): Promise<SignatureStorage> {
      registriesD ??= loadRegistriesD({ dir: o.registriesDir });
      return { lookaside: { read: lookasideBaseURL(registriesD, ref, false), write: lookasideBaseURL(registriesD, ref, true) } };
    },
    store: o.store ?? (() => missing('a store')),
    lookupImage: o.lookupImage ?? (() => missing('an image lookup')),
    ...(o.mountFrom ? { mountFrom: o.mountFrom } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  return ctx;
}
