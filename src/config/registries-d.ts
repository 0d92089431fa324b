/**
 * registries.d (containers-registries.d(5)): where simple signatures of docker images live
 * ("lookaside" storage) and whether sigstore attachments are used. Every *.yaml file of the
 * directory is read and merged; a namespace (or default-docker) defined in two files is an
 * error, as in containers/image docker/registries_d.go (read there; code is berth's own).
 * The directory: the one given (skopeo's --registries.d), else
 * $HOME/.config/containers/registries.d when it exists, else /etc/containers/registries.d.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError } from '../errors.js';
import { type Reference, formatReference } from '../reference/reference.js';
import { dockerNamespaces } from './policy.js';
import { parseBlockYaml, type YamlValue } from './registries-d-sigstore.js';

/** Signature locations of one namespace (or default-docker). */
export interface RegistryNamespace {
  /** For reading, and for writing when there is no staging location. */
  lookaside?: string;
  /** For writing only. */
  lookasideStaging?: string;
  /** Older spelling of `lookaside`. */
  sigstore?: string;
  /** Older spelling of `lookaside-staging`. */
  sigstoreStaging?: string;
  useSigstoreAttachments?: boolean;
}

export interface RegistriesD {
  /** The directory the configuration was read from. */
  dir: string;
  defaultDocker?: RegistryNamespace;
  /** Keyed by a docker reference, repository or namespace ("host[:port][/path][:tag|@digest]"). */
  docker: Map<string, RegistryNamespace>;
}

export const SYSTEM_REGISTRIES_D = '/etc/containers/registries.d';

export interface RegistriesDOptions {
  /** Use this directory (--registries.d); undefined: the usual lookup. */
  dir?: string;
  /** Home directory for the per-user directory (default: os.homedir()). */
  home?: string;
}

/** Which registries.d directory applies. */
export function registriesDirPath(o: RegistriesDOptions = {}): string {
  if (o.dir) return o.dir;
  const user = path.join(o.home ?? os.homedir(), '.config/containers/registries.d');
  return fs.existsSync(user) ? user : SYSTEM_REGISTRIES_D;
}

function configError(file: string, reason: string): BerthError {
  return new BerthError('CONFIG', `${file}: ${reason}`, { subject: file, data: { reason } });
}

const NS_KEYS: Record<string, 'lookaside' | 'lookasideStaging' | 'sigstore' | 'sigstoreStaging'> = {
  lookaside: 'lookaside',
  'lookaside-staging': 'lookasideStaging',
  sigstore: 'sigstore',
  'sigstore-staging': 'sigstoreStaging',
};

function parseNamespace(v: YamlValue | undefined, file: string, where: string): RegistryNamespace {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') throw configError(file, `${where} is not a mapping`);
  const ns: RegistryNamespace = {};
  for (const [k, val] of v) {
    if (k === 'use-sigstore-attachments') {
      if (val === null) continue;
      if (typeof val !== 'string') throw configError(file, `${where}.use-sigstore-attachments: expected true or false`);
      const b = val.toLowerCase();
      if (b === 'true' || b === 'yes' || b === 'on') ns.useSigstoreAttachments = true;
      else if (b === 'false' || b === 'no' || b === 'off') ns.useSigstoreAttachments = false;
      else throw configError(file, `${where}.use-sigstore-attachments: expected true or false, got ${JSON.stringify(val)}`);
      continue;
    }
    const field = NS_KEYS[k];
    if (field === undefined || val === null) continue; // unknown keys are ignored, as containers/image does
    if (typeof val !== 'string') throw configError(file, `${where}.${k} is not a string`);
    ns[field] = val;
  }
  return ns;
}

/**
 * Read and merge every *.yaml file of the registries.d directory (none, or no directory: an
 * empty configuration).
 */
export function loadRegistriesD(o: RegistriesDOptions = {}): RegistriesD {
  const dir = registriesDirPath(o);
  const merged: RegistriesD = { dir, docker: new Map() };
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return merged;
    throw new BerthError('CONFIG', `reading ${dir}: ${(e as Error).message}`, { subject: dir });
  }
  let defaultFrom = '';
  const nsFrom = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith('.yaml')).sort()) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') continue; // removed since the listing, or not a file
      throw new BerthError('CONFIG', `reading ${file}: ${(e as Error).message}`, { subject: file });
    }
    const doc = parseBlockYaml(text, file);
    const dd = doc.get('default-docker');
    if (dd !== undefined) {
      if (merged.defaultDocker)
        throw new BerthError(
          'CONFIG',
          `Error parsing signature storage configuration: "default-docker" defined both in ${JSON.stringify(defaultFrom)} and ${JSON.stringify(file)}`,
        );
      merged.defaultDocker = parseNamespace(dd, file, 'default-docker');
      defaultFrom = file;
    }
    const docker = doc.get('docker');
    if (docker === undefined || docker === null) continue;
    if (typeof docker === 'string') throw configError(file, 'docker is not a mapping');
    for (const [k, v] of docker) {
      if (merged.docker.has(k))
        throw new BerthError(
          'CONFIG',
          `Error parsing signature storage configuration: "docker" namespace ${JSON.stringify(k)} defined both in ${JSON.stringify(nsFrom.get(k))} and ${JSON.stringify(file)}`,
        );
      merged.docker.set(k, parseNamespace(v, file, `docker.${k}`));
      nsFrom.set(k, file);
    }
  }
  return merged;
}

function topLevel(ns: RegistryNamespace, write: boolean): string | undefined {
  if (write) {
    if (ns.lookasideStaging) return ns.lookasideStaging;
    if (ns.sigstoreStaging) return ns.sigstoreStaging;
  }
  return ns.lookaside || ns.sigstore || undefined;
}

/** The namespaces that apply to a docker identity ("host/repo:tag"), most specific first, then default-docker. */
function namespacesOf(conf: RegistriesD, identity: string): RegistryNamespace[] {
  const name = identity.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  const out: RegistryNamespace[] = [];
  for (const key of [identity, ...dockerNamespaces(name)]) {
    const ns = conf.docker.get(key);
    if (ns) out.push(ns);
  }
  if (conf.defaultDocker) out.push(conf.defaultDocker);
  return out;
}

/** The built-in lookaside when nothing is configured (containers/image's default). */
export function defaultLookasideDir(home: string = os.homedir(), euid: number = process.geteuid?.() ?? 0): string {
  return euid === 0 ? '/var/lib/containers/sigstore' : path.join(home, '.local/share/containers/sigstore');
}

/**
 * The lookaside base URL of `ref`'s repository, for writing when `write`: the configured
 * top level (or the built-in default directory) with the repository path appended.
 */
export function lookasideBaseURL(conf: RegistriesD, ref: Reference, write: boolean, home?: string): URL {
  let top: string | undefined;
  for (const ns of namespacesOf(conf, formatReference(ref))) {
    top = topLevel(ns, write);
    if (top) break;
  }
  let u: URL;
  if (top === undefined) {
    u = new URL('file://');
    u.pathname = defaultLookasideDir(home);
  } else {
    try {
      u = new URL(top);
    } catch {
      throw new BerthError('CONFIG', `Invalid signature storage URL ${top}`, { subject: conf.dir });
    }
  }
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${ref.path}`;
  return u;
}

/** Whether sigstore attachments are read and written for a docker identity ("host/repo:tag"; use-sigstore-attachments). */
export function usesSigstoreAttachments(conf: RegistriesD, identity: string): boolean {
  for (const ns of namespacesOf(conf, identity)) if (ns.useSigstoreAttachments !== undefined) return ns.useSigstoreAttachments;
  return false;
}
