import { BerthError, isTransientNetworkError } from '../src/errors.js';
import type { CommandDef } from './command-table.js';

/**
 * Print an error as one line; stack traces only for internal errors (or BERTH_DEBUG). Returns the
 * exit code. `def`, the command that failed: a network failure that retrying may cure names
 * --retry in its hint when the command has that flag.
 */
export function printError(e: unknown, def?: Pick<CommandDef, 'flags'>): number {
  if (e instanceof BerthError) {
    const retry = def?.flags.some((f) => f.name === 'retry') && isTransientNetworkError(e) ? 'see --retry' : '';
    const hints = [e.hint, retry].filter(Boolean).join('; ');
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
