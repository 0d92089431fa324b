import { BerthError, isTransientNetworkError } from '../src/errors.js';
import { goErrnoText } from '../src/go/index.js';
import type { CommandDef } from './command-table.js';

/**
 * A hint's `--NAME[=VALUE]` as a command spells it that has no --NAME but --src-NAME and
 * --dest-NAME (copy: --src-tls-verify, --dest-cert-dir): both, since the hint does not know the side.
 */
function ownFlags(hint: string, flags: readonly { name: string }[]): string {
  const has = (name: string) => flags.some((f) => f.name === name);
  return hint.replace(/--([a-z][a-z-]*[a-z])(=[^\s,;)/]+)?/g, (m, name: string, value = '') =>
    has(name) || !has(`src-${name}`) || !has(`dest-${name}`) ? m : `--src-${name}${value} or --dest-${name}${value}`,
  );
}

/**
 * Print an error as one line; stack traces only for internal errors (or BERTH_DEBUG). Returns the
 * exit code. `def`, the command that failed: the hint names its flags (a network failure that
 * retrying may cure names --retry when the command has that flag; copy's --src-/--dest- pairs).
 */
export function printError(e: unknown, def?: Pick<CommandDef, 'flags'>): number {
  if (e instanceof BerthError) {
    const retry = def?.flags.some((f) => f.name === 'retry') && isTransientNetworkError(e) ? 'see --retry' : '';
    const hints = [e.hint && def ? ownFlags(e.hint, def.flags) : e.hint, retry].filter(Boolean).join('; ');
    const hint = hints ? ` (${hints})` : '';
    process.stderr.write(`Error: ${e.message}${hint}\n`);
    if (process.env.BERTH_DEBUG && e.cause instanceof Error) process.stderr.write(`${e.cause.stack}\n`);
    return e.exitCode;
  }
  const err = e as { code?: string; message?: string; stack?: string };
  if (err?.code === 'EPIPE') return 0;
  if (
    err?.code === 'EACCES' ||
    err?.code === 'EPERM' ||
    err?.code === 'ENOSPC' ||
    err?.code === 'EROFS' ||
    err?.code === 'EDQUOT' ||
    err?.code === 'EIO'
  ) {
    process.stderr.write(`Error: ${err.message}\n`);
    return 125;
  }
  // A failed system call on a named file (Node's fs errors carry syscall and path) is the
  // machine's or the user's doing, not a bug: Go's words for it ("open FILE: no such file or
  // directory"), as podman prints them.
  if (
    typeof err?.code === 'string' &&
    typeof (e as NodeJS.ErrnoException).syscall === 'string' &&
    typeof (e as NodeJS.ErrnoException).path === 'string'
  ) {
    const { syscall, path } = e as NodeJS.ErrnoException;
    process.stderr.write(`Error: ${syscall} ${path}: ${goErrnoText(e)}\n`);
    return 125;
  }
  // The store maps SQLite failures itself; one that slipped through is still the machine's
  // doing (disk, permissions, damage), not a bug: one line, no stack.
  if (typeof err?.code === 'string' && err.code.startsWith('SQLITE_')) {
    process.stderr.write(`Error: the image index failed: ${err.message} (${err.code})\n`);
    return 125;
  }
  process.stderr.write(`Error: internal error: ${err?.message ?? String(e)}\n`);
  if (err?.stack) process.stderr.write(`${err.stack}\n`);
  return 125;
}
