import { BerthError, copyByName, parsePlatform, type PlatformChoice, type Store } from '../../src/index.js';
import { openStore, logProgress, manifestFormat } from '../common.js';
import { lightRuntime } from '../registry-flags.js';
import { signersFromFlags } from '../signing.js';
import { progressOutput } from '../progress.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  lightRuntime();
  const o = p.opts;
  const [src, dst] = p.args as [string, string];
  const cf = o.destCompressFormat as string | undefined;
  let platform: PlatformChoice;
  let platforms: PlatformChoice[] | undefined;
  const all = !!o.all || o.multiArch === 'all';
  const wanted = typeof o.platform === 'string' ? o.platform.split(',') : [];
  if (wanted.length > 1) {
    if (all) throw new BerthError('INVALID_ARGUMENT', '--all and a list of platforms cannot be used together');
    platforms = wanted.map((w) => parsePlatform(w));
    platform = {};
  } else if (o.platform) platform = parsePlatform(o.platform as string);
  else
    platform = {
      os: o.overrideOs as string | undefined,
      arch: o.overrideArch as string | undefined,
      variant: o.overrideVariant as string | undefined,
    };
  const signers = await signersFromFlags(o);
  // skopeo's copy writes its progress lines to stdout
  const progress = progressOutput(o.progress, () => ({
    onProgress: logProgress(!!o.quiet, { signatures: !o.removeSignatures, stream: process.stdout }),
  }));
  let store: Store | undefined;
  try {
    const r = await copyByName(src, dst, {
      context: {
        store: () => (store ??= openStore(g)),
        registry: {
          tlsVerify: o.srcTlsVerify as boolean | undefined,
          creds: o.srcCreds as string | undefined,
          certDir: o.srcCertDir as string | undefined,
          authfile: o.authfile as string | undefined,
        },
        destRegistry: {
          tlsVerify: o.destTlsVerify as boolean | undefined,
          creds: o.destCreds as string | undefined,
          certDir: o.destCertDir as string | undefined,
          authfile: o.authfile as string | undefined,
        },
        signaturePolicy: o.policy as string | undefined,
        ...(p.flags['registries.d'] !== undefined ? { registriesDir: p.flags['registries.d'] as string } : {}),
        insecurePolicy: !!o.insecurePolicy,
      },
      format: manifestFormat(o.format as string | undefined),
      compression: cf ? { format: cf as 'gzip' | 'zstd' } : undefined,
      platform,
      all,
      platforms,
      preserveDigests: !!o.preserveDigests,
      removeSignatures: !!o.removeSignatures,
      signers,
      signIdentity: o.signIdentity as string | undefined,
      onProgress: progress.onProgress,
    });
    if (!o.quiet && !progress.json) process.stderr.write(`Copied ${r.manifestDigest}\n`);
  } catch (e) {
    progress.failed(e);
    throw e;
  } finally {
    store?.close();
  }
  return 0;
}
