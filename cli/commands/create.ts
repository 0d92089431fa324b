/**
 * berth create / container create IMAGE [COMMAND [ARG...]] — podman create: prints the new
 * container's ID. The image is pulled first when --pull says so (default: when missing).
 * --cidfile also writes the ID to a new file; --replace removes the container with that name first.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { BerthError } from '../../src/errors.js';
import { createContainer, type CreatedContainer, type PullPolicy } from '../../src/index.js';
import { openStore } from '../open-store.js';
import { progressRenderer } from '../progress.js';
import { registryAccess } from '../registry-flags.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/**
 * --cidfile: created exclusively before anything else (podman's words when it exists), removed
 * again when the container cannot be created.
 */
function openCidFile(file: string): number {
  try {
    return openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BerthError('INVALID_ARGUMENT', `container id file exists. Ensure another container is not using it or delete ${file}`);
    throw new BerthError('INVALID_ARGUMENT', `opening cidfile ${file}`);
  }
}

/** --label KEY=VALUE (a KEY alone: an empty value), as podman reads them; the last one of a key wins. */
function parseLabels(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new BerthError('INVALID_ARGUMENT', `invalid label format: ${JSON.stringify(l)}`);
    out[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  if (o.replace === true && !p.changed.has('name'))
    throw new BerthError('INVALID_ARGUMENT', 'cannot replace container without --name being set');
  const cidfile = p.changed.has('cidfile') ? (o.cidfile as string) : undefined;
  const cidFd = cidfile !== undefined ? openCidFile(cidfile) : undefined;
  const progress = progressRenderer({ quiet: o.quiet === true });
  let created: CreatedContainer;
  try {
    const store = openStore(g);
    try {
      created = await createContainer(store, p.args[0]!, {
        name: p.changed.has('name') ? (o.name as string) : undefined,
        replace: o.replace === true,
        labels: p.changed.has('label') ? parseLabels(o.label as string[]) : undefined,
        command: p.args.slice(1),
        pull: o.pull as PullPolicy,
        pullOptions: {
          ...registryAccess(o),
          isTTY: !!(process.stdin.isTTY && process.stdout.isTTY),
          onProgress: progress.onProgress,
        },
      });
      progress.done();
    } finally {
      store.close();
    }
    if (cidFd !== undefined) writeSync(cidFd, created.id);
  } catch (e) {
    if (cidFd !== undefined) {
      closeSync(cidFd);
      rmSync(cidfile!, { force: true });
    }
    throw e;
  }
  if (cidFd !== undefined) closeSync(cidFd);
  // podman prints the replaced container's name (its removal), then the new ID
  process.stdout.write(`${created.replaced ? `${created.replaced.name}\n` : ''}${created.id}\n`);
  return 0;
}
