/**
 * berth generate-sigstore-key --output-prefix PREFIX [--passphrase-file F] — as skopeo's
 * command of that name: PREFIX.pub and PREFIX.private, never overwriting either.
 */
import { generateSigstoreKey, readPassphraseFile } from '../../src/index.js';
import { usageError } from '../common.js';
import { ask } from '../prompt.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const prefix = p.opts.outputPrefix as string | undefined;
  if (!prefix) throw usageError('Usage: generate-sigstore-key --output-prefix PREFIX', 'give --output-prefix PREFIX');
  const file = p.opts.passphraseFile as string | undefined;
  let passphrase: Buffer;
  if (file !== undefined) passphrase = readPassphraseFile(file);
  else {
    if (!process.stdin.isTTY)
      throw usageError(
        `Cannot prompt for a passphrase for key ${prefix}.private, standard input is not a TTY`,
        'use --passphrase-file FILE',
      );
    passphrase = Buffer.from(await ask(`Passphrase for key ${prefix}.private: `, true));
  }
  const r = generateSigstoreKey({ outputPrefix: prefix, passphrase });
  process.stdout.write(`Key written to ${JSON.stringify(r.privateKeyPath)} and ${JSON.stringify(r.publicKeyPath)}\n`);
  return 0;
}
