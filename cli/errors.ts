import { BerthError } from '../src/errors.js';

/** Print an error as one line; stack traces only for internal errors (or BERTH_DEBUG). Returns the exit code. */
export function printError(e: unknown): number {
  if (e instanceof BerthError) {
    const hint = e.hint ? ` (${e.hint})` : '';
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
