/** berth container diff NAME [BASE] — podman container diff: as diff, for a container only. */
import { runDiff } from './diff.js';
import type { Parsed } from '../flags.js';
import type { CommandDef } from '../command-table.js';
import type { GlobalOptions } from '../main.js';

export function run(p: Parsed, g: GlobalOptions, def: CommandDef): Promise<number> {
  return runDiff(p, g, def, 'container');
}
