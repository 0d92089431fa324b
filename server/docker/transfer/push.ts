/**
 * POST /images/{name}/push[?tag=TAG]: push with Docker's progress stream and its closing
 * "TAG: digest: sha256:... size: N" line and aux {Tag, Digest, Size}. Without a tag in the
 * name or the query, every local tag of the repository is pushed (as dockerd). Credentials
 * come from X-Registry-Auth. An image that is not there locally, and a registry that refuses
 * the credentials or cannot be reached before the first layer, get Docker's status and
 * message (the docker CLI answers a 401 by asking for credentials and trying once more);
 * later failures end the stream with `errorDetail`.
 */
import { familiarName, formatReference, pushImage, repositoryName, type ProgressEvent, type Reference } from '../../../src/index.js';
import { ApiError } from '../errors.js';
import { findDockerImage } from '../names.js';
import type { RequestContext } from '../route.js';
import { DOCKER_CONCURRENCY, PushProgress, statusMessage } from '../progress-json.js';
import { JsonStream } from './json-stream.js';
import { pushError } from './errors.js';
import { registryAccess } from './access.js';
import { emitImageEvent } from './events.js';
import { parseDockerName, withTag } from './refs.js';

/** The repository and tag dockerd pushes for a path name and `tag` (the tag replaces the name's). */
export function pushReference(name: string, tag: string): Reference {
  const ref = parseDockerName(name);
  if (ref.digest) throw new ApiError(400, 'cannot push a digest reference');
  return tag !== '' ? withTag(ref, tag) : ref;
}

export async function pushHandler(ctx: RequestContext): Promise<void> {
  const ref = pushReference(ctx.params.name ?? '', ctx.query.get('tag') ?? '');
  const repo: Reference = { domain: ref.domain, path: ref.path };
  const store = ctx.service.store();
  // what to push, found before anything is streamed
  const prefix = `${repositoryName(repo)}:`;
  const tagged = store
    .listImages()
    .flatMap((img) => img.names.filter((n) => n.startsWith(prefix)).map((n) => ({ tag: n.slice(prefix.length), id: img.id })))
    .filter((x) => !x.tag.includes('@'));
  if (tagged.length === 0) throw new ApiError(404, `An image does not exist locally with the tag: ${familiarName(repo)}`);
  const tags = ref.tag !== undefined ? [ref.tag] : [...new Set(tagged.map((x) => x.tag))].sort();
  if (ref.tag !== undefined && !findDockerImage(store, formatReference(ref)))
    throw new ApiError(404, `tag does not exist: ${familiarName(ref)}`);

  const out = new JsonStream(ctx.res, ctx.service.stopping);
  out.send(statusMessage(`The push refers to repository [${repositoryName(repo)}]`));
  const access = registryAccess(ctx.req, ref.domain);
  for (const tag of tags) {
    const name = formatReference({ ...repo, tag });
    const progress = new PushProgress(out.send, { concurrency: DOCKER_CONCURRENCY });
    const onProgress = (e: ProgressEvent) => {
      // the registry answered about a layer (or took the manifest): failures go into the stream
      if ((e.kind === 'blob' && !e.isConfig) || e.kind === 'manifest') out.open();
      progress.onProgress(e);
    };
    let r;
    try {
      r = await pushImage(store, name, `docker://${name}`, { ...access, signal: out.signal, onProgress });
    } catch (e) {
      const err = pushError(e);
      out.fail(err, err.message);
      out.end();
      return;
    }
    out.open();
    progress.finish(tag, r.manifestDigest, r.manifestBytes.length);
    emitImageEvent(ctx.service, store, 'push', familiarName({ ...repo, tag }), r.imageId, familiarName(repo));
  }
  out.end();
}
