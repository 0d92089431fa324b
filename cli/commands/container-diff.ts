/** berth container diff NAME — podman container diff: as diff, for a container only. */
import { runDiff } from './diff.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export function run(p: Parsed, g: GlobalOptions): Promise<number> {
  return runDiff(p, g, 'container');
}
