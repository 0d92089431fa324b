/**
 * The registry's endpoints (distribution spec, "Endpoints"): which one a request path names,
 * with the repository name and reference taken apart. Names are checked against the spec's
 * grammar here; digests and tags by the handlers.
 */
export type Endpoint =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'upload'; name: string }
  | { kind: 'referrers'; name: string; digest: string };

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** What the spec allows as a tag. */
export const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Longest repository name accepted (clients limit host/name to 255 characters). */
const NAME_MAX = 255;

export function validName(name: string): boolean {
  return name.length <= NAME_MAX && NAME_RE.test(name);
}

/**
 * The endpoint of a path below /v2/ (without the query), or undefined when it names none.
 * `rest` is already percent-decoded.
 */
export function parseEndpoint(rest: string): Endpoint | undefined {
  if (rest === '') return { kind: 'base' };
  if (rest === '_catalog') return { kind: 'catalog' };
  let m = /^(.+)\/tags\/list$/.exec(rest);
  if (m) return { kind: 'tags', name: m[1]! };
  m = /^(.+)\/manifests\/([^/]+)$/.exec(rest);
  if (m) return { kind: 'manifest', name: m[1]!, reference: m[2]! };
  m = /^(.+)\/blobs\/uploads(?:\/.*)?$/.exec(rest);
  if (m) return { kind: 'upload', name: m[1]! };
  m = /^(.+)\/blobs\/([^/]+)$/.exec(rest);
  if (m) return { kind: 'blob', name: m[1]!, digest: m[2]! };
  m = /^(.+)\/referrers\/([^/]+)$/.exec(rest);
  if (m) return { kind: 'referrers', name: m[1]!, digest: m[2]! };
  return undefined;
}
