/**
 * Passphrase files (--sign-passphrase-file, --passphrase-file): the first line, without its
 * newline, as gpg(1) and containers/image read them. A missing file is a one-line error.
 */
import * as fs from 'node:fs';
import { BerthError } from '../errors.js';
import { goErrnoText } from '../go/errno.js';

export function readPassphraseFile(file: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', `open ${file}: ${goErrnoText(e)}`, { subject: file });
  }
  const nl = data.indexOf(0x0a);
  return nl === -1 ? data : data.subarray(0, nl);
}
