/**
 * `docker://host/repo[:tag][@digest]` references. The part after "docker:" must start with
 * "//"; the name is normalized like docker (docker.io, library/) and gets ":latest" when it
 * has neither tag nor digest, as containers/image's docker transport does.
 */
import { BerthError } from '../../errors.js';
import { type Reference, DEFAULT_DOMAIN, formatReference, parseNormalizedReference, withDefaultTag } from '../../reference/reference.js';
import type { ImageReference, ImageSource, OpenedDestination, SignatureStorage, TransportContext } from '../types.js';
import { openedDestination } from '../opened.js';

export class DockerRef implements ImageReference {
  readonly transport = 'docker' as const;
  readonly dockerReference: Reference;

  constructor(ref: Reference) {
    if (!ref.domain) throw new BerthError('INVALID_REFERENCE', `docker reference ${JSON.stringify(formatReference(ref))} has no registry`);
    this.dockerReference = withDefaultTag({ ...ref });
  }

  /** Registry name as written in references and auth files ("docker.io", "quay.io", "127.0.0.1:5000"). */
  get registry(): string {
    return this.dockerReference.domain;
  }
  /** Repository path inside the registry ("library/alpine"). */
  get repository(): string {
    return this.dockerReference.path;
  }
  /** "registry/repository", the key per-repository credentials are looked up by. */
  get name(): string {
    return `${this.dockerReference.domain}/${this.dockerReference.path}`;
  }
  get registryRepository(): string {
    return this.name;
  }
  get tag(): string | undefined {
    return this.dockerReference.tag;
  }
  get digest() {
    return this.dockerReference.digest;
  }

  toString(): string {
    return `docker://${formatReference(this.dockerReference)}`;
  }
  policyScope(): string {
    return formatReference(this.dockerReference);
  }

  async newSource(ctx: TransportContext): Promise<ImageSource> {
    const { DockerSource } = await import('./source.js');
    const signatureStorage = signatureStorageOf(ctx, this);
    return new DockerSource(this, {
      ...ctx.registry(this.registry, 'source'),
      ...this.signatureOptions(ctx),
      ...(signatureStorage ? { signatureStorage } : {}),
    });
  }

  async newDestination(ctx: TransportContext): Promise<OpenedDestination> {
    const { DockerDestination } = await import('./destination.js');
    // mount hints are repositories of the same registry only
    const mountFrom = (ctx.mountFrom ?? [])
      .filter((n) => n.startsWith(`${this.registry}/`) && n !== this.name)
      .map((n) => n.slice(this.registry.length + 1));
    const signatureStorage = signatureStorageOf(ctx, this);
    return openedDestination(
      new DockerDestination(this, {
        ...ctx.registry(this.registry, 'destination'),
        ...this.signatureOptions(ctx),
        ...(mountFrom.length ? { mountFrom } : {}),
        ...(signatureStorage ? { signatureStorage } : {}),
      }),
    );
  }

  /** Where this repository's signatures live (registries.d, through the context). */
  private signatureOptions(ctx: TransportContext): { sigstoreAttachments?: boolean } {
    return ctx.useSigstoreAttachments?.(this.policyScope()) ? { sigstoreAttachments: true } : {};
  }
}

/** The reference's signature locations, looked up (registries.d read) only when signatures are used. */
export function signatureStorageOf(ctx: TransportContext, ref: DockerRef): (() => Promise<SignatureStorage>) | undefined {
  const lookup = ctx.signatureStorage;
  if (!lookup) return undefined;
  let p: Promise<SignatureStorage> | undefined;
  return () => (p ??= lookup.call(ctx, ref.dockerReference));
}

/**
 * Parse the location part of a docker transport reference (what follows "docker:").
 * "//quay.io/podman/hello:latest" -> quay.io/podman/hello:latest.
 */
export function parseDockerRef(location: string): DockerRef {
  if (typeof location !== 'string' || !location.startsWith('//')) {
    throw new BerthError(
      'INVALID_REFERENCE',
      `invalid docker reference ${JSON.stringify(show(location))}: expected docker://[registry/]name[:tag][@digest]`,
      {
        hint: 'the docker transport needs "//" after "docker:", e.g. docker://quay.io/podman/hello',
      },
    );
  }
  return new DockerRef(parseNormalizedReference(location.slice(2)));
}

/** Parse a full "docker://..." string (accepts the transport prefix). */
export function parseDockerTransportString(s: string): DockerRef {
  if (!s.startsWith('docker:')) throw new BerthError('INVALID_REFERENCE', `${JSON.stringify(show(s))} is not a docker:// reference`);
  return parseDockerRef(s.slice('docker:'.length));
}

/** The host the registry API really lives on (docker.io is served by registry-1.docker.io). */
export function registryApiHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

function show(s: unknown): string {
  const t = String(s);
  return t.length > 100 ? t.slice(0, 97) + '...' : t;
}
