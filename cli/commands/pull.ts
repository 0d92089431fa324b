import { pullImage, type PullPolicy, parsePlatform, type PlatformChoice } from '../../src/index.js';
import { command, openStore, parse, usageError } from '../common.js';
import { progressRenderer } from '../progress.js';
import { addRegistryFlags, lightRuntime, registryAccess } from '../registry-flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = addRegistryFlags(command('pull', 'Pull images from a registry (or any transport) into the store'))
    .argument('<image...>', 'images to pull: NAME[:TAG|@DIGEST], docker://..., oci:..., docker-archive:...')
    .option('-a, --all-tags', 'pull every tag of the repository')
    .option('--platform <os/arch[/variant]>', 'platform to choose from a manifest list')
    .option('--arch <arch>', 'architecture to choose')
    .option('--os <os>', 'operating system to choose')
    .option('--variant <variant>', 'architecture variant to choose')
    .option('--policy <policy>', 'always, missing, never or newer', 'always')
    .option('--jobs <n>', 'layers downloaded at once')
    .option('--signature-policy <file>', 'policy.json to use instead of the default lookup')
    .option('-q, --quiet', 'print only the image ID');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  lightRuntime();
  const o = p.opts as Record<string, string | boolean | undefined>;
  let platform: PlatformChoice = {};
  if (o.platform) {
    if (o.arch || o.os || o.variant) throw usageError('--platform cannot be combined with --arch, --os or --variant');
    platform = parsePlatform(o.platform as string);
  } else platform = { arch: o.arch as string | undefined, os: o.os as string | undefined, variant: o.variant as string | undefined };
  const jobs = o.jobs !== undefined ? Number(o.jobs) : undefined;
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw usageError(`invalid --jobs ${JSON.stringify(o.jobs)}`, 'use a whole number of at least 1');
  const progress = progressRenderer({ quiet: !!o.quiet });
  const store = openStore(g);
  try {
    for (const name of p.args) {
      const r = await pullImage(store, name, {
        ...registryAccess(o), policy: o.policy as PullPolicy, platform, allTags: !!o.allTags, parallel: jobs,
        isTTY: !!(process.stdin.isTTY && process.stdout.isTTY), onProgress: progress.onProgress,
        signaturePolicy: o.signaturePolicy as string | undefined,
      });
      progress.done();
      for (const id of new Set(r.ids)) process.stdout.write(`${id}\n`);
    }
  } finally { store.close(); }
  return 0;
}
