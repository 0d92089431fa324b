/**
 * POST /images/create?fromImage=NAME[&tag=TAG|DIGEST][&platform=OS/ARCH[/VARIANT]]: pull, with
 * Docker's progress stream. The name is read by Docker's rules (docker.io/library/ added, no
 * short-name search); `tag` may be a tag or a digest (the docker CLI sends a digest there) and
 * replaces what `fromImage` carries; without a tag anywhere every tag of the repository is
 * pulled, as dockerd does. A pull that fails before the registry answered with the image
 * (unknown repository or tag, refused credentials, unreachable registry) is answered with
 * Docker's status and message; a failure afterwards ends the stream with `errorDetail`.
 */
import {
  familiarName,
  formatReference,
  isDigest,
  parseNormalizedReference,
  parsePlatform,
  pullImage,
  repositoryName,
  type PlatformChoice,
  type ProgressEvent,
  type Reference,
} from '../../../src/index.js';
import { ApiError } from '../errors.js';
import { findDockerImage, familiar } from '../names.js';
import type { RequestContext } from '../route.js';
import { DOCKER_CONCURRENCY, PullProgress } from '../progress-json.js';
import { JsonStream } from './json-stream.js';
import { pullError } from './errors.js';
import { registryAccess } from './access.js';
import { emitImageEvent } from './events.js';
import { parseDockerName, withTag } from './refs.js';

/**
 * The reference dockerd pulls for fromImage and tag: a trailing ':' (sent by `pull -a`) is
 * dropped, a digest in `tag` replaces any tag or digest of the name, a tag replaces the name's
 * tag and keeps its digest. Bad input is a 400 in Docker's words.
 */
export function pullReference(fromImage: string, tag: string): Reference {
  let ref = parseDockerName(fromImage.replace(/:$/, ''));
  if (tag !== '') ref = isDigest(tag) ? { domain: ref.domain, path: ref.path, digest: tag } : withTag(ref, tag);
  if (ref.domain === 'docker.io' && ref.path === 'library/scratch') throw new ApiError(400, "'scratch' is a reserved name");
  return ref;
}

/** `platform` as the API takes it: "os/arch[/variant]", or an OS alone ("linux"). */
export function platformOf(q: string | null): PlatformChoice | undefined {
  if (!q) return undefined;
  if (!q.includes('/')) {
    if (/^[a-z0-9]+$/.test(q)) return { os: q };
    throw new ApiError(400, `invalid platform ${JSON.stringify(q)}: expected OS/ARCH[/VARIANT], e.g. linux/amd64`);
  }
  try {
    return parsePlatform(q.toLowerCase());
  } catch (e) {
    throw new ApiError(400, (e as Error).message);
  }
}

export async function pullHandler(ctx: RequestContext): Promise<void> {
  const ref = pullReference(ctx.query.get('fromImage') ?? '', ctx.query.get('tag') ?? '');
  const platform = platformOf(ctx.query.get('platform'));
  const allTags = ref.tag === undefined && ref.digest === undefined;
  const name = allTags ? repositoryName(ref) : formatReference(ref);
  const shown = familiarName(ref);
  const repository = familiarName({ domain: ref.domain, path: ref.path });
  const store = ctx.service.store();
  const before = allTags ? undefined : findDockerImage(store, name)?.id;

  const out = new JsonStream(ctx.res, ctx.service.stopping);
  const progress = new PullProgress(out.send, {
    // dockerd's row id: the tag, or the whole reference when pulling by digest
    tagOrDigest: ref.digest ? formatReference({ domain: ref.domain, path: ref.path, digest: ref.digest }) : (ref.tag ?? ''),
    familiarName: ref.path,
    concurrency: DOCKER_CONCURRENCY,
    allTags,
  });
  const onProgress = (e: ProgressEvent) => {
    // the registry gave the image: from here on, failures go into the stream
    if (e.kind === 'resolved' || e.kind === 'blob') out.open();
    progress.onProgress(e);
  };
  let result;
  try {
    result = await pullImage(store, name, {
      ...registryAccess(ctx.req, ref.domain),
      policy: 'always',
      allTags,
      platform,
      signal: out.signal,
      onProgress,
    });
  } catch (e) {
    const err = pullError(e, shown, repository);
    out.fail(err, err.message);
    out.end();
    return;
  }
  const updated = allTags ? progress.fetched : before !== result.ids[0];
  progress.finish(shown, updated);
  out.end();
  result.ids.forEach((id, i) => {
    const pulled = result.names[i] ?? name;
    emitImageEvent(ctx.service, store, 'pull', familiar(pulled), id, repositoryFamiliar(pulled));
  });
}

function repositoryFamiliar(name: string): string {
  try {
    const r = parseNormalizedReference(name);
    return familiarName({ domain: r.domain, path: r.path });
  } catch {
    return name;
  }
}
