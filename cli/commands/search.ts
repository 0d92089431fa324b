import { listRepositoryTags } from '../../src/index.js';
import { command, parse, usageError } from '../common.js';
import { addRegistryFlags, registryAccess } from '../registry-flags.js';
import type { GlobalOptions } from '../main.js';

/** `berth search --list-tags REPO`: the registry search API itself is not offered. */
export async function run(argv: string[], _g: GlobalOptions): Promise<number> {
  const c = addRegistryFlags(command('search', 'List the tags of a repository (--list-tags)'))
    .argument('<repository>', 'REGISTRY/REPOSITORY')
    .option('--list-tags', 'list the tags of the repository')
    .option('--limit <n>', 'print at most this many tags')
    .option('--format <format>', 'json, or a Go template over {{.Name}} {{.Tag}}')
    .option('--no-trunc', 'accepted for compatibility');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const o = p.opts as Record<string, string | boolean | undefined>;
  if (!o.listTags) throw usageError('berth search supports only --list-tags', 'use "berth search --list-tags REGISTRY/REPO"');
  return printTags(p.args[0]!, o);
}

export async function printTags(repo: string, o: Record<string, string | boolean | undefined>): Promise<number> {
  const limit = o.limit !== undefined ? Number(o.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw usageError(`invalid --limit ${JSON.stringify(o.limit)}`);
  const { name, tags } = await listRepositoryTags(repo, registryAccess(o));
  const rows = tags.slice(0, limit ?? tags.length).map((t) => ({ Name: name, Tag: t }));
  const { renderOutput } = await import('../format/output.js');
  process.stdout.write(renderOutput(rows, {
    format: o.format as string | undefined,
    defaultTemplate: 'table {{.Name}}\t{{.Tag}}',
    headers: { Name: 'NAME', Tag: 'TAG' },
    json: o.format === 'json' ? [{ Name: name, Tags: tags.slice(0, limit ?? tags.length) }] : undefined,
  }));
  return 0;
}
