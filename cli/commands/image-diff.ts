/** berth image diff NAME [BASE] — podman image diff: as diff, for an image only. */
import { runDiff } from './diff.js';
import type { Parsed } from '../flags.js';
import type { CommandDef } from '../command-table.js';
import type { GlobalOptions } from '../main.js';

export function run(p: Parsed, g: GlobalOptions, def: CommandDef): Promise<number> {
  return runDiff(p, g, def, 'image');
}
