/**
 * Registry credentials: auth.json / Docker config.json files and credential helpers
 * (containers-auth.json(5)). Lookup and editing follow containers/image
 * `pkg/docker/config/config.go`; the choice of files follows podman's CLI layer
 * (containers/common `pkg/auth`): semantics read there, code is berth's own.
 *
 * Files, when neither `authfile` nor $REGISTRY_AUTH_FILE nor $DOCKER_CONFIG is set:
 *   read, in order: $XDG_RUNTIME_DIR/containers/auth.json (without it: /run/containers/0/auth.json
 *   for root, podman's runtime directory for other users — /run/user/$UID or
 *   $TMPDIR/storage-run-$UID —; ~/.config/containers/auth.json off Linux) — the primary file,
 *   also the one written —,
 *   $XDG_CONFIG_HOME/containers/auth.json (or ~/.config/…), ~/.docker/config.json,
 *   ~/.dockercfg (legacy format).
 * `authfile` (--authfile), else $REGISTRY_AUTH_FILE: that one file replaces the whole chain.
 * Else $DOCKER_CONFIG: only $DOCKER_CONFIG/config.json is read, and it is written in the
 *   Docker-compatible way (docker.io stored as "https://index.docker.io/v1/", no namespaced
 *   keys, other fields kept) — podman's behaviour (common/pkg/auth GetDefaultAuthFile /
 *   systemContextWithOptions), which differs from bare c/image, where $DOCKER_CONFIG only
 *   replaces ~/.docker/config.json in the chain.
 *
 * Nothing here ever puts an "auth" value, password, token or helper secret into a message.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError } from '../errors.js';
import { AUTH_FILE_HELPER } from '../config/registries.js';
import { type HelperOptions, helperErase, helperGet, helperList, helperStore } from './credhelper.js';

export interface Credentials {
  username: string;
  password: string;
}
export type AuthEntry = Credentials | { identityToken: string; username?: string };
export interface AuthOptions {
  /** --authfile: replaces the chain */
  authfile?: string;
  /** --compat-auth-file: a Docker config.json used instead of the chain, written Docker-compatibly. */
  compatAuthFile?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** registries.conf `credential-helpers`; default ["containers-auth.json"] (the files). */
  credentialHelpers?: string[];
  /** Receives non-fatal problems (e.g. $XDG_RUNTIME_DIR missing while reading). */
  warn?: (message: string) => void;
  /** Timeout for each credential helper run, ms (default 30000). */
  helperTimeoutMs?: number;
}

export function isIdentityToken(e: AuthEntry): e is { identityToken: string; username?: string } {
  return 'identityToken' in e;
}

/** Docker's key for Docker Hub in config.json files. */
export const DOCKER_HUB_LEGACY_KEY = 'https://index.docker.io/v1/';

interface AuthPath {
  path: string;
  legacy: boolean;
}
interface WriteTarget {
  path: string;
  dockerCompat: boolean;
}
interface Layout {
  read: AuthPath[];
  write: WriteTarget | BerthError;
}

function envOf(opts: AuthOptions): NodeJS.ProcessEnv {
  return opts.env ?? process.env;
}
function homeOf(opts: AuthOptions): string {
  const env = envOf(opts);
  return opts.home ?? (env.HOME || os.homedir());
}

function primaryPath(opts: AuthOptions): string | BerthError {
  const env = envOf(opts);
  if (process.platform !== 'linux') return path.join(homeOf(opts), '.config/containers/auth.json');
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir) {
    try {
      fs.statSync(runtimeDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        return new BerthError('CONFIG', `${JSON.stringify(runtimeDir)} directory set by $XDG_RUNTIME_DIR does not exist`, {
          hint: 'create the directory or unset $XDG_RUNTIME_DIR',
        });
      }
    }
    return path.join(runtimeDir, 'containers/auth.json');
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  if (uid === 0) return `/run/containers/${uid}/auth.json`;
  const dir = rootlessRuntimeDir(uid, env);
  return typeof dir === 'string' ? path.join(dir, 'containers/auth.json') : dir;
}

/**
 * podman's runtime directory for a user without $XDG_RUNTIME_DIR (it sets the variable to
 * this before containers/image looks for auth.json; containers/storage homedir.GetRuntimeDir):
 * /run/user/UID when that is the user's own private directory, else $TMPDIR/storage-run-UID —
 * which must then be the user's own private directory too, or nobody's yet (created 0700 on
 * the first login), so that another user cannot plant credentials there.
 */
function rootlessRuntimeDir(uid: number, env: NodeJS.ProcessEnv): string | BerthError {
  const privateDir = (p: string): boolean | undefined => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return undefined;
    }
    return st.isDirectory() && st.uid === uid && (st.mode & 0o722) === 0o700;
  };
  const run = `/run/user/${uid}`;
  if (privateDir(run)) return run;
  const tmp = path.join(env.TMPDIR || '/tmp', `storage-run-${uid}`);
  if (privateDir(tmp) === false) {
    return new BerthError('CONFIG', `path ${JSON.stringify(tmp)} exists and it is not writeable only by the current user`, {
      hint: 'remove it, or set $XDG_RUNTIME_DIR',
    });
  }
  return tmp;
}

function layout(opts: AuthOptions): Layout {
  const env = envOf(opts);
  const explicit = opts.authfile || env.REGISTRY_AUTH_FILE;
  if (opts.compatAuthFile) {
    if (explicit)
      throw new BerthError(
        'INVALID_ARGUMENT',
        'options for paths to the credential file and to the Docker-compatible credential file can not be set simultaneously',
      );
    return { read: [{ path: opts.compatAuthFile, legacy: false }], write: { path: opts.compatAuthFile, dockerCompat: true } };
  }
  if (explicit) return { read: [{ path: explicit, legacy: false }], write: { path: explicit, dockerCompat: false } };
  if (env.DOCKER_CONFIG) {
    const p = path.join(env.DOCKER_CONFIG, 'config.json');
    return { read: [{ path: p, legacy: false }], write: { path: p, dockerCompat: true } };
  }
  const home = homeOf(opts);
  const primary = primaryPath(opts);
  const read: AuthPath[] = [];
  if (typeof primary === 'string') read.push({ path: primary, legacy: false });
  const xdgConfig = env.XDG_CONFIG_HOME || path.join(home, '.config');
  read.push({ path: path.join(xdgConfig, 'containers/auth.json'), legacy: false });
  read.push({ path: path.join(home, '.docker/config.json'), legacy: false });
  read.push({ path: path.join(home, '.dockercfg'), legacy: true });
  return { read, write: typeof primary === 'string' ? { path: primary, dockerCompat: false } : primary };
}

/** The primary read/write file. */
export function defaultAuthFile(opts: AuthOptions = {}): string {
  const w = layout(opts).write;
  if (w instanceof BerthError) throw w;
  return w.path;
}

/** The files read, in order (for messages and `--get-login`-style tooling). */
export function authFilesRead(opts: AuthOptions = {}): string[] {
  return layout(opts).read.map((p) => p.path);
}

// ---------------------------------------------------------------------------------------
// Keys

/** c/image validateKey: no scheme, no '@', nothing like a tag after host[:port]. Returns "is namespaced". */
function validateKey(key: string): boolean {
  if (key === '') throw new BerthError('INVALID_ARGUMENT', 'empty registry key');
  if (/^https?:\/\//.test(key))
    throw new BerthError('INVALID_ARGUMENT', `key ${key} contains http[s]:// prefix`, { hint: 'use host[:port][/namespace/repo]' });
  if (key.includes('@'))
    throw new BerthError('INVALID_ARGUMENT', `key ${key} contains a '@' character`, {
      hint: 'credentials are stored per registry, namespace or repository, not per digest',
    });
  const slash = key.indexOf('/');
  if (slash !== -1 && key.slice(slash + 1).includes(':')) {
    throw new BerthError('INVALID_ARGUMENT', `key ${key} contains a ':' character after host[:port]`, {
      hint: 'credentials are stored per repository, not per tag',
    });
  }
  return slash !== -1;
}

/** Accept Docker's legacy Hub key as a synonym of docker.io when writing. */
function writeKey(key: string): string {
  if (key === DOCKER_HUB_LEGACY_KEY || key === 'https://index.docker.io/v1') return 'docker.io';
  return key;
}

function normalizeRegistry(r: string): string {
  return r === 'registry-1.docker.io' || r === 'docker.io' ? 'index.docker.io' : r;
}

/** Host part of a file key (URL forms too), docker.io hosts normalized to index.docker.io. */
function normalizeFileKey(key: string, legacy: boolean): string {
  let stripped = key.replace(/^https?:\/\//, '');
  if (legacy || stripped !== key) stripped = stripped.split('/')[0]!;
  return normalizeRegistry(stripped);
}

/** Most specific first: reg/ns/repo, reg/ns, reg (legacy files: reg only). */
function lookupOrder(key: string, registry: string, legacy: boolean): string[] {
  if (legacy) return [registry];
  const out: string[] = [];
  let k = key;
  for (;;) {
    out.push(k);
    const i = k.lastIndexOf('/');
    if (i === -1) break;
    k = k.slice(0, i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Files

interface RawEntry {
  auth?: string;
  identitytoken?: string;
}
interface AuthDoc {
  /** the whole document, for rewriting without losing unknown fields */
  raw: Record<string, unknown>;
  auths: Record<string, RawEntry>;
  /** the "auths" entries as found (unknown per-entry fields kept); edits go here */
  rawAuths: Record<string, unknown>;
  credHelpers: Record<string, string>;
  exists: boolean;
}

function badFile(file: string, what: string): BerthError {
  return new BerthError('CONFIG', `${file}: ${what}`, { hint: 'fix or remove the file (podman login rewrites it)' });
}

/** A JSON syntax error without the input excerpt V8 puts into some messages. */
function jsonSyntax(file: string, text: string, e: unknown): BerthError {
  const m = /position (\d+)/.exec((e as Error).message);
  if (m) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    return badFile(file, `invalid JSON at line ${line}, column ${col}`);
  }
  if (/end of JSON input/.test((e as Error).message)) return badFile(file, 'invalid JSON: unexpected end of input');
  return badFile(file, 'invalid JSON');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkEntries(file: string, v: unknown, where: string): Record<string, RawEntry> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw badFile(file, `${where} must be a JSON object`);
  const out: Record<string, RawEntry> = {};
  for (const [k, e] of Object.entries(v)) {
    if (e === null) {
      out[k] = {};
      continue;
    }
    if (!isObject(e)) throw badFile(file, `${where} entry ${JSON.stringify(k)} must be a JSON object`);
    const entry: RawEntry = {};
    for (const f of ['auth', 'identitytoken'] as const) {
      const x = e[f];
      if (x === undefined || x === null) continue;
      if (typeof x !== 'string') throw badFile(file, `${where} entry ${JSON.stringify(k)}: "${f}" must be a string`);
      entry[f] = x;
    }
    out[k] = entry;
  }
  return out;
}

async function readAuthFile(p: AuthPath): Promise<AuthDoc> {
  let text: string;
  try {
    text = await fsp.readFile(p.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { raw: {}, auths: {}, rawAuths: {}, credHelpers: {}, exists: false };
    if (code === 'EISDIR') throw badFile(p.path, 'is a directory, expected a JSON file');
    throw new BerthError('IO', `reading ${p.path}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw jsonSyntax(p.path, text, e);
  }
  if (!isObject(doc)) throw badFile(p.path, 'expected a JSON object');
  if (p.legacy) return { raw: doc, auths: checkEntries(p.path, doc, 'the file'), rawAuths: { ...doc }, credHelpers: {}, exists: true };
  const auths = checkEntries(p.path, doc.auths, '"auths"');
  const rawAuths = isObject(doc.auths) ? { ...doc.auths } : {};
  const credHelpers: Record<string, string> = {};
  const ch = doc.credHelpers;
  if (ch !== undefined && ch !== null) {
    if (!isObject(ch)) throw badFile(p.path, '"credHelpers" must be a JSON object');
    for (const [k, v] of Object.entries(ch)) {
      if (typeof v !== 'string') throw badFile(p.path, `"credHelpers" entry ${JSON.stringify(k)} must be a string`);
      credHelpers[k] = v;
    }
  }
  return { raw: doc, auths, rawAuths, credHelpers, exists: true };
}

/** Decode one "auths" entry. undefined = an unusable entry (c/image skips it the same way). */
function decodeEntry(file: string, key: string, e: RawEntry): AuthEntry | undefined {
  const auth = e.auth ?? '';
  // berth: an entry carrying only an identity token is returned (c/image would ignore it).
  if (auth === '' && e.identitytoken) return { identityToken: e.identitytoken };
  if (auth.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) {
    throw badFile(file, `entry ${JSON.stringify(key)}: "auth" is not valid base64`);
  }
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined; // e.g. Docker's {} marker entries for credential helpers
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '');
  if (e.identitytoken) return { identityToken: e.identitytoken, username };
  return { username, password };
}

function fromHelper(c: { username: string; secret: string } | undefined): AuthEntry | undefined {
  if (!c) return undefined;
  if (c.username === '<token>') return { identityToken: c.secret };
  return { username: c.username, password: c.secret };
}

function helperOpts(opts: AuthOptions): HelperOptions {
  return { env: envOf(opts), timeoutMs: opts.helperTimeoutMs };
}

async function findInFile(key: string, registry: string, p: AuthPath, opts: AuthOptions): Promise<AuthEntry | undefined> {
  const doc = await readAuthFile(p);
  if (!doc.exists) return undefined;
  // credHelpers first, by host only (namespaced credentials are not supported in helpers).
  const ch = doc.credHelpers[registry];
  if (ch !== undefined) return fromHelper(await helperGet(ch, registry, helperOpts(opts)));
  for (const k of lookupOrder(key, registry, p.legacy)) {
    const e = doc.auths[k];
    if (e) return decodeEntry(p.path, k, e);
  }
  // URL-form keys ("https://index.docker.io/v1/", "http://host/v1/") and docker.io aliases.
  const norm = normalizeRegistry(registry);
  for (const [k, e] of Object.entries(doc.auths)) {
    if (normalizeFileKey(k, p.legacy) === norm) return decodeEntry(p.path, k, e);
  }
  return undefined;
}

function combine(errors: unknown[], what: string): BerthError {
  if (errors.length === 1 && errors[0] instanceof BerthError) return errors[0];
  const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
  const code = errors.every((e) => e instanceof BerthError && e.code === 'CONFIG') ? 'CONFIG' : 'UNAUTHORIZED';
  return new BerthError(code, `${what}: ${msgs.join('; ')}`, { cause: errors[0] });
}

function helpersOf(opts: AuthOptions): string[] {
  return opts.credentialHelpers && opts.credentialHelpers.length > 0 ? opts.credentialHelpers : [AUTH_FILE_HELPER];
}

/**
 * Lookup for a reference's registry/repository, most specific key first (reg/ns/repo → reg/ns
 * → reg), credHelpers (by host) before auths within each file, files in the order described at
 * the top of this module, helpers in `credentialHelpers` order. docker.io keys may appear as
 * "https://index.docker.io/v1/". An error from one source is reported only if no other source
 * has credentials.
 */
export async function getCredentials(registryOrRepo: string, opts: AuthOptions = {}): Promise<AuthEntry | undefined> {
  const key = registryOrRepo;
  validateKey(key);
  const registry = key.split('/')[0]!;
  const lay = layout(opts);
  if (lay.write instanceof BerthError && opts.warn) opts.warn(`${lay.write.message}; not reading the primary auth file`);
  const errors: unknown[] = [];
  for (const helper of helpersOf(opts)) {
    try {
      if (helper === AUTH_FILE_HELPER) {
        for (const p of lay.read) {
          const found = await findInFile(key, registry, p, opts);
          if (found) return found;
        }
      } else {
        const found = fromHelper(await helperGet(helper, registry, helperOpts(opts)));
        if (found) return found;
      }
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw combine(errors, `looking up credentials for ${key}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Writing

async function atomicWrite(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.tmp-${path.basename(file)}-${randomBytes(6).toString('hex')}`);
  const fh = await fsp.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.unlink(tmp).catch(() => {});
    throw e;
  }
  try {
    const dh = await fsp.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    /* best effort */
  }
}

type Editor = (doc: AuthDoc) => Promise<{ updated: boolean; description?: string }>;

/** Read the write target, apply editor, write back atomically (0600, dirs 0700) if it changed anything. */
async function editAuthFile(target: WriteTarget, editor: Editor): Promise<string> {
  try {
    await fsp.mkdir(path.dirname(target.path), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new BerthError('IO', `creating directory for ${target.path}: ${(e as Error).message}`, { cause: e });
  }
  const doc = await readAuthFile({ path: target.path, legacy: false });
  const { updated, description } = await editor(doc);
  if (updated) {
    const out: Record<string, unknown> = { ...doc.raw, auths: doc.rawAuths };
    if (Object.keys(doc.credHelpers).length > 0 || 'credHelpers' in doc.raw) out.credHelpers = doc.credHelpers;
    try {
      await atomicWrite(target.path, JSON.stringify(out, null, '\t') + '\n');
    } catch (e) {
      throw new BerthError('IO', `writing ${target.path}: ${(e as Error).message}`, { cause: e });
    }
  }
  return description ?? target.path;
}

function prepareEdit(
  key: string | undefined,
  opts: AuthOptions,
): { target: WriteTarget; helpers: string[]; key: string; namespaced: boolean } {
  let k = key === undefined ? '' : writeKey(key);
  const namespaced = key === undefined ? false : validateKey(k);
  const w = layout(opts).write;
  if (w instanceof BerthError) throw w;
  if (w.dockerCompat) {
    if (namespaced)
      throw new BerthError(
        'INVALID_ARGUMENT',
        `credentials cannot be recorded in Docker-compatible format ($DOCKER_CONFIG) with namespaced key ${k}`,
        { hint: 'log in to the registry host, or use --authfile' },
      );
    if (k === 'docker.io') k = DOCKER_HUB_LEGACY_KEY;
    // Docker does not know registries.conf credential helpers: only the file is used.
    return { target: w, helpers: [AUTH_FILE_HELPER], key: k, namespaced };
  }
  return { target: w, helpers: helpersOf(opts), key: k, namespaced };
}

function namespacedHelperError(helper: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `namespaced key is not supported for credential helper ${helper}`, {
    hint: 'log in to the registry host instead of a repository',
  });
}

/**
 * Store credentials for key ("host[:port]" or "host[:port]/ns[/repo]"), in the first of the
 * credential helpers that accepts them; for the files: a credHelpers entry for key wins,
 * else auths[key] in the primary file (atomic write, mode 0600, dirs 0700, other keys kept).
 * Returns the file written, or "credential helper: NAME".
 */
export async function setCredentials(key: string, creds: Credentials, opts: AuthOptions = {}): Promise<string> {
  const prep = prepareEdit(key, opts);
  const errors: unknown[] = [];
  for (const helper of prep.helpers) {
    try {
      if (helper === AUTH_FILE_HELPER) {
        return await editAuthFile(prep.target, async (doc) => {
          const ch = doc.credHelpers[prep.key];
          if (ch !== undefined) {
            if (prep.namespaced) throw namespacedHelperError(ch);
            await helperStore(ch, prep.key, { username: creds.username, secret: creds.password }, helperOpts(opts));
            return { updated: false, description: `credential helper: ${ch}` };
          }
          doc.rawAuths[prep.key] = { auth: Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64') };
          return { updated: true };
        });
      }
      if (prep.namespaced) throw namespacedHelperError(helper);
      await helperStore(helper, prep.key, { username: creds.username, secret: creds.password }, helperOpts(opts));
      return `credential helper: ${helper}`;
    } catch (e) {
      errors.push(e);
    }
  }
  throw combine(errors, `storing credentials for ${key}`);
}

/**
 * Remove the credentials stored for exactly this key, from the primary file and every helper.
 * Returns false when there were none (podman then says "not logged into KEY").
 */
export async function removeCredentials(key: string, opts: AuthOptions = {}): Promise<boolean> {
  const prep = prepareEdit(key, opts);
  let loggedIn = false;
  const errors: unknown[] = [];
  const eraseFrom = async (helper: string): Promise<void> => {
    if (prep.namespaced) return; // helpers never hold namespaced keys
    if (await helperErase(helper, prep.key, helperOpts(opts))) loggedIn = true;
  };
  for (const helper of prep.helpers) {
    try {
      if (helper === AUTH_FILE_HELPER) {
        await editAuthFile(prep.target, async (doc) => {
          let helperErr: unknown;
          const ch = doc.credHelpers[prep.key];
          if (ch !== undefined) {
            try {
              await eraseFrom(ch);
            } catch (e) {
              helperErr = e;
            }
          }
          let updated = false;
          if (Object.prototype.hasOwnProperty.call(doc.rawAuths, prep.key)) {
            delete doc.rawAuths[prep.key];
            loggedIn = true;
            updated = true;
          }
          if (helperErr) errors.push(helperErr);
          return { updated };
        });
      } else {
        await eraseFrom(helper);
      }
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw combine(errors, `removing credentials for ${key}`);
  return loggedIn;
}

function isMissingHelper(e: unknown): boolean {
  return e instanceof BerthError && e.code === 'CONFIG' && e.data?.missingHelper !== undefined;
}

/**
 * Remove all credentials: erase every credHelpers entry of the primary file from its helper, then
 * empty "auths" and "credHelpers" (c/image clears the credHelpers table too; in Docker-compatible
 * mode it is kept); for each external helper, erase everything it lists (a missing helper binary
 * is skipped).
 */
export async function removeAllCredentials(opts: AuthOptions = {}): Promise<void> {
  const prep = prepareEdit(undefined, opts);
  const errors: unknown[] = [];
  for (const helper of prep.helpers) {
    try {
      if (helper === AUTH_FILE_HELPER) {
        await editAuthFile(prep.target, async (doc) => {
          if (!doc.exists) return { updated: false };
          for (const [registry, h] of Object.entries(doc.credHelpers)) {
            await helperErase(h, registry, helperOpts(opts));
          }
          doc.rawAuths = {};
          if (!prep.target.dockerCompat) doc.credHelpers = {};
          return { updated: true };
        });
      } else {
        let listed: Record<string, string>;
        try {
          listed = await helperList(helper, helperOpts(opts));
        } catch (e) {
          if (isMissingHelper(e)) continue;
          throw e;
        }
        for (const server of Object.keys(listed)) await helperErase(helper, server, helperOpts(opts));
      }
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw combine(errors, 'removing all credentials');
}

/**
 * Every key that may have credentials: credHelpers and auths keys of every file read (URL
 * forms reduced to the host, Docker Hub spellings to "docker.io"), and the servers external
 * helpers list (a missing helper binary is skipped).
 */
export async function listAuthKeys(opts: AuthOptions = {}): Promise<string[]> {
  const keys = new Set<string>();
  const hub = normalizeRegistry('docker.io');
  const add = (k: string, legacy: boolean): void => {
    const n = /^https?:\/\//.test(k) || legacy ? normalizeFileKey(k, legacy) : k;
    keys.add(n === hub || normalizeRegistry(n) === hub ? 'docker.io' : n);
  };
  for (const helper of helpersOf(opts)) {
    if (helper === AUTH_FILE_HELPER) {
      for (const p of layout(opts).read) {
        const doc = await readAuthFile(p);
        for (const k of Object.keys(doc.credHelpers)) keys.add(k);
        for (const k of Object.keys(doc.auths)) add(k, p.legacy);
      }
    } else {
      let listed: Record<string, string>;
      try {
        listed = await helperList(helper, helperOpts(opts));
      } catch (e) {
        if (isMissingHelper(e)) continue;
        throw e;
      }
      for (const k of Object.keys(listed)) add(k, false);
    }
  }
  return [...keys];
}
