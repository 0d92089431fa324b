/**
 * Short-name resolution, as containers/image `pkg/shortnames` Resolve / ResolveLocally and the
 * alias cache of `pkg/sysregistriesv2/shortnames.go` (semantics read there; code is berth's own).
 *
 * Note on CONTAINERS_SHORT_NAME_ALIASING: podman 2.2 read it ("on" enabled aliasing, anything else
 * disabled it) while aliasing was experimental; podman 3.0 made aliasing the default and dropped
 * the variable (it is absent from current containers/common and containers/image). berth follows
 * current podman and ignores it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { tomlSyntaxError } from './toml-error.js';
import { BerthError } from '../errors.js';
import {
  type Reference,
  formatReference,
  parseNormalizedReference,
  parseReferenceRaw,
  repositoryName,
  withDefaultTag,
} from '../reference/reference.js';
import { type RegistriesConf, parseAliasTable, parseAliasValue, validateAliasName } from './registries.js';

export interface ShortNameCandidate {
  /** normalized, tag/digest kept or :latest added */
  ref: Reference;
  origin: 'fully-qualified' | 'alias' | 'cache' | 'search' | 'localhost';
}
export interface ShortNameResolution {
  candidates: ShortNameCandidate[];
  /**
   * Set only when the user picked a candidate at the prompt: call it after that candidate was
   * pulled successfully to record it in the alias cache. It may throw BerthError('IO'); podman
   * only logs such failures (the cache may be read-only), callers should do the same.
   */
  recordAlias?: (chosen: Reference) => void;
  /** What to print before pulling ('' = print nothing), e.g. `Resolved "alpine" as an alias (/etc/...)`. */
  description: string;
}
export interface ShortNameOptions {
  isTTY: boolean;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** the alias cache file; default see aliasCachePath() */
  cachePath?: string;
  /** Show the choices, resolve to the chosen index (reject or return -1 to abort). */
  prompt?: (choices: string[]) => Promise<number>;
}

const CACHE_REL = 'containers/short-name-aliases.conf';

function isRootful(env: NodeJS.ProcessEnv): boolean {
  // c/image rootless.GetRootlessEUID: inside `podman unshare` the euid is 0 but _CONTAINERS_ROOTLESS_UID is set.
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
  if (env._CONTAINERS_ROOTLESS_UID) return false;
  return euid === 0;
}

/**
 * The machine-written alias cache: /var/cache/containers/short-name-aliases.conf for root,
 * otherwise $XDG_CACHE_HOME (or ~/.cache) + /containers/short-name-aliases.conf.
 */
export function aliasCachePath(opts: { env?: NodeJS.ProcessEnv; home?: string; cachePath?: string } = {}): string {
  if (opts.cachePath) return opts.cachePath;
  const env = opts.env ?? process.env;
  if (isRootful(env)) return path.join('/var/cache', CACHE_REL);
  const cacheHome = env.XDG_CACHE_HOME || path.join(opts.home ?? (env.HOME || os.homedir()), '.cache');
  return path.join(cacheHome, CACHE_REL);
}

/** Read the alias cache; a missing file is empty. '' values are kept: they shadow registries.conf aliases. */
export function loadAliasCache(file: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
    throw new BerthError('CONFIG', `${file}: cannot read short-name alias cache: ${(e as Error).message}`, { cause: e });
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const msg = tomlSyntaxError(e);
    throw new BerthError('CONFIG', `${file}: invalid short-name alias cache: ${msg}`, {
      hint: 'the file is machine-written; delete it to reset recorded aliases',
    });
  }
  return parseAliasTable(file, doc['aliases']);
}

/** Add (or replace) an alias in the cache file: atomic rewrite, file 0600, dirs 0700. */
export function recordShortNameAlias(file: string, name: string, value: string): void {
  const nameErr = validateAliasName(name);
  if (nameErr) throw new BerthError('INVALID_ARGUMENT', nameErr);
  const parsed = parseAliasValue(value);
  if (parsed.error) throw new BerthError('INVALID_ARGUMENT', parsed.error);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const current = loadAliasCache(file);
    current.set(name, parsed.value!);
    const aliases: Record<string, string> = {};
    for (const [k, v] of current) aliases[k] = v;
    const tmp = path.join(path.dirname(file), `.tmp-${path.basename(file)}-${process.pid}-${Date.now()}`);
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, stringifyToml({ aliases }) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(tmp, file);
    } catch (e) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* ignore */
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError(
      'IO',
      `recording short-name alias ${JSON.stringify(name)}=${JSON.stringify(value)} in ${file}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

interface AliasHit {
  value: string;
  origin: string;
  kind: 'alias' | 'cache';
}

/** Cache first (an empty cache value hides the registries.conf alias), then registries.conf. */
function lookupAlias(name: string, conf: RegistriesConf, cacheFile: string): AliasHit | undefined {
  const cache = loadAliasCache(cacheFile);
  if (cache.has(name)) {
    const v = cache.get(name)!;
    return v === '' ? undefined : { value: v, origin: cacheFile, kind: 'cache' };
  }
  const v = conf.aliases[name];
  if (v) return { value: v, origin: conf.aliasOrigins?.[name] ?? conf.files.join(', '), kind: 'alias' };
  return undefined;
}

function withTagDigest(repo: string, from: Reference): Reference {
  const r = parseNormalizedReference(repo);
  if (from.tag !== undefined) r.tag = from.tag;
  if (from.digest !== undefined) r.digest = from.digest;
  return withDefaultTag(r);
}

function searchCandidate(reg: string, input: string): Reference {
  try {
    return withDefaultTag(parseNormalizedReference(`${reg}/${input}`));
  } catch (e) {
    throw new BerthError(
      'INVALID_REFERENCE',
      `creating reference with unqualified-search registry ${JSON.stringify(reg)} for ${JSON.stringify(input)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/**
 * Resolve a user-supplied name into pull candidates (c/image shortnames.Resolve):
 * - a fully-qualified name is returned as is (normalized, :latest added);
 * - tag and digest are stripped before the alias lookup and put back afterwards;
 * - the alias cache takes precedence over registries.conf [aliases]; an alias wins outright;
 * - otherwise `unqualified-search-registries`, in order, subject to short-name-mode:
 *   disabled → all; one registry → it; no TTY → permissive: all, enforcing: error;
 *   TTY → prompt, and the choice is recorded in the alias cache after a successful pull.
 */
export async function resolveShortName(input: string, conf: RegistriesConf, opts: ShortNameOptions): Promise<ShortNameResolution> {
  const raw = parseReferenceRaw(input);
  if (raw.domain !== '') {
    return { candidates: [{ ref: withDefaultTag(parseNormalizedReference(input)), origin: 'fully-qualified' }], description: '' };
  }
  const name = raw.path;
  const cacheFile = aliasCachePath(opts);

  const alias = lookupAlias(name, conf, cacheFile);
  if (alias) {
    return {
      candidates: [{ ref: withTagDigest(alias.value, raw), origin: alias.kind }],
      description: `Resolved ${JSON.stringify(name)} as an alias (${alias.origin})`,
    };
  }

  const search = conf.unqualifiedSearchRegistries;
  if (search.length === 0) {
    const where = conf.searchRegistriesOrigin
      ? `no unqualified-search registries are defined in ${JSON.stringify(conf.searchRegistriesOrigin)}`
      : 'no containers-registries.conf(5) was found';
    // podman's line exactly (no hint after it: scripts compare the two)
    throw new BerthError('SHORT_NAME', `short-name ${JSON.stringify(input)} did not resolve to an alias and ${where}`);
  }
  const candidates: ShortNameCandidate[] = search.map((reg) => ({ ref: searchCandidate(reg, input), origin: 'search' as const }));
  const description = `Resolving ${JSON.stringify(name)} using unqualified-search registries (${conf.searchRegistriesOrigin ?? conf.files.join(', ')})`;

  const mode = conf.shortNameMode;
  if (mode === 'disabled' || candidates.length === 1) return { candidates, description };

  if (!opts.isTTY || !opts.prompt) {
    if (mode === 'permissive') return { candidates, description };
    throw new BerthError(
      'SHORT_NAME',
      `short-name resolution enforced but cannot prompt without a TTY: ${JSON.stringify(input)} could be any of ${candidates.map((c) => formatReference(c.ref)).join(', ')}`,
      {
        hint: 'use one of those fully-qualified names, add an [aliases] entry to registries.conf, or set short-name-mode = "permissive"',
      },
    );
  }

  const choices = candidates.map((c) => formatReference(c.ref));
  let idx: number;
  try {
    idx = await opts.prompt(choices);
  } catch (e) {
    throw new BerthError('SHORT_NAME', `short-name ${JSON.stringify(input)}: no image selected`, { cause: e });
  }
  if (!Number.isInteger(idx) || idx < 0 || idx >= candidates.length) {
    throw new BerthError('SHORT_NAME', `short-name ${JSON.stringify(input)}: no image selected`);
  }
  const chosen = candidates[idx]!;
  return {
    candidates: [chosen],
    description: '',
    recordAlias: (picked: Reference) => recordShortNameAlias(cacheFile, name, repositoryName(picked)),
  };
}

/**
 * Candidates for finding a short name in local storage (c/image shortnames.ResolveLocally):
 * the alias if any, then localhost/NAME, then each unqualified-search registry. Never prompts,
 * never fails for an empty search list.
 */
export function resolveLocalCandidates(
  input: string,
  conf: RegistriesConf,
  opts: { env?: NodeJS.ProcessEnv; home?: string; cachePath?: string } = {},
): ShortNameCandidate[] {
  const raw = parseReferenceRaw(input);
  if (raw.domain !== '') return [{ ref: withDefaultTag(parseNormalizedReference(input)), origin: 'fully-qualified' }];
  const out: ShortNameCandidate[] = [];
  const alias = lookupAlias(raw.path, conf, aliasCachePath(opts));
  if (alias) out.push({ ref: withTagDigest(alias.value, raw), origin: alias.kind });
  out.push({ ref: searchCandidate('localhost', input), origin: 'localhost' });
  for (const reg of conf.unqualifiedSearchRegistries) out.push({ ref: searchCandidate(reg, input), origin: 'search' });
  return out;
}
