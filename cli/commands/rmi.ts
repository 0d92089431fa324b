/**
 * berth rmi / image rm IMAGE... — podman rmi: prints "Untagged: NAME" lines, then
 * "Deleted: ID" lines; every failure on its own "Error: ..." line. Exit code 0; 1 when the
 * only failures are missing images; 2 when an image is in use; 125 otherwise.
 */
import { BerthError } from '../../src/errors.js';
import { removeImages } from '../../src/local.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const all = p.flags.all === true;
  const force = p.flags.force === true;
  if (p.args.length === 0 && !all) throw new BerthError('INVALID_ARGUMENT', 'image name or ID must be specified');
  if (p.args.length > 0 && all)
    throw new BerthError('INVALID_ARGUMENT', 'when using the --all switch, you may not pass any images names or IDs');
  const store = openStore(g, 'free');
  let report;
  try {
    report = removeImages(store, p.args, { force, ignore: force || p.flags.ignore === true, noPrune: p.flags['no-prune'] === true });
  } finally {
    store.close();
  }
  let out = '';
  for (const u of report.untagged) out += `Untagged: ${u}\n`;
  for (const d of report.deleted) out += `Deleted: ${d}\n`;
  process.stdout.write(out);
  for (const f of report.failures) process.stderr.write(`Error: ${f.error.message}${f.error.hint ? ` (${f.error.hint})` : ''}\n`);
  return report.exitCode;
}
