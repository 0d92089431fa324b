import * as fs from 'node:fs';
import { BerthError, type ErrorCode } from '../../errors.js';

/** Go's words for why a file could not be read ("no such file or directory", "permission denied"). */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
}

/** Read a small input file (key, passphrase, manifest, signature); failure is one line: "`what`: REASON". */
export function readInputFile(p: string, code: ErrorCode, what: (why: string) => string): Buffer {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    throw new BerthError(code, what(reason(e)), { subject: p });
  }
}
