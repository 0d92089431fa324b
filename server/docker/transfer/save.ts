/**
 * GET /images/{name}/get and GET /images/get?names=A&names=B: a docker-archive tar of the
 * images, streamed (several images in one archive, each layer once). Names are read by
 * Docker's rules; a name without a tag means every local tag of that repository, as dockerd
 * does. Every name is checked before the first byte: an unknown one is a 404 "No such image".
 * A failure once the archive is under way ends the connection (the client sees a truncated tar).
 */
import { parseNormalizedReference, saveImages, formatReference, type Store } from '../../../src/index.js';
import { ApiError } from '../errors.js';
import { lookupDockerImage } from '../names.js';
import type { RequestContext } from '../route.js';
import { emitImageEvent } from './events.js';

const ID = /^(sha256:)?[a-f0-9]{1,64}$/;

/** The names saveImages gets for one input: its local tags (name-only), the qualified name, or the image ID. */
function expand(store: Store, input: string): string[] {
  let ref;
  try {
    ref = ID.test(input) ? undefined : parseNormalizedReference(input);
  } catch {
    ref = undefined;
  }
  if (ref && ref.tag === undefined && ref.digest === undefined) {
    // name only: every tag of the repository, as dockerd; none: as any other name
    const prefix = `${formatReference(ref)}:`;
    const all = store
      .listImages()
      .flatMap((img) => img.names)
      .filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes('@'));
    if (all.length) return [...new Set(all)].sort();
  }
  const row = lookupDockerImage(store, input);
  return ref?.tag !== undefined && !ref.digest ? [formatReference(ref)] : [`sha256:${row.id}`];
}

export async function saveHandler(ctx: RequestContext): Promise<void> {
  const inputs = ctx.params.name !== undefined ? [ctx.params.name] : ctx.query.getAll('names');
  if (inputs.length === 0) throw new ApiError(400, 'no images given: use names=IMAGE');
  const store = ctx.service.store();
  const images = [...new Set(inputs.flatMap((n) => expand(store, n)))];
  const ids = [...new Set(images.map((n) => lookupDockerImage(store, n).id))];
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await saveImages(store, { images, format: 'docker-archive', multiImage: true, output: ctx.res });
  } catch {
    // the status is sent: all a client can be told is that the archive ended early
    ctx.res.destroy();
    return;
  }
  if (!ctx.res.writableEnded) ctx.res.end();
  for (const id of ids) emitImageEvent(ctx.service, store, 'save', `sha256:${id}`, id, `sha256:${id}`);
}
