/**
 * berth export / container export [-o FILE] CONTAINER — podman export: the container's root
 * filesystem as a tar archive, to FILE (written aside and renamed when complete) or to stdout
 * (never to a terminal).
 */
import { exportContainer } from '../../src/index.js';
import { openStore, usageError } from '../common.js';
import { stdoutArchive } from '../stdout-use.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const output = p.opts.output as string | undefined;
  if (output === undefined && process.stdout.isTTY) throw usageError('refusing to export to terminal. Use -o flag or redirect');
  stdoutArchive.active = output === undefined;
  const store = openStore(g, 'read');
  try {
    await exportContainer(store, p.args[0]!.replace(/^\//, ''), { output: output ?? process.stdout });
  } finally {
    store.close();
  }
  return 0;
}
