/**
 * berth image mount [IMAGE...] — podman image mount: materialise each image's root file system
 * read-only in the store and print where (one IMAGE: just the path). With no IMAGE, list the
 * mounted images; `--all` mounts every image; `--format json` prints podman's JSON.
 */
import { mountImages } from '../../src/local.js';
import { goJSON } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import { tabwrite } from '../format/tabwriter.js';
import { usageError } from '../common.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const all = p.flags.all === true;
  const format = (p.flags.format as string | undefined) ?? '';
  if (all && p.args.length > 0) throw usageError('when using the --all switch, you may not pass any image names or IDs');
  if (format !== '' && !isJSONFormat(format)) throw usageError(`unknown --format argument: ${JSON.stringify(format)}`);
  const store = openStore(g, p.args.length === 0 && !all ? 'read' : 'write');
  let mounts;
  try {
    mounts = await mountImages(store, p.args, { all });
  } finally {
    store.close();
  }
  if (p.args.length === 1 && format === '' && !all) {
    process.stdout.write(`${mounts[0]!.path}\n`);
    return 0;
  }
  if (format !== '') {
    const rows = mounts.map((m) => ({ id: m.id, Names: [m.digest], Repositories: m.names, mountpoint: m.path }));
    process.stdout.write(`${goJSON(rows, { indent: ' ' })}\n`);
    return 0;
  }
  process.stdout.write(tabwrite(mounts.map((m) => `${m.names[0] ?? m.id}\t${m.path}\n`).join('')));
  return 0;
}
