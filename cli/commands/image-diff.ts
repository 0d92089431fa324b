/** berth image diff NAME — podman image diff: as diff, for an image only. */
import { runDiff } from './diff.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export function run(p: Parsed, g: GlobalOptions): Promise<number> {
  return runDiff(p, g, 'image');
}
