/**
 * berth create / container create IMAGE [COMMAND [ARG...]] — podman create: prints the new
 * container's ID. The image is pulled first when --pull says so (default: when missing).
 */
import { createContainer, type PullPolicy } from '../../src/index.js';
import { openStore } from '../open-store.js';
import { progressRenderer } from '../progress.js';
import { registryAccess } from '../registry-flags.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  const progress = progressRenderer({ quiet: o.quiet === true });
  const store = openStore(g);
  let id: string;
  try {
    ({ id } = await createContainer(store, p.args[0]!, {
      name: p.changed.has('name') ? (o.name as string) : undefined,
      command: p.args.slice(1),
      pull: o.pull as PullPolicy,
      pullOptions: {
        ...registryAccess(o),
        isTTY: !!(process.stdin.isTTY && process.stdout.isTTY),
        onProgress: progress.onProgress,
      },
    }));
    progress.done();
  } finally {
    store.close();
  }
  process.stdout.write(`${id}\n`);
  return 0;
}
