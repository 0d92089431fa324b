import { printTags } from './search.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  return printTags(p.args[0]!, p.opts);
}
