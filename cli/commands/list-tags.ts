import { command, parse } from '../common.js';
import { addRegistryFlags } from '../registry-flags.js';
import { printTags } from './search.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], _g: GlobalOptions): Promise<number> {
  const c = addRegistryFlags(command('image list-tags', 'List the tags of a repository'))
    .argument('<repository>', 'REGISTRY/REPOSITORY')
    .option('--limit <n>', 'print at most this many tags')
    .option('--format <format>', 'json, or a Go template over {{.Name}} {{.Tag}}');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  return printTags(p.args[0]!, p.opts as Record<string, string | boolean | undefined>);
}
