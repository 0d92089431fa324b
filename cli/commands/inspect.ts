/**
 * berth inspect / image inspect / container inspect — podman's inspect: a JSON array (5-space
 * indent, no HTML escaping, as podman's PrintGenericJSON), or a Go template per object.
 * `inspect` looks for a container first, then an image (--type all, podman's default);
 * --type image|container looks for one kind only. Names that are not found are reported after
 * the others; the exit code is then 125. Kept light for start-up time: the template engine
 * is loaded only with --format, container sizes (--size) only when asked.
 */
import { BerthError } from '../../src/errors.js';
import { containerInspectData, inspectImage, latestContainer, tryLookupContainer, type ContainerSize } from '../../src/local.js';
import type { Store } from '../../src/local.js';
import { goJSON } from '../../src/go/index.js';
import { openStore } from '../open-store.js';
import { writeStdout } from '../stdout-use.js';
import { isJSONFormat } from '../format/json-format.js';
import type { CommandDef } from '../command-table.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

type Kind = 'image' | 'container' | 'all';

const NOT_FOUND = new Set(['IMAGE_NOT_FOUND', 'AMBIGUOUS_IMAGE', 'INVALID_REFERENCE', 'CONTAINER_NOT_FOUND']);

export async function run(p: Parsed, g: GlobalOptions, def?: CommandDef): Promise<number> {
  const format = (p.flags.format as string | undefined) ?? 'json';
  const kind: Kind = def?.name === 'container inspect' ? 'container' : def?.name === 'image inspect' ? 'image' : (p.flags.type as Kind);
  const store = openStore(g, 'read');
  // each object with its template view (images see libimage's Go field names)
  const found: { json: object; view?: object }[] = [];
  const errors: string[] = [];
  try {
    const latest = p.flags.latest === true;
    if (!latest && p.args.length === 0) throw new BerthError('INVALID_ARGUMENT', 'no names or ids specified');
    if (latest && p.args.length > 0) throw new BerthError('INVALID_ARGUMENT', '--latest and arguments cannot be used together');
    if (latest && kind === 'image') throw new BerthError('INVALID_ARGUMENT', 'latest is not supported for type "image"');
    const names = [...p.args];
    // podman refuses an empty name before it looks anything up (an image lookup's own words are docker/reference's)
    if (kind !== 'image' && names.includes('')) throw new BerthError('INVALID_ARGUMENT', 'name or ID cannot be empty');
    if (latest) {
      // podman prints the (empty) result before its error when there is no container
      const c = tryLatestContainer(store);
      if (c) names.push(c.id);
      else errors.push('inspecting object: no containers to inspect: no such container');
    }
    for (const name of names) {
      try {
        const c = kind !== 'image' && name !== '' ? tryLookupContainer(store, name) : undefined;
        if (c) {
          let size: ContainerSize | undefined;
          if (p.flags.size === true) size = await (await import('../../src/index.js')).containerSize(store, c.id);
          found.push({ json: containerInspectData(store, c, { size }) });
          continue;
        }
        if (kind === 'container') throw new BerthError('CONTAINER_NOT_FOUND', `no such container ${name}`);
        found.push({ json: inspectImage(store, name) });
      } catch (e) {
        if (!(e instanceof BerthError) || !NOT_FOUND.has(e.code)) throw e;
        // podman's words: "no such object" when it looked for every kind, else the kind's error
        const noObject = kind === 'all' && (e.code === 'IMAGE_NOT_FOUND' || e.code === 'INVALID_REFERENCE');
        const msg = noObject ? `no such object: ${JSON.stringify(name)}` : e.message;
        const prefix = e.code === 'AMBIGUOUS_IMAGE' ? '' : 'inspecting object: ';
        errors.push(`${prefix}${msg}${e.hint && !noObject ? ` (${e.hint})` : ''}`);
      }
    }
  } finally {
    store.close();
  }

  let out: string;
  if (format === '' || isJSONFormat(format)) {
    out = `${goJSON(
      found.map((f) => f.json),
      { indent: '     ', escapeHTML: false },
    )}\n`;
  } else {
    const { renderOutput } = await import('../format/output.js');
    const { inspectTemplateView } = await import('../format/inspect-view.js');
    const views = found.map((f) => (f.json instanceof Object && 'RepoTags' in f.json ? inspectTemplateView(f.json as never) : f.json));
    try {
      out = renderOutput(views, { format, defaultTemplate: format, headers: {}, name: 'inspect', rowType: 'interface {}' });
    } catch (e) {
      // podman's words for a template that fails while it runs (not for one that does not parse)
      if (e instanceof BerthError && e.data?.phase === 'execute') {
        throw new BerthError(e.code, `inspecting object: printing inspect output: ${e.message}`);
      }
      throw e;
    }
  }
  writeStdout(out);
  if (errors.length === 0) return 0;
  for (const e of errors) process.stderr.write(`Error: ${e}\n`);
  return 125;
}

/** The container created last, or undefined when there is none. */
function tryLatestContainer(store: Store): { id: string } | undefined {
  try {
    return latestContainer(store);
  } catch (e) {
    if (e instanceof BerthError && e.code === 'CONTAINER_NOT_FOUND') return undefined;
    throw e;
  }
}
