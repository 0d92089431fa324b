/**
 * berth diff / container diff / image diff NAME [BASE] — podman diff: "A PATH", "C PATH", "D PATH"
 * lines, or --format json ({"changed","added","deleted"}); NAME over its parent, or over BASE.
 */
import { diffChanges, goJSON } from '../../src/index.js';
import { latestContainer, type Store } from '../../src/local.js';
import { BerthError } from '../../src/errors.js';
import { openStore, usageError } from '../common.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { CommandDef } from '../command-table.js';
import type { GlobalOptions } from '../main.js';

/** diff, container diff (`type` container) and image diff (`type` image). */
export async function runDiff(p: Parsed, g: GlobalOptions, def: CommandDef, type: 'all' | 'container' | 'image'): Promise<number> {
  const format = (p.opts.format as string | undefined) ?? '';
  const json = isJSONFormat(format);
  if (format !== '' && !json) throw usageError("only supported value for '--format' is 'json'");
  // podman's checks of diff and container diff (image diff has no --latest: the table counts its arguments)
  const latest = p.opts.latest === true;
  if (type !== 'image') {
    if (p.args.length > 0 && latest) throw usageError('--latest and containers cannot be used together');
    if (p.args.length === 0 && !latest) throw usageError(`"berth ${def.name}" requires a name, id, or the "--latest" flag`);
    if (p.args.length > 2) throw usageError(`accepts between 1 and 2 arg(s), received ${p.args.length}`);
  }
  const store = openStore(g);
  let changes;
  try {
    const [name, base] = latest ? [latestId(store)] : p.args.map((a) => a.replace(/^\//, ''));
    changes = await diffChanges(store, name!, { type, ...(base !== undefined ? { base } : {}) });
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

/** The container created last, in podman diff's words when there is none. */
function latestId(store: Store): string {
  try {
    return latestContainer(store).id;
  } catch (e) {
    if (e instanceof BerthError) throw new BerthError(e.code, `unable to get latest container: ${e.message}`, { cause: e });
    throw e;
  }
}

export function run(p: Parsed, g: GlobalOptions, def: CommandDef): Promise<number> {
  return runDiff(p, g, def, 'all');
}
