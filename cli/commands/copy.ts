import { copyByName, parsePlatform, type PlatformChoice, type Store } from '../../src/index.js';
import { command, openStore, parse, logProgress, usageError } from '../common.js';
import { lightRuntime } from '../registry-flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = command('copy', 'Copy an image between transports (docker://, docker-archive:, oci-archive:, oci:, dir:, containers-storage:)')
    .argument('<source>', 'TRANSPORT:LOCATION to read')
    .argument('<destination>', 'TRANSPORT:LOCATION to write')
    .option('-f, --format <format>', 'manifest format of the destination: oci or v2s2')
    .option('--dest-compress-format <format>', 'compress layers with gzip or zstd when the destination compresses')
    .option('--platform <os/arch[/variant]>', 'platform to choose from a manifest list')
    .option('--override-arch <arch>', 'architecture to choose from a manifest list')
    .option('--override-os <os>', 'OS to choose from a manifest list')
    .option('--override-variant <variant>', 'variant to choose from a manifest list')
    .option('--src-tls-verify <bool>', 'require HTTPS and verify certificates for the source registry')
    .option('--dest-tls-verify <bool>', 'require HTTPS and verify certificates for the destination registry')
    .option('--src-creds <user:pass>', 'credentials for the source registry')
    .option('--dest-creds <user:pass>', 'credentials for the destination registry')
    .option('--src-cert-dir <dir>', 'certificates for the source registry')
    .option('--dest-cert-dir <dir>', 'certificates for the destination registry')
    .option('--authfile <file>', 'auth.json to use')
    .option('--policy <file>', 'policy.json to use instead of the default lookup')
    .option('--insecure-policy', 'do not evaluate any signature policy')
    .option('-q, --quiet', 'suppress progress output');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  lightRuntime();
  const o = p.opts as Record<string, string | boolean | undefined>;
  const [src, dst] = p.args as [string, string];
  if (o.format !== undefined && o.format !== 'oci' && o.format !== 'v2s2') throw usageError(`invalid --format ${JSON.stringify(o.format)}`, 'use oci or v2s2');
  const cf = o.destCompressFormat as string | undefined;
  if (cf !== undefined && cf !== 'gzip' && cf !== 'zstd') throw usageError(`invalid --dest-compress-format ${JSON.stringify(cf)}`, 'use gzip or zstd');
  let platform: PlatformChoice = {};
  if (o.platform) platform = parsePlatform(o.platform as string);
  else platform = { os: o.overrideOs as string | undefined, arch: o.overrideArch as string | undefined, variant: o.overrideVariant as string | undefined };
  const bool = (v: unknown, flag: string): boolean | undefined => {
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw usageError(`invalid ${flag} value ${JSON.stringify(v)}`, 'use true or false');
  };
  let store: Store | undefined;
  try {
    const r = await copyByName(src, dst, {
      context: {
        store: () => (store ??= openStore(g)),
        registry: { tlsVerify: bool(o.srcTlsVerify, '--src-tls-verify'), creds: o.srcCreds as string | undefined, certDir: o.srcCertDir as string | undefined, authfile: o.authfile as string | undefined },
        destRegistry: { tlsVerify: bool(o.destTlsVerify, '--dest-tls-verify'), creds: o.destCreds as string | undefined, certDir: o.destCertDir as string | undefined, authfile: o.authfile as string | undefined },
        signaturePolicy: o.policy as string | undefined,
        insecurePolicy: !!o.insecurePolicy,
      },
      format: o.format as 'oci' | 'v2s2' | undefined,
      compression: cf ? { format: cf as 'gzip' | 'zstd' } : undefined,
      platform,
      onProgress: logProgress(!!o.quiet),
    });
    if (!o.quiet) process.stderr.write(`Copied ${r.manifestDigest}\n`);
  } finally {
    store?.close();
  }
  return 0;
}
