/**
 * berth untag IMAGE [NAME...] — remove names from an image (podman untag); with no NAME,
 * every name. A NAME the image does not have is an error and nothing is removed.
 */
import { Store, untagImage } from '../../src/index.js';
import { parseArgs, type CommandSpec } from './image-args.js';
import type { GlobalOptions } from '../main.js';

const SPEC: CommandSpec = {
  usage: 'berth untag IMAGE [NAME...]',
  description: 'Remove a name from a local image (all names when none is given).',
  flags: [],
  minArgs: 1,
};

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const p = parseArgs(argv, SPEC);
  if (p === 0) return 0;
  const store = Store.open(g.root !== undefined ? { root: g.root } : {});
  try {
    untagImage(store, p.args[0]!, p.args.slice(1));
  } finally { store.close(); }
  return 0;
}
