import { importImage, parsePlatform, type PlatformChoice } from '../../src/index.js';
import { openStore, logProgress, usageError } from '../common.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts as {
    change: string[];
    message?: string;
    arch?: string;
    os?: string;
    variant?: string;
    platform?: string;
    quiet?: boolean;
    signaturePolicy?: string;
  };
  const [tarball, reference] = p.args as [string, string | undefined];
  if (tarball === '-' && process.stdin.isTTY) throw usageError('cannot read a tarball from a terminal', 'redirect stdin or give a file');
  let platform: PlatformChoice;
  if (o.platform) {
    if (o.arch || o.os || o.variant) throw usageError('--platform cannot be combined with --arch, --os or --variant');
    platform = parsePlatform(o.platform);
  } else platform = { arch: o.arch, os: o.os, variant: o.variant };
  const store = openStore(g);
  try {
    const r = await importImage(store, {
      input: tarball === '-' ? process.stdin : tarball,
      reference,
      changes: o.change,
      message: o.message,
      platform,
      signaturePolicy: o.signaturePolicy,
      onProgress: logProgress(!!o.quiet),
    });
    // podman's words: the ID with its algorithm
    process.stdout.write(`sha256:${r.id}\n`);
  } finally {
    store.close();
  }
  return 0;
}
