import { pullImage, type PullPolicy, parsePlatform, type PlatformChoice } from '../../src/index.js';
import { openStore, usageError } from '../common.js';
import { progressOutput, progressRenderer } from '../progress.js';
import { checkAuthFile, lightRuntime, registryAccess } from '../registry-flags.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  lightRuntime();
  const o = p.opts;
  checkAuthFile(o);
  let platform: PlatformChoice;
  if (o.platform) {
    if (o.arch || o.os || o.variant) throw usageError('--platform cannot be combined with --arch, --os or --variant');
    platform = parsePlatform(o.platform as string);
  } else platform = { arch: o.arch as string | undefined, os: o.os as string | undefined, variant: o.variant as string | undefined };
  const jobs = o.jobs as number | undefined;
  const progress = progressOutput(o.progress, () => progressRenderer({ quiet: !!o.quiet }));
  const store = openStore(g);
  try {
    for (const name of p.args) {
      const r = await pullImage(store, name, {
        ...registryAccess(o),
        policy: o.policy as PullPolicy,
        platform,
        allTags: !!o.allTags,
        parallel: jobs,
        isTTY: !!(process.stdin.isTTY && process.stdout.isTTY),
        onProgress: progress.onProgress,
        signaturePolicy: o.signaturePolicy as string | undefined,
      });
      progress.done();
      for (const id of new Set(r.ids)) process.stdout.write(`${id}\n`);
    }
  } catch (e) {
    progress.failed(e);
    throw e;
  } finally {
    store.close();
  }
  return 0;
}
