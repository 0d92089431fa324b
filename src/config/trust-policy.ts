/**
 * `image trust show|set`: policy.json as podman's pkg/trust reads and edits it (read there;
 * code is berth's own). show describes each requirement of the default and of every scope
 * (docker scopes as "repository"), with the GPG identities of signedBy keys (from the gpg
 * program, as podman) and the lookaside a scope's signatures are read from (registries.d).
 * set replaces the requirements of one scope ("default" or a docker scope), keeping the rest
 * of the file, and writes it back atomically, formatted as podman writes it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError } from '../errors.js';
import { GoStruct, goJSON, goMap } from '../go/json.js';
import { log } from '../log.js';
import { writeOutputFile } from '../util/output-file.js';
import { policyFilePath, type PolicyOptions } from './policy.js';
import { loadRegistriesD, type RegistriesD, type RegistryNamespace } from './registries-d.js';
import { goErrnoText } from '../go/errno.js';
import { goJSONSyntaxError } from '../go/json-syntax.js';

/** One row of `image trust show` (its --json keys: transport, name, repo_name, keys, sigstore, type, gpg_id). */
export interface TrustPolicyEntry {
  /** "all" for the default, "repository" for docker scopes, else the transport name. */
  transport: string;
  /** "* (default)" or the scope. */
  name: string;
  /** "default" or the scope. */
  repoName: string;
  /** "accept", "reject", "signed", "sigstoreSigned" ("" for a type podman does not know). */
  type: string;
  /** signedBy: the keys' user IDs (e-mail addresses), comma-separated; sigstoreSigned: "N/A". */
  gpgId: string;
  /** The lookaside (registries.d) the scope's signatures are read from, if any. */
  signatureStore: string;
}

/** Where the lookaside of a scope is configured (registries.d, merged). */
export interface LookasideConfig {
  defaultDocker?: { lookaside?: string; sigstore?: string };
  docker: Record<string, { lookaside?: string; sigstore?: string }>;
}

export interface TrustOptions extends PolicyOptions {
  /** Reads the user IDs of a GPG key file (default: the gpg program, as podman). */
  keyIdentities?: (keyFile: string) => string[];
  /** The registries.d configuration (default: read from `registriesDir`, else the usual registries.d lookup). */
  lookaside?: LookasideConfig;
  /** The registries.d directory (podman's hidden --registrypath). */
  registriesDir?: string;
  /** Only read the file (show --raw): it is not parsed. */
  raw?: boolean;
}

/** The policy.json `image trust` reads and edits: `path`, else the user's file if it exists, else the system's. */
export function trustPolicyPath(opts: PolicyOptions = {}): string {
  return policyFilePath(opts);
}

interface Requirement {
  type?: unknown;
  keyPath?: unknown;
  keyPaths?: unknown;
  keyData?: unknown;
}

const DESCRIPTIONS: Record<string, string> = {
  insecureAcceptAnything: 'accept',
  signedBy: 'signed',
  sigstoreSigned: 'sigstoreSigned',
  reject: 'reject',
};

function readPolicyFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new BerthError('CONFIG', `open ${file}: ${goErrnoText(e)}`, { cause: e, subject: file });
  }
}

/** The policy file as podman's trust code reads it: lenient JSON, requirements as lists of objects. */
function parseLenient(raw: Buffer, file: string): { default: Requirement[]; transports: Record<string, Record<string, Requirement[]>> } {
  const fail = (why: string): never => {
    throw new BerthError(
      'CONFIG',
      `could not show trust policies: could not read trust policies: could not parse trust policies from ${file}: ${why}`,
      {
        subject: file,
      },
    );
  };
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    return fail(goJSONSyntaxError(raw) ?? (e as Error).message);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const reqs = (v: unknown, where: string): Requirement[] => {
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v) || !v.every(isObj)) return fail(`${where}: expected a list of requirements`);
    return v as Requirement[];
  };
  if (!isObj(doc)) return fail('expected a JSON object');
  const out = { default: reqs(doc.default, 'default'), transports: {} as Record<string, Record<string, Requirement[]>> };
  if (doc.transports !== undefined && doc.transports !== null) {
    if (!isObj(doc.transports)) return fail('transports: expected an object');
    for (const [t, scopes] of Object.entries(doc.transports)) {
      if (scopes === null) continue;
      if (!isObj(scopes)) return fail(`transports.${t}: expected an object`);
      out.transports[t] = {};
      for (const [s, r] of Object.entries(scopes)) out.transports[t][s] = reqs(r, `transports.${t}[${JSON.stringify(s)}]`);
    }
  }
  return out;
}

/** The lookaside locations of a registries.d configuration. */
function lookasideConfig(conf: RegistriesD): LookasideConfig {
  const pick = (ns: RegistryNamespace) => ({ lookaside: ns.lookaside, sigstore: ns.sigstore });
  return {
    defaultDocker: conf.defaultDocker && pick(conf.defaultDocker),
    docker: Object.fromEntries([...conf.docker].map(([k, ns]) => [k, pick(ns)])),
  };
}

/** podman's rule: the scope, then its parent paths, then default-docker. */
function lookasideFor(conf: LookasideConfig | undefined, scope: string): string {
  if (!conf) return '';
  let s = scope;
  while (s !== '') {
    const ns = Object.prototype.hasOwnProperty.call(conf.docker, s) ? conf.docker[s] : undefined;
    if (ns) return ns.lookaside || ns.sigstore || '';
    const slash = s.lastIndexOf('/');
    if (slash < 0) break;
    s = s.slice(0, slash);
  }
  return conf.defaultDocker?.lookaside || conf.defaultDocker?.sigstore || '';
}

/** User IDs of the keys in a key file, from `gpg --with-colons` (the e-mail address when there is one). */
export function gpgKeyIdentities(keyFile: string): string[] {
  let out: string;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gpg-'));
  try {
    out = execFileSync('gpg', ['--homedir', home, '--batch', '--no-options', '--with-colons', '--show-keys', keyFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    log.error(
      `Getting key identity: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'exec: "gpg": executable file not found in $PATH' : (e as Error).message.split('\n')[0]}`,
    );
    return [];
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  const ids: string[] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('uid:') && !line.startsWith('pub:')) continue;
    const uid = line.split(':')[9] ?? '';
    if (uid === '') continue;
    const lt = uid.indexOf('<');
    const gt = uid.indexOf('>', lt + 1);
    ids.push(lt >= 0 && gt > lt ? uid.slice(lt + 1, gt) : uid);
  }
  return ids;
}

function keyDataIdentities(data: string, read: (f: string) => string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-key-'));
  try {
    const f = path.join(dir, 'key');
    fs.writeFileSync(f, Buffer.from(data, 'base64'));
    return read(f);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function describe(
  reqs: Requirement[],
  template: Omit<TrustPolicyEntry, 'type' | 'gpgId' | 'signatureStore'>,
  scope: string,
  opts: TrustOptions,
): TrustPolicyEntry[] {
  const read = opts.keyIdentities ?? gpgKeyIdentities;
  const store = lookasideFor(opts.lookaside, scope);
  return reqs.map((r) => {
    const type = typeof r.type === 'string' ? r.type : '';
    const desc = DESCRIPTIONS[type];
    if (desc === undefined) log.warn(`Invalid trust type ${type}`);
    let gpgId = '';
    if (type === 'signedBy') {
      const ids: string[] = [];
      if (typeof r.keyPath === 'string' && r.keyPath !== '') ids.push(...read(r.keyPath));
      if (Array.isArray(r.keyPaths)) for (const p of r.keyPaths) if (typeof p === 'string') ids.push(...read(p));
      if (typeof r.keyData === 'string' && r.keyData !== '') ids.push(...keyDataIdentities(r.keyData, read));
      gpgId = ids.join(', ');
    } else if (type === 'sigstoreSigned') gpgId = 'N/A';
    return { ...template, type: desc ?? '', gpgId, signatureStore: store };
  });
}

/** `image trust show`: the policy file's bytes and one entry per requirement (default first, then transports and scopes in order). */
export async function showTrust(opts: TrustOptions = {}): Promise<{ path: string; raw: Buffer; policies: TrustPolicyEntry[] }> {
  const file = trustPolicyPath(opts);
  const raw = readPolicyFile(file);
  if (opts.raw) return { path: file, raw, policies: [] };
  const doc = parseLenient(raw, file);
  // STORE: the lookaside registries.d gives each scope (--registrypath, else the user's, else the system's directory)
  opts = { ...opts, lookaside: opts.lookaside ?? lookasideConfig(loadRegistriesD({ dir: opts.registriesDir, home: opts.home })) };
  const policies: TrustPolicyEntry[] = [];
  if (doc.default.length > 0)
    policies.push(...describe(doc.default, { transport: 'all', name: '* (default)', repoName: 'default' }, '', opts));
  for (const t of Object.keys(doc.transports).sort()) {
    const scopes = doc.transports[t]!;
    for (const s of Object.keys(scopes).sort())
      policies.push(...describe(scopes[s]!, { transport: t === 'docker' ? 'repository' : t, name: s, repoName: s }, s, opts));
  }
  return { path: file, raw, policies };
}

/** podman's --json form of the entries. */
export function trustPolicyJSON(policies: readonly TrustPolicyEntry[]): string {
  return goJSON(
    policies.map(
      (p) =>
        new GoStruct({
          transport: p.transport,
          name: p.name || undefined,
          repo_name: p.repoName || undefined,
          sigstore: p.signatureStore || undefined,
          type: p.type,
          gpg_id: p.gpgId || undefined,
        }),
    ),
    { indent: '  ' },
  );
}

export type TrustType = 'accept' | 'insecureAcceptAnything' | 'reject' | 'signedBy' | 'sigstoreSigned';

export interface SetTrustOptions extends PolicyOptions {
  type: TrustType | string;
  /** Public key files (signedBy: GPG keys; sigstoreSigned: cosign public keys), one requirement each. */
  pubKeysFiles?: string[];
}

/** The requirements `image trust set` writes for a type, as podman writes them. */
function newRequirements(type: string, keys: string[]): GoStruct[] {
  const t = type === 'accept' ? 'insecureAcceptAnything' : type;
  switch (t) {
    case 'insecureAcceptAnything':
    case 'reject':
      if (keys.length !== 0)
        throw new BerthError('INVALID_ARGUMENT', `${keys.length} public keys unexpectedly provided for trust type ${type}`);
      return [new GoStruct({ type: t })];
    case 'signedBy':
    case 'sigstoreSigned':
      if (keys.length === 0) throw new BerthError('INVALID_ARGUMENT', `at least one public key must be defined for type '${t}'`);
      return keys.map((k) => new GoStruct(t === 'signedBy' ? { type: t, keyType: 'GPGKeys', keyPath: k } : { type: t, keyPath: k }));
    default:
      throw new BerthError('INVALID_ARGUMENT', `invalid choice: ${type} (choose from 'accept', 'reject', 'signedBy', 'sigstoreSigned')`);
  }
}

/** podman's check of the REGISTRY argument (a host with an optional port and path). */
function checkScope(scope: string): void {
  let u: URL | undefined;
  try {
    u = new URL(`http://${scope}`);
  } catch {
    u = undefined;
  }
  const host = scope.split(/[/?#]/, 1)[0] ?? '';
  if (!u || !/^[a-zA-Z0-9\-_.]+\/?:?[0-9]*[a-z0-9\-/:]*$/.test(host) || !/^[a-z0-9\-:./]*$/.test(u.hash.replace(/^#/, '')))
    throw new BerthError('INVALID_ARGUMENT', `invalid image uri: ${scope}`);
}

/**
 * `image trust set`: make `scope` ("default" or a docker scope such as "quay.io/team") use
 * the requirements of `opts.type`, keeping every other entry of the file; an existing scope
 * is replaced in whichever transport has it, a new one is added to "docker". The file is
 * written to a temporary file and renamed into place. Returns the file written.
 */
export async function setTrust(scope: string, opts: SetTrustOptions): Promise<string> {
  checkScope(scope);
  const reqs = newRequirements(opts.type, opts.pubKeysFiles ?? []);
  const file = trustPolicyPath(opts);
  let doc: { default?: unknown; transports?: Record<string, Record<string, unknown>> } = {};
  let raw: Buffer | undefined;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new BerthError('CONFIG', `open ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const ok =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      (() => {
        const t = (parsed as { transports?: unknown }).transports;
        if (t === undefined || t === null) return true;
        if (typeof t !== 'object' || Array.isArray(t)) return false;
        return Object.values(t).every((v) => v === null || (typeof v === 'object' && !Array.isArray(v)));
      })();
    if (!ok) throw new BerthError('CONFIG', 'could not read trust policies', { subject: file, hint: `${file} is not a policy.json` });
    doc = parsed as typeof doc;
  }
  const transports: Record<string, Record<string, unknown>> = {};
  for (const [t, scopes] of Object.entries(doc.transports ?? {})) if (scopes) transports[t] = { ...scopes };
  let def = doc.default;
  if (scope === 'default') def = reqs;
  else {
    if (def === undefined || def === null || (Array.isArray(def) && def.length === 0))
      throw new BerthError('CONFIG', 'default trust policy must be set', {
        hint: `set it first: berth image trust set --type reject default`,
      });
    const owner = Object.keys(transports)
      .sort()
      .find((t) => Object.prototype.hasOwnProperty.call(transports[t], scope));
    (transports[owner ?? 'docker'] ??= {})[scope] = reqs;
  }
  const out = new GoStruct({
    default: def ?? null,
    transports: Object.keys(transports).length
      ? goMap(Object.fromEntries(Object.entries(transports).map(([t, s]) => [t, goMap(s)])))
      : undefined,
  });
  await writeOutputFile(file, goJSON(out, { indent: '    ' }), `cannot write ${file}`);
  return file;
}
