/**
 * Docker's `filters` query parameter: JSON `{"key": ["value", ...]}` (or the old
 * `{"key": {"value": true}}`), turned into berth's `key=value` filter strings after checking
 * the keys an endpoint accepts (Docker: `invalid filter 'KEY'`).
 */
import { ApiError } from './errors.js';

export type DockerFilters = Map<string, string[]>;

export function parseFilters(raw: string | null): DockerFilters {
  const out: DockerFilters = new Map();
  if (raw === null || raw === '') return out;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new ApiError(400, `invalid filter: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ApiError(400, 'invalid filter: not a JSON object');
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    let values: unknown[];
    if (Array.isArray(v)) values = v;
    else if (typeof v === 'object' && v !== null)
      values = Object.entries(v as Record<string, unknown>)
        .filter(([, on]) => on === true)
        .map(([x]) => x);
    else throw new ApiError(400, `invalid filter: the values of '${k}' are not a list`);
    if (!values.every((x) => typeof x === 'string')) throw new ApiError(400, `invalid filter: the values of '${k}' are not strings`);
    out.set(k, values as string[]);
  }
  return out;
}

/** Reject keys outside `allowed`, as Docker does. */
export function checkFilterKeys(f: DockerFilters, allowed: readonly string[]): void {
  for (const k of f.keys()) if (!allowed.includes(k)) throw new ApiError(400, `invalid filter '${k}'`);
}

/** A boolean filter value as Docker reads it ("true"/"1", "false"/"0"). */
export function filterBool(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ApiError(400, `invalid filter '${key}=${value}'`);
}

/** Go's path.Match for the patterns Docker's reference filter takes ('*' and '?' stop at '/', [...] classes). */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      const body = pattern.slice(i + 1, end);
      re += `[${body.startsWith('^') ? '^/' + body.slice(1) : body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}

/** Docker's reference filter on one name: its familiar form, with or without the tag. */
export function referenceMatches(patterns: readonly string[], familiarName: string): boolean {
  const bare = familiarName.replace(/@.*$/, '').replace(/:[\w][\w.-]*$/, '');
  return patterns.some((p) => pathMatch(p, familiarName) || pathMatch(p, bare));
}
