import * as fs from 'node:fs';
import { BerthError, type ErrorCode } from '../../errors.js';
import { goErrnoText } from '../../go/errno.js';

/** Read a small input file (key, passphrase, manifest, signature); failure is one line: "`what`: REASON". */
export function readInputFile(p: string, code: ErrorCode, what: (why: string) => string): Buffer {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    throw new BerthError(code, what(goErrnoText(e)), { subject: p });
  }
}
