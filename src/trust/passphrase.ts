/**
 * Passphrase files (--sign-passphrase-file, --passphrase-file): the first line, without its
 * newline, as gpg(1) and containers/image read them. A missing file is a one-line error.
 */
import * as fs from 'node:fs';
import { BerthError } from '../errors.js';

export function readPassphraseFile(file: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new BerthError('INVALID_ARGUMENT', `open ${file}: ${why}`, { subject: file });
  }
  const nl = data.indexOf(0x0a);
  return nl === -1 ? data : data.subarray(0, nl);
}
