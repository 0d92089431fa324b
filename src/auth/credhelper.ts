/**
 * Docker credential helpers: `docker-credential-<suffix> get|store|erase|list`, speaking the
 * docker-credential-helpers protocol (server URL or JSON on stdin, JSON on stdout, an error
 * message on stdout with a non-zero exit status).
 *
 * Secrets never appear in error messages: helper output is only echoed when it does not look
 * like JSON, and is cut short.
 */
import { spawn } from 'node:child_process';
import { BerthError } from '../errors.js';

export interface HelperOptions {
  /** Environment for the helper (its PATH is also used to find the binary). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kill the helper after this many ms. Default 30000. */
  timeoutMs?: number;
}

export interface HelperCredentials {
  username: string;
  secret: string;
}

/** The message helpers print for a missing entry (docker-credential-helpers credentials.errCredentialsNotFoundMessage). */
const NOT_FOUND = 'credentials not found in native keychain';

const MAX_OUTPUT = 1 << 20;

export function helperBinary(suffix: string): string {
  return `docker-credential-${suffix}`;
}

function validSuffix(suffix: string): void {
  // A helper name is a suffix of a program name, never a path.
  if (suffix === '' || /[/\\\0]/.test(suffix)) {
    throw new BerthError('CONFIG', `invalid credential helper name ${JSON.stringify(suffix)}`, {
      hint: 'credential helpers are named by the suffix of docker-credential-<name>, found in $PATH',
    });
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
}

function run(suffix: string, action: string, input: string, opts: HelperOptions): Promise<RunResult> {
  validSuffix(suffix);
  const bin = helperBinary(suffix);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(bin, [action], { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(spawnError(bin, e));
      return;
    }
    const out: Buffer[] = [];
    let size = 0;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new BerthError('UNAUTHORIZED', `credential helper ${bin} ${action} timed out after ${Math.round(timeoutMs / 1000)}s`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_OUTPUT) out.push(d);
    });
    child.stderr.on('data', () => {
      /* ignored; helpers report errors on stdout */
    });
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(spawnError(bin, e));
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (size > MAX_OUTPUT) {
        reject(new BerthError('UNAUTHORIZED', `credential helper ${bin} ${action} produced more than 1 MiB of output`));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out).toString('utf8') });
    });
    child.stdin.on('error', () => {
      /* helper may exit without reading stdin */
    });
    child.stdin.end(input);
  });
}

function spawnError(bin: string, e: unknown): BerthError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new BerthError('CONFIG', `credential helper ${bin} not found in $PATH`, {
      cause: e,
      subject: bin,
      data: { missingHelper: bin },
      hint: `install ${bin}, or remove it from credHelpers (auth.json) / credential-helpers (registries.conf)`,
    });
  }
  if (code === 'EACCES') return new BerthError('CONFIG', `credential helper ${bin} is not executable`, { cause: e });
  return new BerthError('CONFIG', `running credential helper ${bin}: ${(e as Error).message}`, { cause: e });
}

/** A helper's own error text, safe to show: never JSON (which may carry a secret), one line, short. */
function helperMessage(stdout: string): string {
  const t = stdout.trim();
  if (t === '' || t.startsWith('{') || t.startsWith('[')) return '';
  const line = t.split('\n')[0]!;
  return line.length > 200 ? line.slice(0, 197) + '...' : line;
}

function failure(suffix: string, action: string, r: RunResult): BerthError {
  const msg = helperMessage(r.stdout);
  return new BerthError(
    'UNAUTHORIZED',
    `credential helper ${helperBinary(suffix)} ${action} failed (exit status ${r.code ?? 'signal'})${msg ? `: ${msg}` : ''}`,
  );
}

export function isNotFoundMessage(s: string): boolean {
  return s.trim() === NOT_FOUND;
}

/** `get`: undefined when the helper has no entry for serverURL. */
export async function helperGet(suffix: string, serverURL: string, opts: HelperOptions = {}): Promise<HelperCredentials | undefined> {
  const r = await run(suffix, 'get', serverURL, opts);
  if (r.code !== 0) {
    if (isNotFoundMessage(r.stdout)) return undefined;
    throw failure(suffix, 'get', r);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new BerthError('UNAUTHORIZED', `credential helper ${helperBinary(suffix)} get returned invalid JSON`);
  }
  if (typeof doc !== 'object' || doc === null)
    throw new BerthError('UNAUTHORIZED', `credential helper ${helperBinary(suffix)} get returned an unexpected document`);
  const o = doc as Record<string, unknown>;
  const username = typeof o.Username === 'string' ? o.Username : '';
  const secret = typeof o.Secret === 'string' ? o.Secret : '';
  if (username === '' && secret === '') return undefined;
  return { username, secret };
}

/** `store`. */
export async function helperStore(suffix: string, serverURL: string, creds: HelperCredentials, opts: HelperOptions = {}): Promise<void> {
  const r = await run(suffix, 'store', JSON.stringify({ ServerURL: serverURL, Username: creds.username, Secret: creds.secret }), opts);
  if (r.code !== 0) throw failure(suffix, 'store', r);
}

/** `erase`: false when there was nothing to erase. */
export async function helperErase(suffix: string, serverURL: string, opts: HelperOptions = {}): Promise<boolean> {
  const r = await run(suffix, 'erase', serverURL, opts);
  if (r.code !== 0) {
    if (isNotFoundMessage(r.stdout)) return false;
    throw failure(suffix, 'erase', r);
  }
  return true;
}

/** `list`: server URL -> username. */
export async function helperList(suffix: string, opts: HelperOptions = {}): Promise<Record<string, string>> {
  const r = await run(suffix, 'list', '', opts);
  if (r.code !== 0) throw failure(suffix, 'list', r);
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout || '{}');
  } catch {
    throw new BerthError('UNAUTHORIZED', `credential helper ${helperBinary(suffix)} list returned invalid JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new BerthError('UNAUTHORIZED', `credential helper ${helperBinary(suffix)} list returned an unexpected document`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : '';
  return out;
}
