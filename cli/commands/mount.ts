/**
 * berth mount / container mount [CONTAINER...] — podman mount: with containers (or --all)
 * prints each root filesystem's path; without, lists the mounted containers ("ID  PATH", or
 * --format json).
 */
import { BerthError } from '../../src/errors.js';
import { goJSON } from '../../src/go/index.js';
import { mountContainer, mountedContainers, listContainers, type MountedContainer } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  const noTrunc = o.noTrunc === true || o.notruncate === true;
  const format = (o.format as string | undefined) ?? '';
  if (p.args.length > 0 && o.all === true) throw new BerthError('INVALID_ARGUMENT', 'no arguments are needed with --all');
  const listing = p.args.length === 0 && o.all !== true;
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
      const names = o.all === true ? listContainers(store).map((c) => c.id) : p.args;
      for (const n of names) out += `${mountContainer(store, n).path}\n`;
    }
  } finally {
    store.close();
  }
  process.stdout.write(out);
  return 0;
}
