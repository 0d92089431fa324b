/**
 * Signing flags of push and copy (podman's and skopeo's): --sign-by (a GnuPG key, simple
 * signing; --sign-passphrase-file gives its passphrase, else the gpg agent asks), and
 * --sign-by-sigstore-private-key with
 * --sign-passphrase-file, else the passphrase asked for on the terminal ("Key Passphrase: ",
 * as podman asks). The signer is made before anything is copied, so a missing key or a wrong
 * passphrase fails first.
 */
import { gpgSigner, readPassphraseFile, sigstoreSigner, type Signer } from '../src/index.js';
import { usageError } from './common.js';
import { ask } from './prompt.js';

export async function signersFromFlags(o: Record<string, unknown>): Promise<Signer[]> {
  const key = o.signBySigstorePrivateKey as string | undefined;
  const passFile = o.signPassphraseFile as string | undefined;
  const gpgKey = o.signBy as string | undefined;
  if (gpgKey !== undefined && key !== undefined && passFile !== undefined)
    throw usageError('only one of --sign-by and --sign-by-sigstore-private-key can be used with --sign-passphrase-file');
  const signers: Signer[] = gpgKey ? [gpgSigner({ keyId: gpgKey, passphraseFile: passFile })] : [];
  if (key === undefined) return signers;
  if (key === '') throw usageError('--sign-by-sigstore-private-key needs a key file');
  let passphrase: Buffer;
  if (passFile !== undefined) passphrase = readPassphraseFile(passFile);
  else {
    if (!process.stdin.isTTY)
      throw usageError(`Cannot prompt for a passphrase for key ${key}, standard input is not a TTY`, 'use --sign-passphrase-file FILE');
    passphrase = Buffer.from(await ask('Key Passphrase: ', true));
  }
  return [...signers, sigstoreSigner({ privateKeyPath: key, passphrase })];
}
