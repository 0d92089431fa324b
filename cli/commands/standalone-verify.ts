/**
 * berth image standalone-verify MANIFEST DOCKER-REFERENCE KEY-FINGERPRINTS SIGNATURE —
 * skopeo standalone-verify: check a simple signature against local files and print the key
 * and digest it verified.
 */
import { BerthError, standaloneVerify } from '../../src/index.js';
import type { Parsed } from '../flags.js';

export async function run(p: Parsed): Promise<number> {
  if (p.args.length !== 4) {
    throw new BerthError('INVALID_ARGUMENT', 'Usage: berth image standalone-verify manifest docker-reference key-fingerprint signature');
  }
  const [manifestPath, dockerReference, fingerprints, signaturePath] = p.args as [string, string, string, string];
  const r = await standaloneVerify({
    manifestPath,
    dockerReference,
    fingerprints: fingerprints.split(','),
    signaturePath,
    ...(p.opts.publicKeyFile !== undefined ? { publicKeyFile: p.opts.publicKeyFile as string } : {}),
  });
  process.stdout.write(`Signature verified using fingerprint ${r.fingerprint}, digest ${r.dockerManifestDigest}\n`);
  return 0;
}
