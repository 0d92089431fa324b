/**
 * berth tag SOURCE TARGET... — add names to an image (podman tag). A target without a
 * registry becomes localhost/NAME, one without a tag gets :latest. No output on success.
 */
import { Store, tagImage } from '../../src/index.js';
import { parseArgs, type CommandSpec } from './image-args.js';
import type { GlobalOptions } from '../main.js';

const SPEC: CommandSpec = {
  usage: 'berth tag IMAGE TARGET_NAME [TARGET_NAME...]',
  description: 'Add an additional name to a local image.',
  flags: [],
  minArgs: 2,
};

export async function run(argv: string[], g: GlobalOptions): Promise<number> {
  const p = parseArgs(argv, SPEC);
  if (p === 0) return 0;
  const store = Store.open(g.root !== undefined ? { root: g.root } : {});
  try {
    tagImage(store, p.args[0]!, p.args.slice(1));
  } finally { store.close(); }
  return 0;
}
