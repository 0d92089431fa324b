/**
 * Searching a registry as podman does for registries without a search API: the catalog's
 * repositories whose name contains the term. `HOST/TERM` searches HOST; Docker Hub has no
 * catalog, so a term without a registry is refused.
 */
import { BerthError, abortable } from '../errors.js';
import { buildContext } from '../config/context.js';
import { isValidDomain } from '../reference/reference.js';
import type { RegistryAccessOptions } from './registry-access.js';

export interface SearchResult {
  /** "host/repository" */
  name: string;
  description: string;
  stars: number;
  official: boolean;
  automated: boolean;
}

export interface SearchOptions extends RegistryAccessOptions {
  /** At most this many results (default 25, as Docker and podman). */
  limit?: number;
}

/** The repositories of a registry matching `term` ("HOST/TEXT" or "HOST/" for all). */
export async function searchRegistry(term: string, opts: SearchOptions = {}): Promise<SearchResult[]> {
  return abortable(opts.signal, () => searchNow(term, opts));
}

async function searchNow(term: string, opts: SearchOptions): Promise<SearchResult[]> {
  const slash = term.indexOf('/');
  const host = slash > 0 ? term.slice(0, slash) : '';
  const isHost = host !== '' && (host.includes('.') || host.includes(':') || host === 'localhost') && isValidDomain(host);
  if (!isHost || host === 'docker.io' || host === 'index.docker.io')
    throw new BerthError(
      'UNSUPPORTED',
      `cannot search ${JSON.stringify(term)}: Docker Hub has no catalog; name a registry to search: HOST/TERM`,
      {
        subject: term,
      },
    );
  const text = term.slice(slash + 1).toLowerCase();
  const limit = opts.limit && opts.limit > 0 ? opts.limit : 25;
  const { parseDockerRef, listCatalog } = await import('../transports/docker/index.js');
  const ref = parseDockerRef(`//${host}/catalog`);
  const repos = await listCatalog(ref, buildContext({ registry: opts }).registry(ref.registry, 'source'));
  return repos
    .filter((r) => r.toLowerCase().includes(text))
    .slice(0, limit)
    .map((r) => ({ name: `${host}/${r}`, description: '', stars: 0, official: false, automated: false }));
}
