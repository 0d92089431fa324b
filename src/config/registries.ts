/**
 * registries.conf (containers-registries.conf(5)): where to find it, how drop-ins merge,
 * and what it says about a reference (prefix match, mirrors, rewrites, insecure, blocked).
 *
 * Semantics follow containers/image `pkg/sysregistriesv2` (read, not copied); the places
 * where berth deliberately differs are marked "berth:".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { tomlSyntaxError } from './toml-error.js';
import { BerthError } from '../errors.js';
import {
  type Reference,
  formatReference,
  isValidDomain,
  parseNormalizedReference,
  parseReferenceRaw,
  repositoryName,
} from '../reference/reference.js';

export interface Mirror {
  location: string;
  insecure: boolean;
  pullFromMirror: 'all' | 'digest-only' | 'tag-only';
}
export interface RegistryEntry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
}
export interface RegistriesConf {
  unqualifiedSearchRegistries: string[];
  shortNameMode: 'enforcing' | 'permissive' | 'disabled';
  registries: RegistryEntry[];
  /** short name -> fully-qualified repository (normalized, no tag/digest); merged from conf + drop-ins. */
  aliases: Record<string, string>;
  credentialHelpers: string[];
  /** files actually read, for messages */
  files: string[];
  /** The file that set `unqualified-search-registries` (for messages); undefined when none did. */
  searchRegistriesOrigin?: string;
  /** For each alias, the file it came from (for messages). */
  aliasOrigins?: Record<string, string>;
  /** `additional-layer-store-auth-helper`, when set. */
  additionalLayerStoreAuthHelper?: string;
  /** Human-readable list of the places configuration is read from (main file and drop-in dirs). */
  sources?: string;
}
export interface RegistriesConfOptions {
  /** explicit file, e.g. --registries-conf; a missing file is then an error */
  path?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** default /etc/containers, overridable for tests */
  systemDir?: string;
}

/** The reserved credential-helpers value meaning "the auth.json files" (containers-auth.json(5)). */
export const AUTH_FILE_HELPER = 'containers-auth.json';
export const DEFAULT_SYSTEM_DIR = '/etc/containers';

type ShortNameMode = RegistriesConf['shortNameMode'];

/** One file, parsed and validated, before merging. */
interface ParsedFile {
  file: string;
  registries: RegistryEntry[];
  search?: string[];
  credentialHelpers?: string[];
  shortNameMode?: ShortNameMode;
  alsHelper?: string;
  /** '' marks a deletion (an empty value in a later file erases an alias). */
  aliases: Map<string, string>;
}

// ---------------------------------------------------------------------------------------
// Locating files

interface ConfigLocations {
  main: string;
  explicit: boolean;
  dropInDirs: string[];
}

function homeOf(opts: RegistriesConfOptions): string {
  const env = opts.env ?? process.env;
  return opts.home ?? (env.HOME || os.homedir());
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which registries.conf and which drop-in dirs are read (sysregistriesv2 newConfigWrapperWithHomeDir):
 * - explicit path (flag, else $CONTAINERS_REGISTRIES_CONF): that file, plus system and user drop-in dirs;
 * - else ~/.config/containers/registries.conf if it exists: that file, and only the user drop-in dir;
 * - else <systemDir>/registries.conf, plus system and user drop-in dirs.
 */
function locate(opts: RegistriesConfOptions): ConfigLocations {
  const env = opts.env ?? process.env;
  const home = homeOf(opts);
  const systemDir = opts.systemDir ?? DEFAULT_SYSTEM_DIR;
  const userFile = path.join(home, '.config/containers/registries.conf');
  const userDir = path.join(home, '.config/containers/registries.conf.d');
  const systemFile = path.join(systemDir, 'registries.conf');
  const systemDropIns = path.join(systemDir, 'registries.conf.d');
  const explicitPath = opts.path || env.CONTAINERS_REGISTRIES_CONF || undefined;
  if (explicitPath) return { main: explicitPath, explicit: true, dropInDirs: [systemDropIns, userDir] };
  if (exists(userFile)) return { main: userFile, explicit: false, dropInDirs: [userDir] };
  return { main: systemFile, explicit: false, dropInDirs: [systemDropIns, userDir] };
}

/** `*.conf` entries (not directories) of each dir, each dir in byte order, dirs in the given order. */
function dropInFiles(dirs: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new BerthError('CONFIG', `reading drop-in directory ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const names = entries.filter((d) => !d.isDirectory() && d.name.endsWith('.conf')).map((d) => d.name);
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) out.push(path.join(dir, n));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Parsing one file

function cfgError(file: string, what: string, hint?: string): BerthError {
  return new BerthError('CONFIG', `${file}: ${what}`, { hint });
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function getString(file: string, t: Table, key: string, where: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw cfgError(file, `${where}${key} must be a string`);
  return v;
}

function getBool(file: string, t: Table, key: string, where: string): boolean | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw cfgError(file, `${where}${key} must be true or false`);
  return v;
}

function getStringArray(file: string, t: Table, key: string, where: string): string[] | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw cfgError(file, `${where}${key} must be an array of strings`);
  return [...(v as string[])];
}

/** Trim trailing '/', refuse URL schemes (sysregistriesv2 parseLocation). */
function parseLocation(file: string, input: string, what: string): string {
  const trimmed = input.replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) {
    throw cfgError(
      file,
      `invalid ${what} ${JSON.stringify(input)}: URI schemes are not supported`,
      'write host[:port][/namespace], without http:// or https://',
    );
  }
  return trimmed;
}

function parseTomlFile(file: string, text: string): Table {
  try {
    return parseToml(text) as Table;
  } catch (e) {
    // podman's words (sysregistriesv2 loadConfigFile), then the TOML parser's
    throw new BerthError('CONFIG', `loading registries configuration ${JSON.stringify(file)}: ${tomlSyntaxError(e)}`, { subject: file });
  }
}

const V2_KEYS = [
  'registry',
  'unqualified-search-registries',
  'credential-helpers',
  'short-name-mode',
  'additional-layer-store-auth-helper',
  'aliases',
];

/** Validate an alias name (left-hand side): a short name without tag or digest. */
export function validateAliasName(name: string): string | undefined {
  let r: Reference;
  try {
    r = parseReferenceRaw(name);
  } catch (e) {
    return `cannot parse short name ${JSON.stringify(name)}: ${(e as Error).message}`;
  }
  if (r.digest !== undefined) return `invalid short name ${JSON.stringify(name)}: must not contain digest`;
  if (r.tag !== undefined) return `invalid short name ${JSON.stringify(name)}: must not contain tag`;
  if (r.domain !== '') return `invalid short name ${JSON.stringify(name)}: must not contain registry`;
  return undefined;
}

/** Validate and normalize an alias value: fully-qualified repository, no tag or digest. */
export function parseAliasValue(value: string): { value?: string; error?: string } {
  let r: Reference;
  try {
    r = parseReferenceRaw(value);
  } catch (e) {
    return { error: `parsing alias ${JSON.stringify(value)}: ${(e as Error).message}` };
  }
  if (r.digest !== undefined) return { error: `invalid alias ${JSON.stringify(value)}: must not contain digest` };
  if (r.tag !== undefined) return { error: `invalid alias ${JSON.stringify(value)}: must not contain tag` };
  if (r.domain === '') return { error: `invalid alias ${JSON.stringify(value)}: must contain registry and repository` };
  return { value: repositoryName(parseNormalizedReference(value)) };
}

/** Parse an [aliases] table; all malformed entries are reported at once (sysregistriesv2 newShortNameAliasCache). */
export function parseAliasTable(file: string, raw: unknown, context = 'aliases'): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined) return out;
  if (!isTable(raw)) throw cfgError(file, `[${context}] must be a table of "short-name" = "registry/repository"`);
  const errs: string[] = [];
  for (const [name, v] of Object.entries(raw)) {
    if (typeof v !== 'string') {
      errs.push(`alias ${JSON.stringify(name)} must be a string`);
      continue;
    }
    const nameErr = validateAliasName(name);
    if (nameErr) errs.push(nameErr);
    if (v === '') {
      if (!nameErr) out.set(name, '');
      continue;
    }
    const parsed = parseAliasValue(v);
    if (parsed.error) errs.push(parsed.error);
    else if (!nameErr) out.set(name, parsed.value!);
  }
  if (errs.length > 0) {
    throw cfgError(
      file,
      `invalid short-name aliases: ${errs.join('; ')}`,
      'alias names are short names ("name" or "ns/name"); values are fully-qualified repositories without tag or digest',
    );
  }
  return out;
}

function parseRegistryTable(file: string, t: unknown, index: number): RegistryEntry {
  const where = `[[registry]] #${index + 1}: `;
  if (!isTable(t)) throw cfgError(file, `${where}must be a table`);
  const location = parseLocation(file, getString(file, t, 'location', where) ?? '', 'location');
  let prefix = getString(file, t, 'prefix', where) ?? '';
  if (prefix === '') {
    if (location === '') throw cfgError(file, `${where}both location and prefix are unset`);
    prefix = location;
  } else {
    prefix = parseLocation(file, prefix, 'prefix');
    if (!prefix.startsWith('*.') && location === '') {
      throw cfgError(file, `${where}location is unset and prefix ${JSON.stringify(prefix)} is not in the format *.example.com`);
    }
  }
  const shown = `registry ${JSON.stringify(prefix)}: `;
  if (prefix.startsWith('*.') && /[/@:]/.test(prefix)) {
    throw cfgError(file, `${shown}a wildcard prefix must be in the format *.example.com (no port, namespace, tag or digest)`);
  }
  if (t['pull-from-mirror'] !== undefined) {
    throw cfgError(
      file,
      `${shown}pull-from-mirror must not be set for a non-mirror registry`,
      'set pull-from-mirror inside [[registry.mirror]]',
    );
  }
  const insecure = getBool(file, t, 'insecure', shown) ?? false;
  const blocked = getBool(file, t, 'blocked', shown) ?? false;
  const mirrorByDigestOnly = getBool(file, t, 'mirror-by-digest-only', shown) ?? false;
  const mirrors: Mirror[] = [];
  const rawMirrors = t['mirror'];
  if (rawMirrors !== undefined) {
    if (!Array.isArray(rawMirrors)) throw cfgError(file, `${shown}mirror must be an array of tables ([[registry.mirror]])`);
    rawMirrors.forEach((m) => {
      if (!isTable(m)) throw cfgError(file, `${shown}mirror must be an array of tables ([[registry.mirror]])`);
      const mloc = parseLocation(file, getString(file, m, 'location', `${shown}mirror `) ?? '', 'mirror location');
      if (mloc === '') throw cfgError(file, `${shown}mirror location is unset`);
      const pfm = getString(file, m, 'pull-from-mirror', `${shown}mirror ${JSON.stringify(mloc)}: `) ?? '';
      if (mirrorByDigestOnly && pfm !== '') {
        throw cfgError(
          file,
          `${shown}cannot set mirror-by-digest-only for the registry and pull-from-mirror for mirror ${JSON.stringify(mloc)} at the same time`,
        );
      }
      if (pfm !== '' && pfm !== 'all' && pfm !== 'digest-only' && pfm !== 'tag-only') {
        throw cfgError(
          file,
          `${shown}unsupported pull-from-mirror value ${JSON.stringify(pfm)} for mirror ${JSON.stringify(mloc)}`,
          'use "all", "digest-only" or "tag-only"',
        );
      }
      mirrors.push({
        location: mloc,
        insecure: getBool(file, m, 'insecure', `${shown}mirror ${JSON.stringify(mloc)}: `) ?? false,
        pullFromMirror: (pfm || 'all') as Mirror['pullFromMirror'],
      });
    });
  }
  return { prefix, location, insecure, blocked, mirrorByDigestOnly, mirrors };
}

/** Consistency of a file's registries: one location may not be both insecure and secure, blocked and not. */
function postProcessRegistries(file: string, regs: RegistryEntry[]): RegistryEntry[] {
  const byLocation = new Map<string, RegistryEntry[]>();
  for (const r of regs) {
    const k = r.location === '' ? r.prefix : r.location;
    const list = byLocation.get(k) ?? [];
    list.push(r);
    byLocation.set(k, list);
  }
  for (const r of regs) {
    for (const o of byLocation.get(r.location === '' ? r.prefix : r.location)!) {
      if (o.insecure !== r.insecure)
        throw cfgError(
          file,
          `registry ${JSON.stringify(r.location || r.prefix)} is defined multiple times with conflicting 'insecure' setting`,
        );
      if (o.blocked !== r.blocked)
        throw cfgError(
          file,
          `registry ${JSON.stringify(r.location || r.prefix)} is defined multiple times with conflicting 'blocked' setting`,
        );
    }
  }
  // The first entry for a prefix wins (later ones could never match); keep them sorted by prefix.
  const unique = new Map<string, RegistryEntry>();
  for (const r of regs) if (!unique.has(r.prefix)) unique.set(r.prefix, r);
  return [...unique.keys()].sort(byteCompare).map((k) => unique.get(k)!);
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** v1 → v2 (sysregistriesv2 ConvertToV2): search → unqualified-search-registries; block/insecure → [[registry]]. */
function convertV1(
  file: string,
  v1: { search?: string[]; insecure?: string[]; block?: string[] },
): { registries: RegistryEntry[]; search?: string[] } {
  const map = new Map<string, RegistryEntry>();
  const get = (loc: string): RegistryEntry => {
    const location = parseLocation(file, loc, 'registry');
    let r = map.get(location);
    if (!r) {
      r = { prefix: location, location, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] };
      map.set(location, r);
    }
    return r;
  };
  for (const b of v1.block ?? []) get(b).blocked = true;
  for (const i of v1.insecure ?? []) get(i).insecure = true;
  return { registries: [...map.values()], search: v1.search };
}

function readV1(file: string, raw: unknown): { search?: string[]; insecure?: string[]; block?: string[] } | undefined {
  if (raw === undefined) return undefined;
  if (!isTable(raw)) throw cfgError(file, '"registries" must be a table (v1 format: [registries.search] registries = [...])');
  const out: { search?: string[]; insecure?: string[]; block?: string[] } = {};
  let set = false;
  for (const k of ['search', 'insecure', 'block'] as const) {
    const sub = raw[k];
    if (sub === undefined) continue;
    if (!isTable(sub)) throw cfgError(file, `[registries.${k}] must be a table`);
    const list = getStringArray(file, sub, 'registries', `[registries.${k}] `);
    if (list !== undefined) {
      out[k] = list;
      set = true;
    }
  }
  return set ? out : undefined;
}

function parseShortNameMode(file: string, v: string): ShortNameMode {
  if (v === 'enforcing' || v === 'permissive' || v === 'disabled') return v;
  throw cfgError(file, `invalid short-name-mode ${JSON.stringify(v)}`, 'use "enforcing", "permissive" or "disabled"');
}

/** Parse and validate one registries.conf-format file (sysregistriesv2 loadConfigFile). */
function parseFile(file: string, text: string, forceV2: boolean): ParsedFile {
  const doc = parseTomlFile(file, text);
  const v1 = readV1(file, doc['registries']);
  const v2Set = V2_KEYS.some((k) => doc[k] !== undefined && doc[k] !== '');
  const res: ParsedFile = { file, registries: [], aliases: new Map() };

  if (v1) {
    if (forceV2) throw cfgError(file, 'drop-in files must use the v2 format, but this one uses v1 ([registries.search/insecure/block])');
    if (v2Set)
      throw cfgError(
        file,
        'mixing sysregistry v1/v2 is not supported',
        'move [registries.*] lists to unqualified-search-registries and [[registry]] tables',
      );
    const conv = convertV1(file, v1);
    res.registries = postProcessRegistries(file, conv.registries);
    if (conv.search) res.search = conv.search.map((s) => validateSearchRegistry(file, s));
    return res;
  }

  const rawRegs = doc['registry'];
  if (rawRegs !== undefined && !Array.isArray(rawRegs)) throw cfgError(file, '"registry" must be an array of tables ([[registry]])');
  res.registries = postProcessRegistries(
    file,
    ((rawRegs as unknown[] | undefined) ?? []).map((t, i) => parseRegistryTable(file, t, i)),
  );
  const search = getStringArray(file, doc, 'unqualified-search-registries', '');
  if (search !== undefined) res.search = search.map((s) => validateSearchRegistry(file, s));
  res.credentialHelpers = getStringArray(file, doc, 'credential-helpers', '');
  const mode = getString(file, doc, 'short-name-mode', '');
  if (mode) res.shortNameMode = parseShortNameMode(file, mode);
  const als = getString(file, doc, 'additional-layer-store-auth-helper', '');
  if (als) res.alsHelper = als;
  res.aliases = parseAliasTable(file, doc['aliases']);
  return res;
}

function validateSearchRegistry(file: string, s: string): string {
  const loc = parseLocation(file, s, 'unqualified-search-registries entry');
  if (!isValidDomain(loc)) {
    throw cfgError(file, `invalid unqualified-search-registries entry ${JSON.stringify(s)}`, 'entries are host[:port], without namespaces');
  }
  return loc;
}

// ---------------------------------------------------------------------------------------
// Loading and merging

/**
 * Load registries.conf plus drop-ins, as sysregistriesv2 does. Missing default files give the
 * defaults (no registries, permissive, credential helpers ["containers-auth.json"]); a missing
 * explicit file (`path` or $CONTAINERS_REGISTRIES_CONF) is an error.
 */
export function loadRegistriesConf(opts: RegistriesConfOptions = {}): RegistriesConf {
  const loc = locate(opts);
  const files: string[] = [];
  let registries: RegistryEntry[] = [];
  let search: string[] | undefined;
  let searchOrigin: string | undefined;
  let credentialHelpers: string[] | undefined;
  let mode: ShortNameMode | undefined;
  let alsHelper: string | undefined;
  const aliases = new Map<string, { value: string; origin: string }>();

  const merge = (p: ParsedFile): void => {
    files.push(p.file);
    // [[registry]] entries of a later file replace earlier ones with the same prefix.
    const byPrefix = new Map<string, RegistryEntry>();
    for (const r of registries) byPrefix.set(r.prefix, r);
    for (const r of p.registries) byPrefix.set(r.prefix, r);
    registries = [...byPrefix.keys()].sort(byteCompare).map((k) => byPrefix.get(k)!);
    if (p.search !== undefined) {
      search = p.search;
      searchOrigin = p.file;
    }
    if (p.credentialHelpers !== undefined) credentialHelpers = p.credentialHelpers;
    if (p.shortNameMode !== undefined) mode = p.shortNameMode;
    if (p.alsHelper !== undefined) alsHelper = p.alsHelper;
    for (const [k, v] of p.aliases) aliases.set(k, { value: v, origin: p.file });
  };

  let mainText: string | undefined;
  try {
    mainText = fs.readFileSync(loc.main, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(code === 'ENOENT' && !loc.explicit)) {
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
      throw new BerthError('CONFIG', `loading registries configuration ${loc.main}: ${why}`, {
        cause: e,
        hint: loc.explicit ? 'check --registries-conf / $CONTAINERS_REGISTRIES_CONF' : undefined,
      });
    }
  }
  if (mainText !== undefined) {
    merge(parseFile(loc.main, mainText, false));
    // As in c/image, the main file is named as the origin of the (possibly empty) search list
    // unless a drop-in sets it; messages then point at the file to edit.
    searchOrigin = loc.main;
  }

  for (const f of dropInFiles(loc.dropInDirs)) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed between listing and reading
      throw new BerthError('CONFIG', `loading drop-in registries configuration ${f}: ${(e as Error).message}`, { cause: e });
    }
    merge(parseFile(f, text, true));
  }

  const outAliases: Record<string, string> = {};
  const aliasOrigins: Record<string, string> = {};
  for (const [k, { value, origin }] of aliases) {
    if (value === '') continue; // an empty value erases an alias set by an earlier file
    outAliases[k] = value;
    aliasOrigins[k] = origin;
  }
  const conf: RegistriesConf = {
    unqualifiedSearchRegistries: search ?? [],
    shortNameMode: mode ?? 'permissive',
    registries,
    aliases: outAliases,
    credentialHelpers: credentialHelpers && credentialHelpers.length > 0 ? credentialHelpers : [AUTH_FILE_HELPER],
    files,
    aliasOrigins,
    sources: [loc.main, ...loc.dropInDirs].join(', '),
  };
  if (searchOrigin !== undefined) conf.searchRegistriesOrigin = searchOrigin;
  if (alsHelper !== undefined) conf.additionalLayerStoreAuthHelper = alsHelper;
  return conf;
}

/** An empty configuration (what loadRegistriesConf returns when no file exists). */
export function defaultRegistriesConf(): RegistriesConf {
  return {
    unqualifiedSearchRegistries: [],
    shortNameMode: 'permissive',
    registries: [],
    aliases: {},
    credentialHelpers: [AUTH_FILE_HELPER],
    files: [],
    aliasOrigins: {},
  };
}

// ---------------------------------------------------------------------------------------
// Matching

/**
 * Length of `prefix` matched at the start of `ref` ("host[:port][/path][:tag][@digest]"), or -1.
 * A prefix matches when `ref` equals it or continues with ':', '/' or '@' right after it; so
 * "example.com" also matches "example.com:5000/x" — c/image has the same (documented as
 * unintended) behaviour, kept for parity. "*.example.com" matches any subdomain host; the
 * returned length is then the end of the matched host.
 */
export function matchPrefix(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) {
    const suffix = prefix.slice(1);
    const idx = ref.indexOf(suffix);
    if (idx === -1 || ref.slice(0, idx).includes('/')) return -1;
    const end = idx + suffix.length;
    if (end === ref.length) return end;
    const c = ref[end];
    return c === ':' || c === '/' || c === '@' ? end : -1;
  }
  if (ref.length < prefix.length || !ref.startsWith(prefix)) return -1;
  if (ref.length === prefix.length) return prefix.length;
  const c = ref[prefix.length];
  return c === ':' || c === '/' || c === '@' ? prefix.length : -1;
}

function findRegistryByString(conf: RegistriesConf, refStr: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const r of conf.registries) {
    if (matchPrefix(refStr, r.prefix) !== -1 && (best === undefined || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

function requireQualified(ref: Reference): string {
  if (!ref.domain)
    throw new BerthError('INVALID_ARGUMENT', `reference ${JSON.stringify(formatReference(ref))} is not fully qualified`, {
      hint: 'resolve short names first',
    });
  return formatReference(ref);
}

/**
 * Longest-prefix match (incl. "*.example.com" wildcards) for a fully-qualified reference.
 * berth: matches against the whole "name[:tag][@digest]" so that the tag/digest prefix forms
 * documented in containers-registries.conf(5) work (c/image looks up by name only for pulls).
 */
export function findRegistry(conf: RegistriesConf, ref: Reference): RegistryEntry | undefined {
  return findRegistryByString(conf, requireQualified(ref));
}

/** Replace the matched prefix of `ref` with `location` (an empty location means no rewrite). */
function rewrite(refStr: string, prefix: string, location: string): Reference {
  const n = matchPrefix(refStr, prefix);
  if (n === -1) throw new BerthError('INTERNAL', `prefix ${JSON.stringify(prefix)} does not match ${JSON.stringify(refStr)}`);
  if (location === '') return parseNormalizedReference(refStr);
  const out = location + refStr.slice(n);
  let parsed: Reference | undefined;
  try {
    parsed = parseReferenceRaw(out);
  } catch {
    parsed = undefined;
  }
  // The rewritten name must be a valid, already-normalized, fully-qualified reference.
  if (!parsed || parsed.domain === '' || formatReference(parseNormalizedReference(out)) !== out) {
    throw new BerthError(
      'CONFIG',
      `registries.conf: rewriting ${JSON.stringify(refStr)} with prefix ${JSON.stringify(prefix)} and location ${JSON.stringify(location)} gives the invalid reference ${JSON.stringify(out)}`,
      { hint: 'fix the [[registry]] prefix/location pair' },
    );
  }
  return parsed;
}

/**
 * Where to pull from, in order: matching mirrors (honouring pull-from-mirror /
 * mirror-by-digest-only for tag vs digest refs), then the primary location with prefix rewrite
 * applied. Throws BerthError('BLOCKED_REGISTRY') if blocked.
 *
 * Blocking (checked per source, as c/image checks each endpoint it contacts):
 * - the primary source is dropped when the reference's own entry is blocked, or the rewritten
 *   location's entry is (berth: c/image checks only the rewritten location);
 * - a mirror is dropped when the mirror location's own entry is blocked. Mirrors of a blocked
 *   registry are still used, as podman does (verified with podman 4.3: "Mirrors also failed").
 * When nothing is left, BLOCKED_REGISTRY is thrown.
 */
export function pullSources(conf: RegistriesConf, ref: Reference): { ref: Reference; insecure: boolean; mirror: boolean }[] {
  const refStr = requireQualified(ref);
  const reg = findRegistryByString(conf, refStr);
  if (!reg) {
    return [{ ref: { ...ref }, insecure: false, mirror: false }];
  }
  const digested = ref.digest !== undefined;
  const out: { ref: Reference; insecure: boolean; mirror: boolean }[] = [];
  for (const m of reg.mirrors) {
    if (reg.mirrorByDigestOnly && !digested) continue;
    if (m.pullFromMirror === 'digest-only' && !digested) continue;
    if (m.pullFromMirror === 'tag-only' && digested) continue;
    const r = rewrite(refStr, reg.prefix, m.location);
    if (isBlockedRegistry(conf, r)) continue;
    out.push({ ref: r, insecure: m.insecure, mirror: true });
  }
  const primary = rewrite(refStr, reg.prefix, reg.location);
  if (!reg.blocked && !isBlockedRegistry(conf, primary)) out.push({ ref: primary, insecure: reg.insecure, mirror: false });
  if (out.length === 0) {
    throw new BerthError('BLOCKED_REGISTRY', `registry ${reg.prefix} is blocked in ${describeSources(conf)}`, {
      hint: `pulling ${refStr} is forbidden by a [[registry]] entry with blocked = true`,
    });
  }
  return out;
}

function describeSources(conf: RegistriesConf): string {
  if (conf.files.length === 1) return conf.files[0]!;
  if (conf.files.length > 1) return `one of ${conf.files.join(', ')}`;
  return conf.sources ?? 'registries.conf';
}

/**
 * Is this host[:port] configured insecure (plain http / no TLS verify allowed)? Also accepts a
 * repository name ("host/ns/repo"), which can match namespace prefixes. For pulls, prefer the
 * per-source `insecure` from pullSources (a mirror has its own setting).
 */
export function isInsecureRegistry(conf: RegistriesConf, host: string): boolean {
  return findRegistryByString(conf, host)?.insecure ?? false;
}

/** Is the entry matching this (fully-qualified) reference blocked? Use for push destinations too. */
export function isBlockedRegistry(conf: RegistriesConf, ref: Reference): boolean {
  return findRegistryByString(conf, requireQualified(ref))?.blocked ?? false;
}

/** Convenience for messages: "registries.conf files read: a, b". */
export function registriesConfDescription(conf: RegistriesConf): string {
  return conf.files.length > 0 ? conf.files.join(', ') : (conf.sources ?? 'no registries.conf found');
}
