/**
 * berth inspect / berth image inspect IMAGE... — podman's image inspect: a JSON array
 * (5-space indent, no HTML escaping, as podman's PrintGenericJSON), or a Go template per
 * image. Images that are not found are reported after the others; the exit code is then 125.
 * Kept light for start-up time: the template engine is loaded only with --format.
 */
import { BerthError } from '../../src/errors.js';
import { inspectImage, type ImageInspect } from '../../src/local.js';
import { goJSON } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const format = (p.flags.format as string | undefined) ?? 'json';
  const store = openStore(g, 'read');
  const found: ImageInspect[] = [];
  const errors: BerthError[] = [];
  try {
    for (const name of p.args) {
      try {
        found.push(inspectImage(store, name));
      } catch (e) {
        if (e instanceof BerthError && (e.code === 'IMAGE_NOT_FOUND' || e.code === 'AMBIGUOUS_IMAGE' || e.code === 'INVALID_REFERENCE'))
          errors.push(e);
        else throw e;
      }
    }
  } finally {
    store.close();
  }

  let out: string;
  if (format === '' || isJSONFormat(format)) {
    out = `${goJSON(found, { indent: '     ', escapeHTML: false })}\n`;
  } else {
    const { renderOutput } = await import('../format/output.js');
    const { inspectTemplateView } = await import('../format/inspect-view.js');
    out = renderOutput(found.map(inspectTemplateView), { format, defaultTemplate: format, headers: {} });
  }
  process.stdout.write(out);
  if (errors.length === 0) return 0;
  // podman's words: "inspecting object: NAME: image not known"
  for (const e of errors)
    process.stderr.write(
      `Error: ${e.code === 'IMAGE_NOT_FOUND' ? 'inspecting object: ' : ''}${e.message}${e.hint ? ` (${e.hint})` : ''}\n`,
    );
  return 125;
}
