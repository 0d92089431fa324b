import { importImage, parsePlatform, type PlatformChoice } from '../../src/index.js';
import { command, openStore, parse, collect, usageError } from '../common.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const c = command('import', 'Create an image from a root filesystem tarball ("-" reads stdin)')
    .argument('<tarball>', 'tarball path, or - for stdin')
    .argument('[reference]', 'name for the new image')
    .option('-c, --change <instruction>', 'apply CMD|ENTRYPOINT|ENV|EXPOSE|LABEL|USER|VOLUME|WORKDIR|STOPSIGNAL', collect, [])
    .option('-m, --message <text>', 'commit message stored in the history')
    .option('--arch <arch>', 'architecture of the image')
    .option('--os <os>', 'operating system of the image')
    .option('--variant <variant>', 'architecture variant')
    .option('--platform <os/arch[/variant]>', 'platform of the image')
    .option('-q, --quiet', 'suppress output other than the image ID');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const o = p.opts as { change: string[]; message?: string; arch?: string; os?: string; variant?: string; platform?: string };
  const [tarball, reference] = p.args as [string, string | undefined];
  if (tarball === '-' && process.stdin.isTTY) throw usageError('cannot read a tarball from a terminal', 'redirect stdin or give a file');
  let platform: PlatformChoice = {};
  if (o.platform) {
    if (o.arch || o.os || o.variant) throw usageError('--platform cannot be combined with --arch, --os or --variant');
    platform = parsePlatform(o.platform);
  } else platform = { arch: o.arch, os: o.os, variant: o.variant };
  const store = openStore(g);
  try {
    const r = await importImage(store, { input: tarball === '-' ? process.stdin : tarball, reference, changes: o.change, message: o.message, platform });
    process.stdout.write(`${r.id}\n`);
  } finally { store.close(); }
  return 0;
}
