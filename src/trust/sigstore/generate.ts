/**
 * `generate-sigstore-key`: write PREFIX.pub and PREFIX.private (as skopeo does). Neither file
 * may exist; both are created exclusively, and a failure after the first leaves neither.
 */
import * as fs from 'node:fs';
import { BerthError } from '../../errors.js';
import { generateSigstoreKeyPair } from './keys.js';
import { goErrnoText } from '../../go/errno.js';

export interface GenerateSigstoreKeyOptions {
  /** Files are PREFIX.pub and PREFIX.private. */
  outputPrefix: string;
  /** Encrypts the private key (may be empty, as skopeo allows). */
  passphrase: Buffer;
}

function refuseExisting(file: string): void {
  try {
    fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new BerthError('IO', `Error checking existence of ${JSON.stringify(file)}: ${(e as Error).message}`, { subject: file });
  }
  throw new BerthError('INVALID_ARGUMENT', `Refusing to overwrite existing ${JSON.stringify(file)}`, { subject: file });
}

function writeNew(file: string, data: string, mode: number, what: string): void {
  try {
    fs.writeFileSync(file, data, { mode, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new BerthError('INVALID_ARGUMENT', `Refusing to overwrite existing ${JSON.stringify(file)}`, { subject: file });
    throw new BerthError('IO', `Error writing ${what} to ${JSON.stringify(file)}: ${goErrnoText(e)}`, { subject: file });
  }
}

/** Generate an ECDSA P-256 key pair; returns the paths written. */
export function generateSigstoreKey(opts: GenerateSigstoreKeyOptions): { publicKeyPath: string; privateKeyPath: string } {
  if (!opts.outputPrefix) throw new BerthError('INVALID_ARGUMENT', 'Usage: generate-sigstore-key --output-prefix PREFIX');
  const publicKeyPath = `${opts.outputPrefix}.pub`;
  const privateKeyPath = `${opts.outputPrefix}.private`;
  refuseExisting(publicKeyPath);
  refuseExisting(privateKeyPath);
  const keys = generateSigstoreKeyPair(opts.passphrase);
  writeNew(privateKeyPath, keys.privateKey, 0o600, 'private key');
  try {
    writeNew(publicKeyPath, keys.publicKey, 0o644, 'public key');
  } catch (e) {
    fs.rmSync(privateKeyPath, { force: true });
    throw e;
  }
  return { publicKeyPath, privateKeyPath };
}
