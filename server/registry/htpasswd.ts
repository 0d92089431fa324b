/**
 * Basic authentication against an htpasswd file, as docker-registry's `htpasswd` auth: only
 * bcrypt entries (`htpasswd -B`: `$2y$`, `$2a$`, `$2b$`). The file is read again when it
 * changes. A bcrypt check costs tens of milliseconds in JavaScript and clients send their
 * credentials with every request, so credentials that passed are remembered (as a salted
 * hash, never the password) until the file changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { BerthError } from '../../src/errors.js';
import { log } from '../../src/log.js';

type Compare = (password: string, hash: string) => Promise<boolean>;

const BCRYPT_RE = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** Parse an htpasswd file: user -> bcrypt hash. Any other kind of entry is an error naming its line. */
export function parseHtpasswd(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BerthError('INVALID_ARGUMENT', `${file}, line ${i + 1}: expected USER:HASH`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!BCRYPT_RE.test(hash))
      throw new BerthError('INVALID_ARGUMENT', `${file}, line ${i + 1}: the entry of user ${JSON.stringify(user)} is not a bcrypt hash`, {
        hint: 'create entries with "htpasswd -B" (bcrypt is the only hash accepted, as docker-registry)',
      });
    users.set(user, hash);
  });
  return users;
}

export class Htpasswd {
  private users: Map<string, string>;
  private stamp: string;
  /** Keys of credentials that passed, for the current file. */
  private passed = new Set<string>();
  private readonly salt = randomBytes(16);

  private constructor(
    readonly file: string,
    private readonly compare: Compare,
  ) {
    this.users = parseHtpasswd(readText(file), file);
    this.stamp = fileStamp(file);
  }

  /** Read the file (errors: missing, unreadable, an entry that is not bcrypt). */
  static async open(file: string): Promise<Htpasswd> {
    const bcrypt = (await import('bcryptjs')).default;
    return new Htpasswd(file, (p, h) => bcrypt.compare(p, h));
  }

  /** Whether an Authorization header carries valid credentials. */
  async check(authorization: string | undefined): Promise<boolean> {
    this.reloadIfChanged();
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.users.get(user);
    if (hash === undefined) return false;
    const key = createHash('sha256').update(this.salt).update(hash).update('\0').update(decoded).digest('hex');
    if (this.passed.has(key)) return true;
    // bcryptjs accepts $2y$ as $2b$ (the same algorithm)
    const ok = await this.compare(password, hash);
    if (ok && this.users.get(user) === hash) this.passed.add(key);
    return ok;
  }

  private reloadIfChanged(): void {
    let stamp: string;
    try {
      stamp = fileStamp(this.file);
    } catch (e) {
      log.warn(`cannot read ${this.file}: ${(e as Error).message}; keeping the users read before`);
      return;
    }
    if (stamp === this.stamp) return;
    try {
      this.users = parseHtpasswd(readText(this.file), this.file);
      this.passed = new Set();
      this.stamp = stamp;
      log.info(`${this.file} changed: ${this.users.size} user(s)`);
    } catch (e) {
      log.warn(`${(e as Error).message}; keeping the users read before`);
      this.stamp = stamp;
    }
  }
}

function fileStamp(file: string): string {
  const st = statSync(file);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BerthError(
      'INVALID_ARGUMENT',
      `cannot read htpasswd file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`,
    );
  }
}
