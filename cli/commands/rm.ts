/**
 * berth rm / container rm CONTAINER... — podman rm: prints each name as given (the ID with
 * --all). A missing container: "no container with name or ID ... found: no such container",
 * exit 1, nothing removed (unless -i or -f). -l removes the container created last, --cidfile
 * the containers whose IDs the files hold.
 */
import { readFileSync } from 'node:fs';
import { BerthError, isBerthError } from '../../src/errors.js';
import { removeContainers } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';
import { goErrnoText } from '../../src/go/index.js';

/** The container ID a --cidfile file holds (its first line), in podman's words when it cannot be read. */
export function readCidFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]!;
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', `reading CIDFile: open ${file}: ${goErrnoText(e)}`);
  }
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  if (p.changed.has('time') && o.force !== true)
    throw new BerthError('INVALID_ARGUMENT', '--force option must be specified to use the --time option');
  const store = openStore(g, 'free');
  let removed;
  try {
    removed = removeContainers(store, p.args, {
      all: o.all === true,
      force: o.force === true,
      ignore: o.ignore === true,
      latest: o.latest === true,
      cidIds: p.changed.has('cidfile') ? (o.cidfile as string[]).map(readCidFile) : undefined,
      filters: o.filter as string[],
    });
  } catch (e) {
    if (isBerthError(e, 'CONTAINER_NOT_FOUND')) {
      process.stderr.write(`Error: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    store.close();
  }
  process.stdout.write(removed.map((r) => `${r.input}\n`).join(''));
  return 0;
}
