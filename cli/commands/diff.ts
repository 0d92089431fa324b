/**
 * berth diff / container diff / image diff NAME — podman diff: "A PATH", "C PATH", "D PATH"
 * lines, or --format json ({"changed","added","deleted"}).
 */
import { diffChanges, goJSON } from '../../src/index.js';
import { openStore, usageError } from '../common.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** diff, container diff (`type` container) and image diff (`type` image). */
export async function runDiff(p: Parsed, g: GlobalOptions, type: 'all' | 'container' | 'image'): Promise<number> {
  const format = (p.opts.format as string | undefined) ?? '';
  const json = isJSONFormat(format);
  if (format !== '' && !json) throw usageError("only supported value for '--format' is 'json'");
  const store = openStore(g);
  let changes;
  try {
    changes = await diffChanges(store, p.args[0]!.replace(/^\//, ''), { type });
  } finally {
    store.close();
  }
  if (json) {
    const body: Record<string, string[]> = {};
    for (const [key, kind] of [
      ['changed', 'C'],
      ['added', 'A'],
      ['deleted', 'D'],
    ] as const) {
      const paths = changes.filter((c) => c.kind === kind).map((c) => c.path);
      if (paths.length) body[key] = paths;
    }
    process.stdout.write(`${goJSON(body, { indent: '     ' })}\n`);
  } else process.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
  return 0;
}

export function run(p: Parsed, g: GlobalOptions): Promise<number> {
  return runDiff(p, g, 'all');
}
