/**
 * berth mount / container mount [CONTAINER...] — podman mount: with containers (or --all, or
 * --latest: the container created last)
 * prints each root filesystem's path; without, lists the mounted containers ("ID  PATH", or
 * --format json).
 */
import { BerthError } from '../../src/errors.js';
import { goJSON } from '../../src/go/index.js';
import { latestContainer, mountContainer, mountedContainers, listContainers, type MountedContainer } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  const noTrunc = o.noTrunc === true || o.notruncate === true;
  const format = (o.format as string | undefined) ?? '';
  const latest = o.latest === true;
  if (o.all === true && latest) throw new BerthError('INVALID_ARGUMENT', '--all and --latest cannot be used together');
  if (p.args.length > 0 && o.all === true) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --all');
  if (p.args.length > 0 && latest) throw new BerthError('INVALID_ARGUMENT', '--latest and containers cannot be used together');
  const listing = p.args.length === 0 && o.all !== true && !latest;
  const json = isJSONFormat(format);
  if (listing && format !== '' && !json) throw new BerthError('INVALID_ARGUMENT', `unknown --format argument: ${JSON.stringify(format)}`);
  const store = openStore(g, listing ? 'read' : 'write');
  let out = '';
  try {
    if (listing) {
      const rows: MountedContainer[] = mountedContainers(store);
      if (json) {
        out = `${goJSON(
          rows.map((r) => ({ id: r.id, Names: [r.name], mountpoint: r.path })),
          { indent: ' ' },
        )}\n`;
      } else {
        const w = Math.max(12, ...rows.map((r) => (noTrunc ? r.id : r.id.slice(0, 12)).length + 2));
        for (const r of rows) {
          const id = noTrunc ? r.id : r.id.slice(0, 12);
          out += `${id}${' '.repeat(w - id.length)}${r.path}\n`;
        }
      }
    } else {
      const names = o.all === true ? listContainers(store).map((c) => c.id) : latest ? [latestContainer(store).id] : p.args;
      for (const n of names) out += `${mountContainer(store, n).path}\n`;
    }
  } finally {
    store.close();
  }
  process.stdout.write(out);
  return 0;
}
