import { BerthError } from '../errors.js';
import { parseDigest } from '../digest/digest.js';
import {
  type Reference,
  parseReferenceRaw,
  isShortName,
  formatReference,
  repositoryName,
  DEFAULT_DOMAIN,
  LOCAL_DOMAIN,
} from '../reference/reference.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { listInstanceImage } from './list-lookup.js';

export interface LookupResult {
  id: string;
  /** The name the user's input matched, if it matched a name. */
  matchedName?: string;
}

/**
 * Find a local image the way podman's LookupImage does: full ID or "sha256:ID", then the
 * name (fully qualified as given; short names through localhost/ and any registry whose
 * "domain/NAME:tag" matches, docker.io/library for one-component names), then a unique ID
 * prefix, then name@digest / digest matches. Ambiguity is an error listing candidates.
 * A manifest list's name or ID means the list's stored image for this machine's platform.
 */
export function lookupImage(store: Store, input: string): LookupResult {
  const r = tryLookupImage(store, input);
  if (r) return r;
  // a manifest list stands for its stored image of this platform (podman's words when none)
  const inList = listInstanceImage(store, input);
  if (inList) return { id: inList };
  throw new BerthError('IMAGE_NOT_FOUND', `${input}: image not known`, { subject: input });
}

/** The current record of the image `input` names (as `lookupImage`). */
export function lookupRecord(store: Store, input: string): ImageRow {
  const { id } = lookupImage(store, input);
  const row = store.getImage(id);
  if (!row) throw new BerthError('IMAGE_NOT_FOUND', `${input}: image not known`, { subject: input });
  return row;
}

export function tryLookupImage(store: Store, input: string): LookupResult | undefined {
  // docker/reference's words, as podman's
  if (input === '') throw new BerthError('INVALID_REFERENCE', 'repository name must have at least one component');
  // 1. full ID / sha256:ID
  const idInput = input.startsWith('sha256:') ? input.slice(7) : input;
  if (/^[a-f0-9]{64}$/.test(idInput) && store.getImage(idInput)) return { id: idInput };
  if (input.startsWith('sha256:')) {
    if (!/^[a-f0-9]{1,64}$/.test(idInput)) throw new BerthError('INVALID_REFERENCE', `invalid image ID ${JSON.stringify(input)}`);
    return byPrefix(store, idInput, input);
  }

  // 2. names
  let ref: Reference | undefined;
  try {
    ref = parseReferenceRaw(input);
  } catch (e) {
    if (/^[a-f0-9]{1,64}$/.test(input)) return byPrefix(store, input, input);
    throw e;
  }
  const tagged = ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
  if (ref.digest) {
    // name@digest: the tag is ignored; the repository must have an image with that manifest digest
    const ids = store.imageIdsForManifest(ref.digest);
    const repoCandidates = candidateRepos(ref, input);
    for (const id of ids) {
      const img = store.getImage(id)!;
      const hit = img.names.find((n) => repoCandidates.some((repo) => n.startsWith(repo + ':') || n.startsWith(repo + '@')));
      if (hit) return { id, matchedName: `${repositoryName(parseReferenceRaw(hit))}@${ref.digest}` };
    }
    // pulled by digest only: stored name is repo@digest
    for (const repo of repoCandidates) {
      const id = store.imageIdForName(`${repo}@${ref.digest}`);
      if (id) return { id, matchedName: `${repo}@${ref.digest}` };
    }
    return undefined;
  }
  const names = candidateNames(tagged, input);
  const found = new Map<string, string>();
  for (const n of names) {
    const id = store.imageIdForName(n);
    if (id && !found.has(id)) found.set(id, n);
  }
  if (isShortName(input) && found.size === 0) {
    // any registry: "*/<path>:<tag>" (podman matches short names against all local names)
    const suffix = `/${formatReference({ domain: '', path: tagged.path, tag: tagged.tag })}`;
    for (const row of store.namesEndingWith(suffix)) {
      const r = parseReferenceRaw(row.name);
      if (r.path === tagged.path && !found.has(row.image_id)) found.set(row.image_id, row.name);
    }
  }
  if (found.size === 1) {
    const [id, matchedName] = [...found][0]!;
    return { id, matchedName };
  }
  if (found.size > 1) {
    throw new BerthError(
      'AMBIGUOUS_IMAGE',
      `short name ${JSON.stringify(input)} matches several images: ${[...found.values()].join(', ')}`,
      { hint: 'use a fully qualified name or an image ID' },
    );
  }

  // 3. unique ID prefix
  if (/^[a-f0-9]{1,64}$/.test(input)) return byPrefix(store, input, input);
  return undefined;
}

function byPrefix(store: Store, prefix: string, input: string): LookupResult | undefined {
  const ids = store.imageIdsWithPrefix(prefix, 11);
  if (ids.length === 0) return undefined;
  if (ids.length > 1) {
    throw new BerthError(
      'AMBIGUOUS_IMAGE',
      `image ID prefix ${JSON.stringify(input)} is ambiguous: it matches ${ids.length > 10 ? 'more than 10' : ids.length} images (${ids
        .slice(0, 10)
        .map((i) => i.slice(0, 12))
        .join(', ')})`,
      { hint: 'type more characters of the ID' },
    );
  }
  return { id: ids[0]! };
}

/** Fully qualified names an input may stand for, most likely first. */
function candidateNames(ref: Reference, input: string): string[] {
  return candidateRepos(ref, input).map((repo) => `${repo}:${ref.tag}`);
}

function candidateRepos(ref: Reference, input: string): string[] {
  if (!isShortName(input)) {
    const r = { ...ref };
    if (r.domain === 'index.docker.io') r.domain = DEFAULT_DOMAIN;
    if (r.domain === DEFAULT_DOMAIN && !r.path.includes('/')) r.path = `library/${r.path}`;
    return [repositoryName(r)];
  }
  const out = [`${LOCAL_DOMAIN}/${ref.path}`];
  out.push(`${DEFAULT_DOMAIN}/${ref.path.includes('/') ? ref.path : `library/${ref.path}`}`);
  return out;
}

/** Validate an image-ID-or-digest filter input. */
export function isFullId(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{64}$/.test(s);
}
export { parseDigest };
