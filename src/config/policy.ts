/**
 * Signature policy (containers-policy.json(5)): strict parsing, and which requirements apply
 * to an image (the most specific scope). Semantics follow containers/image
 * `signature/policy_config.go`, `policy_config_sigstore.go`, `policy_eval.go` and the
 * transports' policy scopes (read there; code is berth's own). trust/evaluate.ts evaluates the
 * requirements, verifying signatures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthError } from '../errors.js';
import { parseStrictJSON } from '../media/strict-json.js';
import { isDigest } from '../digest/digest.js';
import { isValidDomain, isValidRepositoryPath, parseNormalizedReference } from '../reference/reference.js';

export type PolicyReferenceMatch =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

export type SignedByKeyType = 'GPGKeys' | 'signedByGPGKeys' | 'X509Certificates' | 'signedByX509CAs';

export interface SigstoreFulcio {
  caPath?: string;
  caData?: string;
  oidcIssuer: string;
  subjectEmail: string;
}
export interface SigstorePKI {
  caRootsPath?: string;
  caRootsData?: string;
  caIntermediatesPath?: string;
  caIntermediatesData?: string;
  subjectEmail?: string;
  subjectHostname?: string;
}

export type PolicyRequirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | {
      type: 'signedBy';
      keyType: SignedByKeyType;
      keyPath?: string;
      keyPaths?: string[];
      keyData?: string /* base64 */;
      signedIdentity: PolicyReferenceMatch;
    }
  | {
      type: 'sigstoreSigned';
      keyPath?: string;
      keyPaths?: string[];
      keyData?: string;
      keyDatas?: string[];
      fulcio?: SigstoreFulcio;
      pki?: SigstorePKI;
      rekorPublicKeyPath?: string;
      rekorPublicKeyPaths?: string[];
      rekorPublicKeyData?: string;
      rekorPublicKeyDatas?: string[];
      signedIdentity: PolicyReferenceMatch;
    }
  | { type: 'signedBaseLayer'; baseLayerIdentity: PolicyReferenceMatch };

export interface Policy {
  default: PolicyRequirement[];
  /** transport name -> scope -> requirements ("" is the transport-wide default scope) */
  transports: Record<string, Record<string, PolicyRequirement[]>>;
  /** the file it was read from */
  path?: string;
}

export interface PolicyOptions {
  path?: string;
  home?: string;
  systemDir?: string;
}

// ---------------------------------------------------------------------------------------
// Strict structural checking

class Checker {
  constructor(readonly file: string) {}

  /** podman's words ("invalid policy in FILE: WHAT"); where in the file goes to the hint. */
  fail(where: string, what: string, hint?: string): never {
    const h = [where ? `at ${where}` : '', hint ?? ''].filter((x) => x !== '').join('; ');
    throw new BerthError('CONFIG', `invalid policy in ${JSON.stringify(this.file)}: ${what}`, { hint: h || undefined, subject: this.file });
  }

  object(v: unknown, where: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'expected a JSON object');
    return v as Record<string, unknown>;
  }

  /** Unknown keys reject the file (c/image ParanoidUnmarshalJSONObject); `exact` keys must all be present. */
  keys(o: Record<string, unknown>, where: string, allowed: string[], exact = false): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k)) this.fail(where, `Unknown key ${JSON.stringify(k)}`, `allowed here: ${allowed.join(', ')}`);
    if (exact) for (const k of allowed) if (!(k in o)) this.fail(where, `${k} not specified`);
  }

  string(v: unknown, where: string): string {
    if (typeof v !== 'string') this.fail(where, 'expected a string');
    return v as string;
  }

  nonEmptyString(v: unknown, where: string): string {
    const s = this.string(v, where);
    if (s === '') this.fail(where, 'must not be empty');
    return s;
  }

  base64(v: unknown, where: string): string {
    const s = this.string(v, where);
    if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) this.fail(where, 'expected base64-encoded data');
    return s;
  }

  stringList(v: unknown, where: string, item: (x: unknown, w: string) => string): string[] {
    if (!Array.isArray(v)) this.fail(where, 'expected an array');
    const arr = v as unknown[];
    if (arr.length === 0) this.fail(where, 'contains no entries');
    return arr.map((x, i) => item.call(this, x, `${where}[${i}]`));
  }
}

const KEY_TYPES: SignedByKeyType[] = ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'];

function parseReferenceMatch(c: Checker, v: unknown, where: string): PolicyReferenceMatch {
  const o = c.object(v, where);
  const type = c.string(o.type, `${where}.type`);
  switch (type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      c.keys(o, where, ['type'], true);
      return { type };
    case 'exactReference': {
      c.keys(o, where, ['type', 'dockerReference'], true);
      const ref = c.string(o.dockerReference, `${where}.dockerReference`);
      let parsed;
      try {
        parsed = parseNormalizedReference(ref);
      } catch (e) {
        c.fail(`${where}.dockerReference`, `invalid reference ${JSON.stringify(ref)}: ${(e as Error).message}`);
      }
      if (parsed.tag === undefined && parsed.digest === undefined)
        c.fail(`${where}.dockerReference`, `${JSON.stringify(ref)} contains neither a tag nor a digest`);
      return { type, dockerReference: ref };
    }
    case 'exactRepository': {
      c.keys(o, where, ['type', 'dockerRepository'], true);
      const repo = c.string(o.dockerRepository, `${where}.dockerRepository`);
      try {
        parseNormalizedReference(repo);
      } catch (e) {
        c.fail(`${where}.dockerRepository`, `invalid repository ${JSON.stringify(repo)}: ${(e as Error).message}`);
      }
      return { type, dockerRepository: repo };
    }
    case 'remapIdentity': {
      c.keys(o, where, ['type', 'prefix', 'signedPrefix'], true);
      const prefix = c.string(o.prefix, `${where}.prefix`);
      const signedPrefix = c.string(o.signedPrefix, `${where}.signedPrefix`);
      for (const [k, s] of [
        ['prefix', prefix],
        ['signedPrefix', signedPrefix],
      ] as const) {
        if (!validRemapPrefix(s))
          c.fail(
            `${where}.${k}`,
            `${JSON.stringify(s)} is not valid`,
            'use host[:port] or host[:port]/namespace[/repo], without tag or digest',
          );
      }
      return { type, prefix, signedPrefix };
    }
    default:
      return c.fail(`${where}.type`, `Unknown policy reference match type ${JSON.stringify(type)}`);
  }
}

/** host[:port], or host[:port]/path (c/image validateIdentityRemappingPrefix). */
function validRemapPrefix(s: string): boolean {
  if (isValidDomain(s)) return true;
  const slash = s.indexOf('/');
  return slash > 0 && isValidDomain(s.slice(0, slash)) && isValidRepositoryPath(s.slice(slash + 1));
}

function parseSignedIdentity(c: Checker, o: Record<string, unknown>, where: string): PolicyReferenceMatch {
  return o.signedIdentity === undefined
    ? { type: 'matchRepoDigestOrExact' }
    : parseReferenceMatch(c, o.signedIdentity, `${where}.signedIdentity`);
}

function parseRequirement(c: Checker, v: unknown, where: string): PolicyRequirement {
  const o = c.object(v, where);
  if (!('type' in o)) c.fail(where, 'Unknown policy requirement type ""');
  const type = c.string(o.type, `${where}.type`);
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      c.keys(o, where, ['type'], true);
      return { type };
    case 'signedBy': {
      c.keys(o, where, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity']);
      const keyType = o.keyType === undefined ? '' : c.string(o.keyType, `${where}.keyType`);
      if (!KEY_TYPES.includes(keyType as SignedByKeyType))
        c.fail(`${where}.keyType`, `invalid keyType ${JSON.stringify(keyType)}`, `use one of ${KEY_TYPES.join(', ')}`);
      const signedIdentity = parseSignedIdentity(c, o, where);
      const sources = ['keyPath', 'keyPaths', 'keyData'].filter((k) => k in o);
      if (sources.length !== 1)
        c.fail(
          where,
          `Exactly one of keyPath, keyPaths and keyData must be specified, ${sources.length === 0 ? 'none of them' : 'more than one'} present`,
        );
      const r: PolicyRequirement = { type, keyType: keyType as SignedByKeyType, signedIdentity };
      if ('keyPath' in o) r.keyPath = c.nonEmptyString(o.keyPath, `${where}.keyPath`);
      if ('keyPaths' in o) r.keyPaths = c.stringList(o.keyPaths, `${where}.keyPaths`, c.nonEmptyString);
      if ('keyData' in o) r.keyData = c.base64(o.keyData, `${where}.keyData`);
      return r;
    }
    case 'sigstoreSigned':
      return parseSigstore(c, o, where);
    case 'signedBaseLayer':
      c.keys(o, where, ['type', 'baseLayerIdentity'], true);
      return { type, baseLayerIdentity: parseReferenceMatch(c, o.baseLayerIdentity, `${where}.baseLayerIdentity`) };
    default:
      return c.fail(
        `${where}.type`,
        `Unknown policy requirement type ${JSON.stringify(type)}`,
        'use insecureAcceptAnything, reject, signedBy, sigstoreSigned or signedBaseLayer',
      );
  }
}

function parseSigstore(c: Checker, o: Record<string, unknown>, where: string): PolicyRequirement {
  c.keys(o, where, [
    'type',
    'keyPath',
    'keyPaths',
    'keyData',
    'keyDatas',
    'fulcio',
    'pki',
    'rekorPublicKeyPath',
    'rekorPublicKeyPaths',
    'rekorPublicKeyData',
    'rekorPublicKeyDatas',
    'signedIdentity',
  ]);
  const r: Extract<PolicyRequirement, { type: 'sigstoreSigned' }> = {
    type: 'sigstoreSigned',
    signedIdentity: parseSignedIdentity(c, o, where),
  };
  if ('keyPath' in o) r.keyPath = c.nonEmptyString(o.keyPath, `${where}.keyPath`);
  if ('keyPaths' in o) r.keyPaths = c.stringList(o.keyPaths, `${where}.keyPaths`, c.nonEmptyString);
  if ('keyData' in o) r.keyData = c.base64(o.keyData, `${where}.keyData`);
  if ('keyDatas' in o) r.keyDatas = c.stringList(o.keyDatas, `${where}.keyDatas`, c.base64);
  if ('fulcio' in o) {
    const w = `${where}.fulcio`;
    const f = c.object(o.fulcio, w);
    c.keys(f, w, ['caPath', 'caData', 'oidcIssuer', 'subjectEmail']);
    if ('caPath' in f && 'caData' in f) c.fail(w, 'caPath and caData cannot be used simultaneously');
    if (!('caPath' in f) && !('caData' in f)) c.fail(w, 'one of caPath and caData must be specified');
    if (!('oidcIssuer' in f)) c.fail(w, 'oidcIssuer not specified');
    if (!('subjectEmail' in f)) c.fail(w, 'subjectEmail not specified');
    r.fulcio = {
      oidcIssuer: c.nonEmptyString(f.oidcIssuer, `${w}.oidcIssuer`),
      subjectEmail: c.nonEmptyString(f.subjectEmail, `${w}.subjectEmail`),
    };
    if ('caPath' in f) r.fulcio.caPath = c.nonEmptyString(f.caPath, `${w}.caPath`);
    if ('caData' in f) r.fulcio.caData = c.base64(f.caData, `${w}.caData`);
  }
  if ('pki' in o) {
    const w = `${where}.pki`;
    const p = c.object(o.pki, w);
    c.keys(p, w, ['caRootsPath', 'caRootsData', 'caIntermediatesPath', 'caIntermediatesData', 'subjectEmail', 'subjectHostname']);
    if ('caRootsPath' in p && 'caRootsData' in p) c.fail(w, 'caRootsPath and caRootsData cannot be used simultaneously');
    if (!('caRootsPath' in p) && !('caRootsData' in p)) c.fail(w, 'one of caRootsPath and caRootsData must be specified');
    if ('caIntermediatesPath' in p && 'caIntermediatesData' in p)
      c.fail(w, 'caIntermediatesPath and caIntermediatesData cannot be used simultaneously');
    if (!('subjectEmail' in p) && !('subjectHostname' in p))
      c.fail(w, 'at least one of subjectEmail and subjectHostname must be specified');
    const pki: SigstorePKI = {};
    if ('caRootsPath' in p) pki.caRootsPath = c.nonEmptyString(p.caRootsPath, `${w}.caRootsPath`);
    if ('caRootsData' in p) pki.caRootsData = c.base64(p.caRootsData, `${w}.caRootsData`);
    if ('caIntermediatesPath' in p) pki.caIntermediatesPath = c.nonEmptyString(p.caIntermediatesPath, `${w}.caIntermediatesPath`);
    if ('caIntermediatesData' in p) pki.caIntermediatesData = c.base64(p.caIntermediatesData, `${w}.caIntermediatesData`);
    if ('subjectEmail' in p) pki.subjectEmail = c.nonEmptyString(p.subjectEmail, `${w}.subjectEmail`);
    if ('subjectHostname' in p) pki.subjectHostname = c.nonEmptyString(p.subjectHostname, `${w}.subjectHostname`);
    r.pki = pki;
  }
  if ('rekorPublicKeyPath' in o) r.rekorPublicKeyPath = c.nonEmptyString(o.rekorPublicKeyPath, `${where}.rekorPublicKeyPath`);
  if ('rekorPublicKeyPaths' in o)
    r.rekorPublicKeyPaths = c.stringList(o.rekorPublicKeyPaths, `${where}.rekorPublicKeyPaths`, c.nonEmptyString);
  if ('rekorPublicKeyData' in o) r.rekorPublicKeyData = c.base64(o.rekorPublicKeyData, `${where}.rekorPublicKeyData`);
  if ('rekorPublicKeyDatas' in o) r.rekorPublicKeyDatas = c.stringList(o.rekorPublicKeyDatas, `${where}.rekorPublicKeyDatas`, c.base64);

  const keySources = ['keyPath', 'keyPaths', 'keyData', 'keyDatas', 'fulcio', 'pki'].filter((k) => k in o);
  if (keySources.length !== 1)
    c.fail(
      where,
      `exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki must be specified, ${keySources.length === 0 ? 'none' : keySources.join(' and ')} present`,
    );
  const rekor = ['rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas'].filter((k) => k in o);
  if (rekor.length > 1)
    c.fail(
      where,
      `at most one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas can be used, ${rekor.join(' and ')} present`,
    );
  if (r.fulcio && rekor.length === 0)
    c.fail(where, 'fulcio requires one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas');
  if (r.pki && rekor.length > 0) c.fail(where, 'rekorPublicKey* is not supported with pki');
  return r;
}

function parseRequirements(c: Checker, v: unknown, where: string): PolicyRequirement[] {
  if (!Array.isArray(v)) c.fail(where, 'expected an array of requirements');
  const arr = v as unknown[];
  if (arr.length === 0)
    c.fail(
      where,
      'List of verification policy requirements must not be empty',
      'use [{"type":"reject"}] or [{"type":"insecureAcceptAnything"}]',
    );
  return arr.map((x, i) => parseRequirement(c, x, `${where}[${i}]`));
}

/** Why `scope` is not valid for `transport` (c/image ValidatePolicyConfigurationScope), or undefined. */
export function invalidScopeReason(transport: string, scope: string): string | undefined {
  if (scope === '') return undefined;
  const absPath = (): string | undefined => {
    if (!scope.startsWith('/')) return 'must be an absolute path';
    if (scope === '/') return 'use the generic default scope "" instead of "/"';
    const clean = path.posix.normalize(scope).replace(/(.)\/+$/, '$1');
    if (clean !== scope) return `uses a non-canonical path format, perhaps try ${clean}`;
    return undefined;
  };
  switch (transport) {
    case 'dir':
    case 'oci':
    case 'oci-archive':
    case 'sif':
      return absPath();
    case 'docker-archive':
    case 'tarball':
      return `${transport}: does not support any scopes except the default ""`;
    case 'docker-daemon':
      return isDigest(scope) ? 'cannot use an algo:digest value as a namespace' : undefined;
    case 'containers-storage': {
      if (!scope.startsWith('[')) return 'must start with [driver@graphroot] or [graphroot]';
      const close = scope.indexOf(']');
      if (close < 1) return 'must start with [driver@graphroot] or [graphroot]';
      const spec = scope.slice(1, close);
      const at = spec.indexOf('@');
      const root = at >= 0 ? spec.slice(at + 1) : spec;
      if ((at >= 0 && (at === 0 || root === '')) || root === '') return 'must start with [driver@graphroot] or [graphroot]';
      if (!root.startsWith('/')) return 'the graph root must be an absolute path';
      return undefined;
    }
    default:
      return undefined; // docker and unknown transports: anything goes (c/image does the same)
  }
}

/** Parse policy.json text strictly: duplicate or unknown keys, empty requirement lists etc. reject the file. */
export function parsePolicy(text: string, file = 'policy.json'): Policy {
  let doc: unknown;
  try {
    doc = parseStrictJSON(text, file);
  } catch (e) {
    const dup = /has duplicate key (".*")$/.exec((e as Error).message);
    const what = dup ? `Duplicate key ${dup[1]}` : (e as Error).message.replace(/^.* is not valid JSON: /, '');
    throw new BerthError('CONFIG', `invalid policy in ${JSON.stringify(file)}: ${what}`, {
      cause: e,
      subject: file,
      hint: 'policy.json is parsed strictly: fix or remove the offending entry',
    });
  }
  const c = new Checker(file);
  const top = c.object(doc, '');
  c.keys(top, '', ['default', 'transports']);
  if (top.default === undefined || top.default === null)
    c.fail('', 'Default policy is missing', 'add "default": [{"type": "reject"}] (or insecureAcceptAnything)');
  const policy: Policy = { default: parseRequirements(c, top.default, 'default'), transports: {}, path: file };
  if (top.transports !== undefined) {
    const ts = c.object(top.transports, 'transports');
    for (const [t, scopesRaw] of Object.entries(ts)) {
      const w = `transports.${t}`;
      const scopes = c.object(scopesRaw, w);
      const out: Record<string, PolicyRequirement[]> = {};
      for (const [scope, reqs] of Object.entries(scopes)) {
        const why = invalidScopeReason(t, scope);
        if (why) c.fail(w, `invalid scope ${JSON.stringify(scope)}: ${why}`);
        out[scope] = parseRequirements(c, reqs, `${w}[${JSON.stringify(scope)}]`);
      }
      policy.transports[t] = out;
    }
  }
  return policy;
}

// ---------------------------------------------------------------------------------------
// Loading

/** The policy.json files looked for, in order: the user's, then the system's. */
export function defaultPolicyPaths(opts: PolicyOptions = {}): [user: string, system: string] {
  const home = opts.home ?? (process.env.HOME || os.homedir());
  return [path.join(home, '.config/containers/policy.json'), path.join(opts.systemDir ?? '/etc/containers', 'policy.json')];
}

/** The first of defaultPolicyPaths that exists, if any. */
export function existingPolicyPath(opts: PolicyOptions = {}): string | undefined {
  return defaultPolicyPaths(opts).find((p) => {
    try {
      fs.statSync(p);
      return true;
    } catch {
      return false;
    }
  });
}

/** The policy.json in effect: `path`, else the user's file if it exists, else the system's (which may not exist). */
export function policyFilePath(opts: PolicyOptions = {}): string {
  return opts.path || existingPolicyPath(opts) || defaultPolicyPaths(opts)[1];
}

/**
 * Load policy.json: `path` if given (must exist), else ~/.config/containers/policy.json if it
 * exists, else <systemDir>/policy.json — which must exist: as containers/image, no policy file
 * at all is an error (`open /etc/containers/policy.json: no such file or directory`), never an
 * implicit "accept everything".
 */
export function loadPolicy(opts: PolicyOptions = {}): Policy {
  const file = policyFilePath(opts);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // podman's (Go's) words
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `open ${file}: no such file or directory`
        : code === 'EISDIR'
          ? `read ${file}: is a directory`
          : code === 'EACCES'
            ? `open ${file}: permission denied`
            : `${file}: ${(e as Error).message}`;
    throw new BerthError('CONFIG', why, { cause: e, subject: file });
  }
  return parsePolicy(text, file);
}

// ---------------------------------------------------------------------------------------
// Evaluation

function parentDirs(p: string, includeSelf: boolean): string[] {
  const out: string[] = [];
  let cur = p;
  if (includeSelf && cur !== '/' && cur.includes('/')) out.push(cur);
  for (;;) {
    const i = cur.lastIndexOf('/');
    if (i <= 0) break;
    cur = cur.slice(0, i);
    out.push(cur);
  }
  return out;
}

/** "host/ns/repo" → [host/ns/repo, host/ns, host, *.parent-domain …] (c/image DockerReferenceNamespaces). */
export function dockerNamespaces(name: string): string[] {
  const out: string[] = [];
  let cur = name;
  for (;;) {
    out.push(cur);
    const i = cur.lastIndexOf('/');
    if (i === -1) break;
    cur = cur.slice(0, i);
  }
  let host = cur;
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  for (;;) {
    const dot = host.indexOf('.');
    if (dot === -1) break;
    host = host.slice(dot + 1);
    out.push(`*.${host}`);
  }
  return out;
}

/** Strip ":tag" and "@digest" from "name[:tag][@digest]". */
function dockerName(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

function storageNamespaces(scope: string): string[] {
  const close = scope.indexOf(']');
  if (!scope.startsWith('[') || close < 1) return [];
  const storeSpec = scope.slice(0, close + 1);
  const spec = scope.slice(1, close);
  const driverless = `[${spec.includes('@') ? spec.slice(spec.indexOf('@') + 1) : spec}]`;
  let rest = scope.slice(close + 1);
  const out: string[] = [];
  if (rest !== '') {
    const lastAt = rest.lastIndexOf('@');
    let hasId = false;
    if (lastAt >= 0 && /^[a-f0-9]{64}$/.test(rest.slice(lastAt + 1))) {
      hasId = true;
      rest = rest.slice(0, lastAt);
    }
    if (rest !== '') {
      if (hasId) out.push(storeSpec + rest);
      const { name, tag, digest } = dockerName(rest);
      if (tag !== undefined && digest !== undefined) out.push(`${storeSpec}${name}:${tag}`);
      const comps = name.split('/');
      while (comps.length > 0) {
        out.push(storeSpec + comps.join('/'));
        comps.pop();
      }
    }
  }
  out.push(storeSpec);
  if (driverless !== storeSpec) out.push(driverless);
  return out;
}

/**
 * The requirements that apply to an image, and the scope they came from ('' = transport default,
 * undefined = the global default). Most specific wins: the identity, then its namespaces, then
 * the transport's "" scope, then `default`.
 *
 * `scope` is the image's policy identity: for docker/docker-daemon a fully expanded
 * "host[:port]/ns/repo:tag" or "…@digest"; for dir/oci/oci-archive/sif the absolute, resolved
 * path (for oci without the ":image" part); for containers-storage "[driver@root]name:tag[@id]";
 * ignored for docker-archive and tarball.
 */
export function policyRequirementsFor(
  policy: Policy,
  transport: string,
  scope: string,
): { scope?: string; requirements: PolicyRequirement[] } {
  const scopes = policy.transports[transport];
  if (scopes) {
    let identity = scope;
    let namespaces: string[] = [];
    switch (transport) {
      case 'docker':
      case 'docker-daemon':
        if (identity !== '') namespaces = dockerNamespaces(dockerName(identity).name);
        break;
      case 'dir':
      case 'sif':
        namespaces = parentDirs(identity, false);
        break;
      case 'oci':
      case 'oci-archive':
        namespaces = parentDirs(identity, true);
        break;
      case 'containers-storage':
        namespaces = storageNamespaces(identity);
        break;
      case 'docker-archive':
      case 'tarball':
        identity = '';
        break;
      default:
        break;
    }
    for (const s of identity === '' ? [] : [identity, ...namespaces]) {
      const r = Object.prototype.hasOwnProperty.call(scopes, s) ? scopes[s] : undefined;
      if (r) return { scope: s, requirements: r };
    }
    if (Object.prototype.hasOwnProperty.call(scopes, '')) return { scope: '', requirements: scopes['']! };
  }
  return { requirements: policy.default };
}
