/**
 * Credentials as Docker clients send them: `X-Registry-Auth` (base64url of one AuthConfig JSON
 * object) on pull and push, `X-Registry-Config` (base64url of {"registry": AuthConfig, ...}) on
 * build, and the /auth request body (plain AuthConfig JSON). Nothing here is ever logged or
 * put into a message: callers get the values, never the text they came in.
 */

/** Docker's AuthConfig (field names as on the wire; Go matches them case-insensitively). */
export interface DockerAuthConfig {
  username?: string;
  password?: string;
  /** base64("user:password"), as a Docker config.json stores it. */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** An OAuth refresh token from an earlier login (used instead of a password). */
  identitytoken?: string;
  /** A bearer token for the registry itself. */
  registrytoken?: string;
}

const FIELDS = ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken'] as const;

/** The AuthConfig of a JSON value; undefined when it is not an object. Unknown keys are ignored, as dockerd does. */
export function authConfigOf(value: unknown): DockerAuthConfig | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: DockerAuthConfig = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const f = FIELDS.find((x) => x === k.toLowerCase());
    if (f && typeof v === 'string') out[f] = v;
  }
  return out;
}

/** base64url (RFC 4648 §5) or, as some clients send, standard base64; padding optional. */
function decodeBase64(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9\-_+/]*={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

/**
 * X-Registry-Auth. Absent, empty or "{}" means no credentials (undefined); a header that does
 * not decode is ignored as dockerd ignores it for pull and push ("null" with `invalid`).
 */
export function decodeRegistryAuth(header: string | undefined): { config?: DockerAuthConfig; invalid?: string } {
  if (header === undefined || header.trim() === '') return {};
  const raw = decodeBase64(header);
  if (!raw) return { invalid: 'invalid X-Registry-Auth header: must be a valid base64url-encoded string' };
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    return { invalid: 'invalid X-Registry-Auth header: invalid JSON' };
  }
  const config = authConfigOf(doc);
  if (!config) return { invalid: 'invalid X-Registry-Auth header: invalid JSON' };
  return hasCredentials(config) || config.serveraddress ? { config } : {};
}

/** X-Registry-Config: one AuthConfig per registry; entries that are not objects are left out. */
export function decodeRegistryConfig(header: string | undefined): Map<string, DockerAuthConfig> {
  const out = new Map<string, DockerAuthConfig>();
  if (header === undefined || header.trim() === '') return out;
  const raw = decodeBase64(header);
  if (!raw) return out;
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    return out;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return out;
  for (const [registry, v] of Object.entries(doc as Record<string, unknown>)) {
    const c = authConfigOf(v);
    if (c) out.set(registry, c);
  }
  return out;
}

export type Credentials = { username: string; password: string } | { identityToken: string };

/**
 * The credentials an AuthConfig carries: an identity token first (Docker uses it instead of the
 * password), then username/password, then the `auth` pair. A registry token alone is not
 * usable by berth and gives none.
 */
export function credentialsOf(c: DockerAuthConfig | undefined): Credentials | undefined {
  if (!c) return undefined;
  if (c.identitytoken) return { identityToken: c.identitytoken };
  if (c.username) return { username: c.username, password: c.password ?? '' };
  if (c.auth) {
    const pair = decodeBase64(c.auth)?.toString('utf8') ?? '';
    const i = pair.indexOf(':');
    if (i > 0) return { username: pair.slice(0, i), password: pair.slice(i + 1) };
  }
  return undefined;
}

function hasCredentials(c: DockerAuthConfig): boolean {
  return credentialsOf(c) !== undefined || !!c.registrytoken;
}

/** The registry host of a serveraddress ("https://host:5000/v1/" -> "host:5000"); Docker Hub's aliases -> "docker.io". */
export function serverHost(address: string): string {
  const a = address.trim().replace(/^https?:\/\//i, '');
  const host = a.split('/')[0] ?? '';
  if (host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io') return 'docker.io';
  return host;
}
