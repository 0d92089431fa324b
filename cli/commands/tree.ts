/**
 * berth image tree IMAGE — podman image tree: the image's layers from the base up, marked
 * with the names of the images whose top layer they are; --whatrequires shows the layers
 * built on top of the image instead.
 */
import { Store, imageTree } from '../../src/index.js';
import { parseArgs, type CommandSpec } from './image-args.js';
import type { GlobalOptions } from '../main.js';

const SPEC: CommandSpec = {
  usage: 'berth image tree [options] IMAGE',
  description: 'Print the layer hierarchy of an image.',
  flags: [
    { name: 'whatrequires', type: 'bool', help: 'show all child images and layers of the specified image' },
  ],
  minArgs: 1,
  maxArgs: 1,
};

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const p = parseArgs(argv, SPEC);
  if (p === 0) return 0;
  const store = Store.open(g.root !== undefined ? { root: g.root } : {});
  let out: string;
  try {
    out = imageTree(store, p.args[0]!, p.flags.whatrequires === true);
  } finally { store.close(); }
  process.stdout.write(`${out}\n`);
  return 0;
}
