/**
 * POST /images/create?fromSrc=-|URL[&repo=NAME][&tag=TAG][&message=TEXT][&changes=...]: a
 * one-layer image from a root filesystem tarball (the body, or downloaded from the URL; plain
 * or compressed), answered as dockerd does with `{"status":"sha256:<id>"}`. The name follows
 * Docker's rules (docker.io/library/ added). Any failure is answered with a status: nothing is
 * streamed before the image exists.
 */
import { formatReference, importImage, withDefaultTag, type Reference } from '../../../src/index.js';
import { ApiError } from '../errors.js';
import type { RequestContext } from '../route.js';
import { statusMessage } from '../progress-json.js';
import { JsonStream } from './json-stream.js';
import { transferError } from './errors.js';
import { emitImageEvent } from './events.js';
import { parseDockerName, withTag } from './refs.js';
import { platformOf } from './pull.js';

/** dockerd's name for repo and tag: a tag replaces the repository's, a digest is refused. */
export function importReference(repo: string, tag: string): Reference | undefined {
  if (repo === '') return undefined;
  const ref = parseDockerName(repo);
  if (ref.digest) throw new ApiError(400, 'cannot import digest reference');
  return withDefaultTag(tag !== '' ? withTag(ref, tag) : ref);
}

export async function importHandler(ctx: RequestContext): Promise<void> {
  const src = ctx.query.get('fromSrc') ?? '';
  const ref = importReference(ctx.query.get('repo') ?? '', ctx.query.get('tag') ?? '');
  let input: string | typeof ctx.req = ctx.req;
  if (src !== '-') {
    const url = src.includes('://') ? src : `http://${src}`;
    if (!/^https?:\/\/[^/]/i.test(url))
      throw new ApiError(400, `fromSrc must be "-" or an http(s) URL, not ${JSON.stringify(src.slice(0, 200))}`);
    input = url;
  }
  const store = ctx.service.store();
  const out = new JsonStream(ctx.res, ctx.service.stopping);
  let r;
  try {
    r = await importImage(store, {
      input,
      reference: ref ? formatReference(ref) : undefined,
      message: ctx.query.get('message') || `Imported from ${src}`,
      changes: ctx.query.getAll('changes'),
      platform: platformOf(ctx.query.get('platform')),
    });
  } catch (e) {
    const err = transferError(e);
    out.fail(err, err.message);
    out.end();
    return;
  }
  out.send(statusMessage(`sha256:${r.id}`));
  out.end();
  emitImageEvent(ctx.service, store, 'import', `sha256:${r.id}`, r.id, `sha256:${r.id}`);
}
