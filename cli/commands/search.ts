import { listRepositoryTags } from '../../src/index.js';
import { usageError } from '../common.js';
import { checkAuthFile, registryAccess } from '../registry-flags.js';
import type { FlagValue, Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** `berth search --list-tags REPO`: the registry search API itself is not offered. */
export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const o = p.opts;
  if (!o.listTags) throw usageError('berth search supports only --list-tags', 'use "berth search --list-tags REGISTRY/REPO"');
  return printTags(p.args[0]!, o);
}

export async function printTags(repo: string, o: Record<string, FlagValue>): Promise<number> {
  checkAuthFile(o);
  const limit = (o.limit as number | undefined) || undefined; // 0: every tag
  const { name, tags } = await listRepositoryTags(repo, registryAccess(o));
  const rows = tags.slice(0, limit ?? tags.length).map((t) => ({ Name: name, Tag: t }));
  const { renderOutput } = await import('../format/output.js');
  process.stdout.write(
    renderOutput(rows, {
      format: o.format as string | undefined,
      name: 'search',
      defaultTemplate: 'table {{.Name}}\t{{.Tag}}',
      headers: { Name: 'NAME', Tag: 'TAG' },
      json: o.format === 'json' ? [{ Name: name, Tags: tags.slice(0, limit ?? tags.length) }] : undefined,
    }),
  );
  return 0;
}
