import { BerthError } from '../errors.js';
import { type Digest, parseDigest } from '../digest/digest.js';

/**
 * A docker-style image reference, already split. `domain` is empty only for references
 * parsed without normalization. Both tag and digest may be set ("name:tag@digest").
 */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: Digest;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const LOCAL_DOMAIN = 'localhost';
export const DEFAULT_TAG = 'latest';
const NAME_MAX = 255;

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainRe = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const PATH_RE = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const DOMAIN_RE = new RegExp(`^${domainRe}$`);
const UPPER_RE = /[A-Z]/;
const ANCHORED_REF = new RegExp(
  `^((?:${domainRe}/)?${pathComponent}(?:/${pathComponent})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}))?$`,
);

const INVALID_FORMAT = 'invalid reference format';

/**
 * A name that does not parse, in docker/reference's (and go-digest's) words, which podman prints
 * bare: `invalid reference format`, `repository name must be lowercase`, `... must have at least
 * one component`, `... must not be more than 255 characters`, `invalid checksum digest length`.
 */
function bad(input: string, why: string): BerthError {
  return new BerthError('INVALID_REFERENCE', why, { subject: input, data: { reason: why } });
}

/** go-digest's words for a digest the reference pattern matched but that is not valid. */
function digestProblem(d: string): string {
  const colon = d.indexOf(':');
  const algorithm = d.slice(0, colon);
  const encoded = d.slice(colon + 1);
  const size = algorithm === 'sha256' ? 64 : algorithm === 'sha384' ? 96 : algorithm === 'sha512' ? 128 : 0;
  if (size === 0) return 'unsupported digest algorithm';
  if (encoded.length !== size) return 'invalid checksum digest length';
  return 'invalid checksum digest format';
}

/** Does the first path component name a registry host (contains '.' or ':' or is localhost)? */
function looksLikeDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === LOCAL_DOMAIN || (first.startsWith('[') && first.includes(']'));
}

/** Parse without adding a default registry; domain is '' when the name has none. */
export function parseReferenceRaw(input: string): Reference {
  if (typeof input !== 'string' || input === '') throw bad(String(input ?? ''), 'repository name must have at least one component');
  const m = ANCHORED_REF.exec(input);
  if (!m) {
    // as docker/reference: if the lowercased input parses, the only problem is uppercase
    // (the registry part may be uppercase, so looking at the first component is not enough)
    if (ANCHORED_REF.test(input.toLowerCase())) throw bad(input, 'repository name must be lowercase');
    throw bad(input, INVALID_FORMAT);
  }
  const name = m[1]!;
  if (name.length > NAME_MAX) throw bad(input, `repository name must not be more than ${NAME_MAX} characters`);
  let domain = '';
  let path = name;
  const slash = name.indexOf('/');
  if (slash > 0 && looksLikeDomain(name.slice(0, slash))) {
    domain = name.slice(0, slash);
    path = name.slice(slash + 1);
  }
  // the anchored pattern lets an uppercase first component through as a "domain"; when it
  // is not one, it is part of the path, which must be lowercase (without uppercase, every
  // component the pattern matched is a path component: nothing to check, which listings of
  // thousands of names notice)
  if (UPPER_RE.test(name) && !PATH_RE.test(path))
    throw bad(input, PATH_RE.test(path.toLowerCase()) ? 'repository name must be lowercase' : INVALID_FORMAT);
  const ref: Reference = { domain, path };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    try {
      ref.digest = parseDigest(m[3]);
    } catch {
      throw bad(input, digestProblem(m[3]));
    }
  }
  return ref;
}

/**
 * Parse and normalize like docker: no registry -> docker.io, a one-component docker.io
 * path -> library/NAME. Tag and digest are kept as given (no default tag added).
 */
export function parseNormalizedReference(input: string): Reference {
  const r = parseReferenceRaw(input);
  if (r.domain === LEGACY_DEFAULT_DOMAIN) r.domain = DEFAULT_DOMAIN;
  if (r.domain === '') r.domain = DEFAULT_DOMAIN;
  if (r.domain === DEFAULT_DOMAIN && !r.path.includes('/')) r.path = `library/${r.path}`;
  return r;
}

/**
 * Normalize a name created locally (tag, import, load of an unqualified RepoTag):
 * no registry -> localhost/NAME, as podman does. Adds :latest when neither tag nor digest.
 */
export function parseLocalReference(input: string): Reference {
  const r = parseReferenceRaw(input);
  if (r.domain === '') r.domain = LOCAL_DOMAIN;
  else if (r.domain === LEGACY_DEFAULT_DOMAIN) r.domain = DEFAULT_DOMAIN;
  if (r.domain === DEFAULT_DOMAIN && !r.path.includes('/')) r.path = `library/${r.path}`;
  return withDefaultTag(r);
}

/** True when the input has no registry component (podman's short-name rule). */
export function isShortName(input: string): boolean {
  const slash = input.indexOf('/');
  if (slash < 0) return true;
  return !looksLikeDomain(input.slice(0, slash));
}

export function withDefaultTag(r: Reference): Reference {
  if (r.tag === undefined && r.digest === undefined) return { ...r, tag: DEFAULT_TAG };
  return r;
}

/** Repositories splitRepositoryTag has found valid, with their paths (a listing's names share few of them). */
const validRepositories = new Map<string, string>();

/**
 * `repositoryName(parseReferenceRaw(input))`, its path and the tag, without the full parse of
 * every name: the grammar is repository, then `:tag`, so a name without a digest splits at its
 * last ':' after the last '/', and each distinct repository is parsed once. Names with a digest,
 * and names that are not valid (same error), take the full parse.
 */
export function splitRepositoryTag(input: string): { repository: string; path: string; tag: string | undefined } {
  if (typeof input === 'string' && !input.includes('@')) {
    const colon = input.lastIndexOf(':');
    const tagged = colon > input.lastIndexOf('/');
    const repository = tagged ? input.slice(0, colon) : input;
    const tag = tagged ? input.slice(colon + 1) : undefined;
    if (tag === undefined || TAG_RE.test(tag)) {
      const path = repositoryPath(repository);
      if (path !== undefined) return { repository, path, tag };
    }
  }
  const r = parseReferenceRaw(input);
  return { repository: repositoryName(r), path: r.path, tag: r.tag };
}

/** The path of a valid repository name (its registry dropped); undefined when it is not one. */
function repositoryPath(s: string): string | undefined {
  const known = validRepositories.get(s);
  if (known !== undefined) return known;
  let r: Reference;
  try {
    r = parseReferenceRaw(s);
  } catch {
    return undefined;
  }
  if (r.tag !== undefined || r.digest !== undefined) return undefined;
  if (validRepositories.size >= 4096) validRepositories.clear(); // a bound, not a cache policy
  validRepositories.set(s, r.path);
  return r.path;
}

/** "domain/path" (or just path when there is no domain). */
export function repositoryName(r: Reference): string {
  return r.domain ? `${r.domain}/${r.path}` : r.path;
}

export function formatReference(r: Reference): string {
  let s = repositoryName(r);
  if (r.tag !== undefined) s += `:${r.tag}`;
  if (r.digest !== undefined) s += `@${r.digest}`;
  return s;
}

/** Docker's short display form: drops docker.io/ and library/. */
export function familiarName(r: Reference): string {
  let repo = repositoryName(r);
  if (r.domain === DEFAULT_DOMAIN) {
    repo = r.path.startsWith('library/') && r.path.split('/').length === 2 ? r.path.slice(8) : r.path;
  }
  return repo + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

export function validateTag(tag: string): string {
  if (!TAG_RE.test(tag))
    throw new BerthError(
      'INVALID_REFERENCE',
      `invalid tag ${JSON.stringify(tag.length > 140 ? tag.slice(0, 137) + '...' : tag)}: tags are up to 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'`,
    );
  return tag;
}

export function isValidRepositoryPath(p: string): boolean {
  return PATH_RE.test(p);
}
export function isValidDomain(d: string): boolean {
  return DOMAIN_RE.test(d);
}
