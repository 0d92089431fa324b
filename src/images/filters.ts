/**
 * podman's image filters (containers/common `libimage/filters.go` compileImageFilters, as
 * in podman 5.x), compiled once per listing:
 *
 *   after|since=IMAGE, before=IMAGE   created strictly after / before that image's
 *   until=TIME                         created strictly before TIME (Go duration ago, RFC 3339, Unix)
 *   dangling=BOOL, intermediate=BOOL   untagged without / with children
 *   label=KEY[=VALUE]                  label present (any value, or equal); KEY may use '*'
 *   id=PREFIX                          image ID starts with PREFIX
 *   digest=sha256:PREFIX               one of the image's digests starts with it
 *   reference=PATTERN                  Go path.Match against the name forms (see below)
 *   readonly=BOOL, manifest=BOOL       berth images are never read-only; manifest lists are rows of their own
 *   containers=true|false|external     used by a container / not (berth's containers are never external)
 *
 * `key!=value` negates any filter. Filters of the same key must all match (AND), and so
 * must different keys — except `reference`: positive reference filters are OR-ed and
 * negative ones AND-ed (libimage filterReferences). podman 4.x OR-ed repeated keys; this
 * follows podman 5 (containers/common >= 0.58, "Fix Image.applyFilters to do an AND logic").
 * Boolean keys given twice with different values are an error, as in podman.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { tryLookupImage } from './lookup.js';
import {
  parseReferenceRaw,
  parseNormalizedReference,
  formatReference,
  repositoryName,
  splitRepositoryTag,
  type Reference,
} from '../reference/reference.js';
import { parseTimestampFilter, type GoTime } from '../go/time.js';
import { createdTime, type ImageSet } from './list.js';

export const IMAGE_FILTER_KEYS = [
  'after',
  'before',
  'containers',
  'dangling',
  'digest',
  'id',
  'intermediate',
  'label',
  'manifest',
  'readonly',
  'reference',
  'since',
  'until',
] as const;

export interface CompiledFilters {
  matches(row: ImageRow): boolean;
  /** The names to display for a matching image (narrowed by a single fully qualified reference=). */
  names(row: ImageRow): string[];
}

type Pred = (row: ImageRow) => boolean;

function filterError(msg: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', msg, hint ? { hint } : {});
}

/** Go's strconv.ParseBool. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/**
 * Compile podman filter strings against a set of images. Throws a one-line
 * INVALID_ARGUMENT error for an unknown key, a missing '=', or a malformed value.
 */
export function compileImageFilters(store: Store, set: ImageSet, filters: readonly string[], now: Date = new Date()): CompiledFilters {
  const byKey = new Map<string, Pred[]>();
  const wantedRefs: string[] = [];
  const unwantedRefs: string[] = [];
  const seenBool = new Map<string, string>();
  const add = (k: string, p: Pred) => {
    const a = byKey.get(k);
    if (a) a.push(p);
    else byKey.set(k, [p]);
  };

  const boolValue = (key: string, value: string): boolean => {
    const prev = seenBool.get(key);
    if (prev !== undefined && prev !== value)
      throw filterError(`specifying ${JSON.stringify(key)} filter more than once with different values is not supported`);
    seenBool.set(key, value);
    const b = parseGoBool(value);
    if (b === undefined)
      // podman's words (key and value appear in this order in its message)
      if (b === undefined)
        throw filterError(
          `non-boolean value ${JSON.stringify(key)} for ${value} filter: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
        );
    return b;
  };
  const imageTime = (key: string, value: string): GoTime => {
    let id: string | undefined;
    try {
      id = tryLookupImage(store, value)?.id;
    } catch (e) {
      throw filterError(`could not find local image for filter ${JSON.stringify(key)}=${JSON.stringify(value)}: ${(e as Error).message}`);
    }
    const row = id ? (set.byId.get(id) ?? store.getImage(id)) : undefined;
    if (!row)
      throw filterError(`could not find local image for filter ${JSON.stringify(key)}=${JSON.stringify(value)}: ${value}: image not known`);
    return createdTime(row);
  };

  for (const f of filters) {
    let key: string;
    let value: string;
    let negate = false;
    const ne = f.indexOf('!=');
    const eq = f.indexOf('=');
    if (ne >= 0 && (eq < 0 || ne < eq)) {
      key = f.slice(0, ne);
      value = f.slice(ne + 2);
      negate = true;
    } else if (eq >= 0) {
      key = f.slice(0, eq);
      value = f.slice(eq + 1);
    } else throw filterError(`invalid image filter ${JSON.stringify(f)}: must be in the format "filter=value or filter!=value"`);

    let pred: Pred;
    switch (key) {
      case 'after':
      case 'since': {
        const t = imageTime(key, value);
        key = 'since';
        pred = (r) => createdTime(r).after(t);
        break;
      }
      case 'before': {
        const t = imageTime(key, value);
        pred = (r) => createdTime(r).before(t);
        break;
      }
      case 'until': {
        let t: GoTime;
        try {
          t = parseTimestampFilter(value, now);
        } catch (e) {
          throw e instanceof BerthError ? e : filterError((e as Error).message);
        }
        pred = (r) => createdTime(r).before(t);
        break;
      }
      case 'containers': {
        const prev = seenBool.get(key);
        if (prev !== undefined && prev !== value)
          throw filterError(`specifying "containers" filter more than once with different values is not supported`);
        seenBool.set(key, value);
        if (value !== 'true' && value !== 'false' && value !== 'external')
          throw filterError(`unsupported value ${JSON.stringify(value)} for containers filter`);
        // "external": every container of the image is external; berth's never are, so that
        // holds only for images without containers
        const want = value === 'true';
        pred = (r) => r.containers > 0 === want;
        break;
      }
      case 'dangling': {
        const b = boolValue(key, value);
        pred = (r) => set.isDangling(r) === b;
        break;
      }
      case 'intermediate': {
        const b = boolValue(key, value);
        pred = (r) => set.isIntermediate(r) === b;
        break;
      }
      case 'readonly': {
        const b = boolValue(key, value);
        pred = (r) => r.readOnly === b;
        break;
      }
      case 'manifest': {
        const b = boolValue(key, value);
        pred = (r) => (r.manifestList === true) === b; // lists are rows only when listed with them
        break;
      }
      case 'id':
        pred = (r) => r.id.startsWith(value);
        break;
      case 'digest': {
        if (!value.startsWith('sha256:')) throw filterError(`invalid value ${JSON.stringify(value)} for digest filter`);
        pred = (r) => r.digest.startsWith(value) || r.digests.some((d) => d.startsWith(value));
        break;
      }
      case 'label':
        pred = (r) => matchLabelFilter(value, r.labels);
        break;
      case 'reference':
        (negate ? unwantedRefs : wantedRefs).push(value);
        continue;
      default:
        throw filterError(`unsupported image filter ${JSON.stringify(key)}`);
    }
    add(key, negate ? (r) => !pred(r) : pred);
  }

  const refMatchers = new Map<string, (r: ImageRow) => boolean>();
  const refMatcher = (v: string) => {
    let m = refMatchers.get(v);
    if (!m) {
      m = referenceMatcher(store, v);
      refMatchers.set(v, m);
    }
    return m;
  };
  if (wantedRefs.length || unwantedRefs.length) {
    add('reference', (r) => {
      for (const v of unwantedRefs) if (refMatcher(v)(r)) return false;
      if (wantedRefs.length === 0) return true;
      return wantedRefs.some((v) => refMatcher(v)(r));
    });
  }

  // Cheap predicates first (relation checks may read configs).
  const order = [
    'id',
    'digest',
    'label',
    'readonly',
    'manifest',
    'containers',
    'since',
    'before',
    'until',
    'reference',
    'dangling',
    'intermediate',
  ];
  const preds: Pred[] = [];
  for (const k of order) preds.push(...(byKey.get(k) ?? []));

  // A single wanted, fully qualified reference (and no unwanted ones) narrows the names shown.
  const fq = wantedRefs.length === 1 && unwantedRefs.length === 0 ? fullyQualified(wantedRefs[0]!) : undefined;
  return {
    matches: (r) => preds.every((p) => p(r)),
    names: (r) => (fq ? r.names.filter((n) => nameMatchesReference(n, fq)) : r.names),
  };
}

// ---------------------------------------------------------------------------------------
// label=

/** containers/common pkg/filters MatchLabelFilters for one "key[=value]" filter. */
export function matchLabelFilter(filter: string, labels: Record<string, string>): boolean {
  const eq = filter.indexOf('=');
  const fk = eq < 0 ? filter : filter.slice(0, eq);
  const fv = eq < 0 ? '' : filter.slice(eq + 1);
  for (const [k, v] of Object.entries(labels)) {
    if (fv === '' || v === fv) {
      if (k === fk || labelPattern(fk, k)) return true;
    }
  }
  return false;
}

/** A label key pattern with '*' matches like filepath.Match("*PATTERN*") with '/' as an ordinary character. */
function labelPattern(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return false;
  return pathMatch(`*${pattern}*`.replaceAll('/', '|'), value.replaceAll('/', '|'));
}

// ---------------------------------------------------------------------------------------
// reference=

/** Reference with domain, path and tag or digest, already in canonical form (reference.ParseNamed). */
function fullyQualified(v: string): Reference | undefined {
  try {
    const raw = parseReferenceRaw(v);
    if (raw.domain === '' || (raw.tag === undefined && raw.digest === undefined)) return undefined;
    if (formatReference(parseNormalizedReference(v)) !== v) return undefined;
    return raw;
  } catch {
    return undefined;
  }
}

function nameMatchesReference(name: string, ref: Reference): boolean {
  if (ref.digest !== undefined) {
    try {
      return repositoryName(parseReferenceRaw(name)) === repositoryName(ref);
    } catch {
      return false;
    }
  }
  return name === formatReference(ref);
}

/**
 * The forms of a name a reference pattern is matched against (libimage
 * imageMatchesReferenceFilter): the full name, the path, the last component with tag;
 * and, when tagged or digested, the same three without the tag/digest.
 */
export function referenceCandidates(name: string): string[] {
  let r: Reference;
  try {
    r = parseReferenceRaw(name);
  } catch {
    return [name];
  }
  const trimmed = repositoryName(r);
  const suffix = name.slice(trimmed.length);
  const out = [name, r.path, name.slice(name.lastIndexOf('/') + 1)];
  if (suffix !== '') out.push(trimmed, r.path + suffix, trimmed.slice(trimmed.lastIndexOf('/') + 1));
  return out;
}

/** Matcher for one reference= value: the image it names (by lookup), or a glob over name forms. */
function referenceMatcher(store: Store, value: string): (r: ImageRow) => boolean {
  let lookedUp: string | undefined;
  try {
    lookedUp = tryLookupImage(store, value)?.id;
  } catch {
    lookedUp = undefined;
  }
  const re = compilePathPattern(value);
  const byRepository = new Map<string, boolean>();
  return (r) => {
    if (lookedUp !== undefined && r.id === lookedUp) return true;
    if (!re) return false;
    for (let i = 0; i < r.names.length; i++) if (nameFormsMatch(re, r.names[i]!, byRepository)) return true;
    return false;
  };
}

/**
 * Whether any of referenceCandidates(name) matches `re`. The three forms without the tag or
 * digest belong to the name's repository, which an image's names (and a listing's) share:
 * `byRepository` keeps their answer per repository for one pattern.
 */
export function nameFormsMatch(re: RegExp, name: string, byRepository: Map<string, boolean>): boolean {
  let split: { repository: string; path: string };
  try {
    split = splitRepositoryTag(name);
  } catch {
    return re.test(name);
  }
  const { repository, path } = split;
  let hit = byRepository.get(repository);
  if (hit === undefined) {
    hit = re.test(repository) || re.test(path) || re.test(repository.slice(repository.lastIndexOf('/') + 1));
    byRepository.set(repository, hit);
  }
  if (hit) return true;
  const suffix = name.slice(repository.length);
  return suffix !== '' && (re.test(name) || re.test(path + suffix) || re.test(name.slice(name.lastIndexOf('/') + 1)));
}

// ---------------------------------------------------------------------------------------
// Go path.Match

const patternCache = new Map<string, RegExp | null>();

/**
 * Compile a Go `path.Match` pattern to an anchored RegExp: '*' = any run of non-'/'
 * characters, '?' = one non-'/' character, '[...]' / '[^...]' classes with ranges, '\\'
 * escapes. Returns null for a malformed pattern (Go's ErrBadPattern: never matches).
 */
export function compilePathPattern(pattern: string): RegExp | null {
  const cached = patternCache.get(pattern);
  if (cached !== undefined) return cached;
  let re = '^';
  const chars = Array.from(pattern);
  const lit = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;
  let ok = true;
  for (let i = 0; i < chars.length && ok; i++) {
    const c = chars[i]!;
    if (c === '*') {
      re += '[^/]*';
      continue;
    }
    if (c === '?') {
      re += '[^/]';
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= chars.length) {
        ok = false;
        break;
      }
      re += lit(chars[++i]!);
      continue;
    }
    if (c !== '[') {
      re += lit(c);
      continue;
    }
    // character class
    i++;
    let neg = false;
    if (chars[i] === '^') {
      neg = true;
      i++;
    }
    let cls = '';
    let n = 0;
    for (;;) {
      if (i >= chars.length) {
        ok = false;
        break;
      }
      if (chars[i] === ']' && n > 0) break;
      const lo = classChar(chars, i);
      if (!lo) {
        ok = false;
        break;
      }
      i = lo.next;
      let hi = lo;
      if (chars[i] === '-') {
        const h = classChar(chars, i + 1);
        if (!h) {
          ok = false;
          break;
        }
        hi = h;
        i = h.next;
        if (hi.cp < lo.cp) {
          ok = false;
          break;
        }
      }
      cls += lo.cp === hi.cp ? lit(String.fromCodePoint(lo.cp)) : `${lit(String.fromCodePoint(lo.cp))}-${lit(String.fromCodePoint(hi.cp))}`;
      n++;
    }
    if (!ok) break;
    re += `[${neg ? '^' : ''}${cls}]`;
  }
  const out = ok ? new RegExp(`${re}$`, 'u') : null;
  patternCache.set(pattern, out);
  return out;
}

function classChar(chars: string[], i: number): { cp: number; next: number } | undefined {
  let c = chars[i];
  if (c === undefined || c === '-' || c === ']') return undefined;
  if (c === '\\') {
    c = chars[i + 1];
    if (c === undefined) return undefined;
    return { cp: c.codePointAt(0)!, next: i + 2 };
  }
  return { cp: c.codePointAt(0)!, next: i + 1 };
}

/** Go path.Match (a malformed pattern matches nothing). */
export function pathMatch(pattern: string, name: string): boolean {
  return compilePathPattern(pattern)?.test(name) ?? false;
}
