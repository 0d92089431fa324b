/**
 * berth image tree IMAGE — podman image tree: the image's layers from the base up, marked
 * with the names of the images whose top layer they are; --whatrequires shows the layers
 * built on top of the image instead.
 */
import { imageTree } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const store = openStore(g, 'read');
  let out: string;
  try {
    out = imageTree(store, p.args[0]!, p.flags.whatrequires === true);
  } finally {
    store.close();
  }
  process.stdout.write(`${out}\n`);
  return 0;
}
