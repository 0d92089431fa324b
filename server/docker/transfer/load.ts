/**
 * POST /images/load[?quiet=0]: load every image of a docker-archive or oci-archive sent as
 * the body (compressed or not), answered as dockerd does with `{"stream":"Loaded image:
 * NAME\n"}` lines ("Loaded image ID: sha256:..." for an image without a name) and, unless
 * quiet (the default), a "Loading layer" bar per layer. All images are recorded together: a
 * bad archive records nothing and, when nothing was streamed yet, is answered 400.
 */
import { loadImages, type ProgressEvent } from '../../../src/index.js';
import { familiar } from '../names.js';
import type { RequestContext } from '../route.js';
import { loadProgress, streamMessage } from '../progress-json.js';
import { JsonStream } from './json-stream.js';
import { transferError } from './errors.js';
import { emitImageEvent } from './events.js';

/** dockerd's boolean query values: absent -> `def`; "", "0", "no", "false", "none" -> false. */
export function boolParam(v: string | null, def: boolean): boolean {
  if (v === null) return def;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

export async function loadHandler(ctx: RequestContext): Promise<void> {
  const quiet = boolParam(ctx.query.get('quiet'), true);
  const store = ctx.service.store();
  const out = new JsonStream(ctx.res, ctx.service.stopping);
  const bars = loadProgress(out.send);
  const onProgress = quiet
    ? undefined
    : (e: ProgressEvent) => {
        out.open();
        bars(e);
      };
  let r;
  try {
    r = await loadImages(store, { input: ctx.req, inputName: 'the request body', onProgress });
  } catch (e) {
    const err = transferError(e);
    out.fail(err, err.message);
    out.end();
    return;
  }
  for (const n of r.names) {
    out.send(streamMessage(n.startsWith('sha256:') ? `Loaded image ID: ${n}\n` : `Loaded image: ${familiar(n)}\n`));
  }
  out.end();
  for (const id of new Set(r.imageIds)) emitImageEvent(ctx.service, store, 'load', `sha256:${id}`, id, `sha256:${id}`);
}
