/**
 * berth version [--format json|TEMPLATE] — podman version's layout for what berth has: the
 * client block (berth's version, the Node.js it runs on, OS/Arch); `json` compact, as podman
 * prints it; a Go template over {Client: {...}}, and, as podman does when that fails to run, over
 * the client block itself (so `{{.Version}}` works too). `berth --version` prints one line.
 */
import { goJSON } from '../../src/go/index.js';
import { BerthError } from '../../src/errors.js';
import { hostPlatform } from '../../src/index.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import { VERSION } from '../main.js';

export async function run(p: Parsed): Promise<number> {
  const format = (p.opts.format as string | undefined) ?? '';
  const platform = hostPlatform();
  const client = { Version: VERSION, NodeVersion: process.version, OsArch: `${platform.os}/${platform.architecture}`, Os: platform.os };
  const report = { Client: client };
  if (isJSONFormat(format)) {
    process.stdout.write(`${goJSON(report)}\n`);
    return 0;
  }
  if (format === '') {
    const { tabwrite } = await import('../format/tabwriter.js');
    const lines = [
      ['Client:', 'berth'],
      ['Version:', client.Version],
      ['Node Version:', client.NodeVersion],
      ['OS/Arch:', client.OsArch],
    ];
    process.stdout.write(tabwrite(lines.map((l) => `${l.join('\t')}\n`).join('')));
    return 0;
  }
  const { renderOutput } = await import('../format/output.js');
  const render = (row: object, rowType: string) =>
    renderOutput([row], { format, defaultTemplate: '', headers: {}, name: 'version', rowType, single: true });
  let out: string;
  try {
    out = render(report, '*define.SystemVersionReport');
  } catch (e) {
    if (!(e instanceof BerthError)) throw e;
    out = render(client, '*define.Version');
  }
  process.stdout.write(out);
  return 0;
}
