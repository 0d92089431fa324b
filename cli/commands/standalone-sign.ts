/**
 * berth image standalone-sign MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT -o SIGNATURE —
 * skopeo standalone-sign: a GnuPG simple signature of a manifest file for a reference.
 */
import { BerthError, standaloneSign } from '../../src/index.js';
import type { Parsed } from '../flags.js';

export async function run(p: Parsed): Promise<number> {
  const output = (p.opts.output as string | undefined) ?? '';
  if (p.args.length !== 3 || output === '') {
    throw new BerthError('INVALID_ARGUMENT', 'Usage: berth image standalone-sign manifest docker-reference key-fingerprint -o signature');
  }
  const [manifestPath, dockerReference, fingerprint] = p.args as [string, string, string];
  await standaloneSign({
    manifestPath,
    dockerReference,
    fingerprint,
    output,
    ...(p.opts.passphraseFile !== undefined ? { passphraseFile: p.opts.passphraseFile as string } : {}),
  });
  return 0;
}
