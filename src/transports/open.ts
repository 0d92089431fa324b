import { BerthError } from '../errors.js';
import { parseLocalReference, formatReference, parseReferenceRaw } from '../reference/reference.js';
import type { Store } from '../store/store.js';
import type { ImageDestination, ImageSource } from './types.js';
import { lookupImage } from '../images/lookup.js';
import type { RegistryAccessOptions } from '../images/registry-access.js';

export const TRANSPORTS = ['docker', 'docker-archive', 'oci-archive', 'oci', 'dir', 'containers-storage'] as const;

/** Split "transport:rest"; anything else is an error naming the known transports. */
export function splitTransport(name: string): { transport: (typeof TRANSPORTS)[number]; rest: string } {
  const i = name.indexOf(':');
  const t = i > 0 ? name.slice(0, i) : '';
  if (!(TRANSPORTS as readonly string[]).includes(t)) {
    throw new BerthError('INVALID_REFERENCE', `invalid image name ${JSON.stringify(name.length > 100 ? name.slice(0, 97) + '...' : name)}: expected TRANSPORT:LOCATION`, { hint: `transports: ${TRANSPORTS.join(', ')}` });
  }
  return { transport: t as (typeof TRANSPORTS)[number], rest: name.slice(i + 1) };
}

export interface OpenContext {
  /** Opens the local store on first use (containers-storage:). */
  store: () => Store;
  /** Registry flags, for docker:// names. */
  registry?: RegistryAccessOptions;
  /** Separate registry flags for the destination side (copy --dest-*), defaulting to `registry`. */
  destRegistry?: RegistryAccessOptions;
  /** "registry/repo" names that may already hold the blobs (cross-repository mount hints). */
  mountFrom?: string[];
}

/** Open an image source for "transport:location". The caller closes it. */
export async function openSourceByName(name: string, ctx: OpenContext): Promise<ImageSource> {
  const { transport, rest } = splitTransport(name);
  switch (transport) {
    case 'docker': {
      const { parseDockerRef, DockerSource } = await import('./docker/index.js');
      const { dockerAccess } = await import('../images/registry-access.js');
      const ref = parseDockerRef(rest);
      return new DockerSource(ref, dockerAccess(ref, ctx.registry));
    }
    case 'docker-archive': {
      const { parseDockerArchiveRef, DockerArchiveReader, DockerArchiveSource } = await import('./docker-archive/index.js');
      const ref = parseDockerArchiveRef(rest);
      const reader = await DockerArchiveReader.open(ref.path, `docker-archive:${ref.path}`);
      try {
        return new DockerArchiveSource(ref, reader, reader.select(ref.selector), true);
      } catch (e) { await reader.close(); throw e; }
    }
    case 'oci-archive': {
      const { parseOciArchiveRef, openOciArchiveSource } = await import('./oci-archive/index.js');
      return openOciArchiveSource(parseOciArchiveRef(rest));
    }
    case 'oci': {
      const { parseOciRef, openOciSource } = await import('./oci/index.js');
      return openOciSource(parseOciRef(rest));
    }
    case 'dir': {
      const { parseDirRef, openDirSource } = await import('./dir/index.js');
      return openDirSource(parseDirRef(rest));
    }
    case 'containers-storage': {
      const { LocalRef, LocalSource } = await import('./local/local.js');
      const store = ctx.store();
      const { id } = lookupImage(store, rest.replace(/^\[[^\]]*\]/, ''));
      return new LocalSource(new LocalRef(store, id), id);
    }
  }
}

/** A destination plus what must happen after the image was copied into it. */
export interface OpenedDestination {
  dest: ImageDestination;
  /** Finish multi-image containers (archives); called after a successful copy. */
  finish(): Promise<void>;
  /** Discard a partially written target. */
  abort(): Promise<void>;
}

export async function openDestinationByName(name: string, ctx: OpenContext): Promise<OpenedDestination> {
  const { transport, rest } = splitTransport(name);
  const noop = async () => {};
  switch (transport) {
    case 'docker': {
      const { parseDockerRef, DockerDestination } = await import('./docker/index.js');
      const { dockerAccess } = await import('../images/registry-access.js');
      const ref = parseDockerRef(rest);
      // mount hints are repositories of the same registry only
      const mountFrom = (ctx.mountFrom ?? []).filter((n) => n.startsWith(`${ref.registry}/`) && n !== ref.name).map((n) => n.slice(ref.registry.length + 1));
      return { dest: new DockerDestination(ref, { ...dockerAccess(ref, ctx.destRegistry ?? ctx.registry), ...(mountFrom.length ? { mountFrom } : {}) }), finish: noop, abort: noop };
    }
    case 'docker-archive': {
      const { parseDockerArchiveRef, DockerArchiveWriter } = await import('./docker-archive/index.js');
      const ref = parseDockerArchiveRef(rest);
      if (ref.selector.index !== undefined) throw new BerthError('INVALID_REFERENCE', `docker-archive destination ${JSON.stringify(rest)} cannot use @N`);
      const w = DockerArchiveWriter.toFile(ref.path);
      return { dest: w.newDestination(ref.selector.ref ? [ref.selector.ref] : []), finish: () => w.finish(), abort: () => w.abort() };
    }
    case 'oci-archive': {
      const { parseOciArchiveRef, OciArchiveWriter } = await import('./oci-archive/index.js');
      const ref = parseOciArchiveRef(rest);
      const w = await OciArchiveWriter.open(ref.path);
      return { dest: w.newDestination(ref.image), finish: () => w.finish(), abort: () => w.abort() };
    }
    case 'oci': {
      const { parseOciRef, openOciDestination } = await import('./oci/index.js');
      return { dest: await openOciDestination(parseOciRef(rest)), finish: noop, abort: noop };
    }
    case 'dir': {
      const { parseDirRef, openDirDestination } = await import('./dir/index.js');
      return { dest: await openDirDestination(parseDirRef(rest)), finish: noop, abort: noop };
    }
    case 'containers-storage': {
      const { LocalRef, LocalDestination } = await import('./local/local.js');
      const plain = rest.replace(/^\[[^\]]*\]/, '');
      let names: string[] = [];
      if (plain !== '') {
        const r = parseReferenceRaw(plain);
        if (r.digest && !r.tag) names = [formatReference({ ...parseLocalReference(plain.split('@')[0]!), tag: undefined, digest: r.digest })];
        else names = [formatReference(parseLocalReference(plain))];
      }
      return { dest: new LocalDestination(new LocalRef(ctx.store(), undefined, names)), finish: noop, abort: noop };
    }
  }
}
