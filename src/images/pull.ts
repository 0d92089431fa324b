import { BerthError, isBerthError, abortable } from '../errors.js';
import { type Reference, formatReference, parseLocalReference, parseNormalizedReference, repositoryName } from '../reference/reference.js';
import { pullSources } from '../config/registries.js';
import type { SystemContext } from '../config/context.js';
import { resolveShortName } from '../config/shortnames.js';
import { copyImage, type CopyOptions } from '../copy/copy.js';
import { platformMismatch, type PlatformChoice } from '../platform/platform.js';
import { log } from '../log.js';
import type { PolicyCheck } from '../copy/policy.js';
import { LocalDestination, LocalRef } from '../transports/local/local.js';
import { parseImageName, transportOf } from '../transports/registry.js';
import type { ImageSource, ProgressEvent } from '../transports/types.js';
import type { OciRef } from '../transports/oci/ref.js';
import type { Store } from '../store/store.js';
import { tryLookupImage } from './lookup.js';
import type { RegistryAccessOptions } from './registry-access.js';
import { transferContext } from './context.js';
import { StoreBlobInfoCache } from '../store/blob-info-cache.js';
import { registryLocation } from '../copy/blob-info-cache.js';

export type PullPolicy = 'always' | 'missing' | 'never' | 'newer';

export interface PullOptions extends RegistryAccessOptions {
  policy?: PullPolicy;
  platform?: PlatformChoice;
  allTags?: boolean;
  /** Layers copied at once (default: containers.conf image_parallel_copies, else sensible for the machine). */
  parallel?: number;
  /** Short-name prompting is possible only with a TTY (podman: stdin and stdout). */
  isTTY?: boolean;
  prompt?: (choices: string[]) => Promise<number>;
  onProgress?: (e: ProgressEvent) => void;
  /** policy.json to use instead of the default lookup (--signature-policy). */
  signaturePolicy?: string;
  /** Replaces the policy.json check. */
  policyCheck?: PolicyCheck;
}

export interface PullResult {
  /** Image IDs pulled (or found locally), one per pulled tag. */
  ids: string[];
  /** Fully qualified names recorded. */
  names: string[];
}

/**
 * Pull as podman does: a name with a transport goes to that transport; a docker reference goes
 * through short-name resolution (aliases, search registries, short-name-mode) and
 * registries.conf (blocked, mirrors, rewrites); the first candidate that pulls wins.
 */
export async function pullImage(store: Store, name: string, opts: PullOptions = {}): Promise<PullResult> {
  return abortable(opts.signal, () => pullImageNow(store, name, opts));
}

async function pullImageNow(store: Store, name: string, opts: PullOptions = {}): Promise<PullResult> {
  const policy = opts.policy ?? 'missing';
  if (!['always', 'missing', 'never', 'newer'].includes(policy))
    throw new BerthError('INVALID_ARGUMENT', `unsupported pull policy ${JSON.stringify(policy)}`);
  const emit = opts.onProgress ?? (() => {});
  const ctx = transferContext(store, opts);
  const policyCheck = opts.policyCheck ?? ctx.policy();
  const conf = ctx.registriesConf();
  const parallel = ctx.parallelCopies(opts.parallel);

  // explicit transport (oci:, docker-archive: ...); docker:// names are registry references
  const transport = transportOf(name)?.name;
  if (transport !== undefined && transport !== 'docker') {
    if (opts.allTags) throw new BerthError('INVALID_ARGUMENT', '--all-tags works only with registry references');
    const ref = parseImageName(name);
    const ociName = ref.transport === 'oci' ? ociDirName((ref as OciRef).dir) : undefined;
    const src = await ref.newSource(ctx);
    try {
      const names = ociName ? [ociName] : pulledNames(src);
      const id = await copyInto(store, src, names, { ...opts, parallel, policyCheck });
      return { ids: [id], names };
    } finally {
      await src.close();
    }
  }
  // the docker transport checks its own syntax ("docker://NAME"); NAME is then pulled as typed
  let plain = name;
  if (transport === 'docker') {
    parseImageName(name);
    plain = name.slice('docker://'.length);
  }

  if (opts.allTags) {
    const ref = parseNormalizedReference(plain);
    if (ref.tag || ref.digest) throw new BerthError('INVALID_ARGUMENT', `--all-tags: ${plain} must not have a tag or digest`);
    const { parseDockerRef, listTags } = await import('../transports/docker/index.js');
    const dref = parseDockerRef(`//${repositoryName(ref)}`);
    const tags = await listTags(dref, ctx.registry(dref.registry, 'source'));
    const out: PullResult = { ids: [], names: [] };
    for (const tag of tags) {
      const r = await pullImage(store, `${repositoryName(ref)}:${tag}`, {
        ...opts,
        registriesConf: conf,
        parallel,
        policyCheck,
        allTags: false,
        policy: 'always',
      });
      out.ids.push(...r.ids);
      out.names.push(...r.names);
    }
    return out;
  }

  // local first, as the policy says
  if (policy === 'missing' || policy === 'never') {
    const local = tryLookupImage(store, plain);
    if (local) return { ids: [local.id], names: local.matchedName ? [local.matchedName] : [] };
    if (policy === 'never') throw new BerthError('IMAGE_NOT_FOUND', `${plain}: image not known`);
  }

  const resolution = await resolveShortName(plain, conf, { isTTY: !!opts.isTTY, prompt: opts.prompt });
  if (resolution.description) emit({ kind: 'message', text: resolution.description });
  const errors: string[] = [];
  for (const cand of resolution.candidates) {
    const candName = formatReference(cand.ref);
    try {
      // podman prints it for every candidate it actually pulls (not when --policy newer keeps the local image)
      const announce = () => emit({ kind: 'message', text: `Trying to pull ${candName}...` });
      const id = await pullCandidate(store, cand.ref, policy, ctx, { ...opts, parallel, policyCheck }, announce);
      try {
        resolution.recordAlias?.(cand.ref);
      } catch {
        /* the alias cache may be read-only: podman only logs it */
      }
      return { ids: [id], names: [candName] };
    } catch (e) {
      if (!isBerthError(e) || resolution.candidates.length === 1) throw e;
      errors.push(e.message.includes(candName) ? e.message : `${candName}: ${e.message}`);
    }
  }
  throw new BerthError('IMAGE_NOT_FOUND', `${plain}: no candidate could be pulled: ${errors.join('; ')}`);
}

/**
 * podman (libimage) names an image pulled from "oci:DIR[:REF]" after the directory, never after REF:
 * localhost/DIR:latest, leading slashes dropped ("oci:/srv/app:v2" -> localhost/srv/app:latest); a
 * directory that makes no valid name is refused before anything is read.
 */
function ociDirName(dir: string): string {
  const name = `localhost/${dir.replace(/^\/+/, '')}`;
  try {
    return formatReference(parseLocalReference(name));
  } catch (e) {
    if (!isBerthError(e)) throw e;
    // docker/reference's words: a reason only for these, else the bare "invalid reference format"
    const why = (e.data as { reason?: string } | undefined)?.reason ?? '';
    const shown = /^repository name must (be lowercase|not be more than|have at least)/.test(why) ? `: ${why}` : '';
    const q = JSON.stringify(name);
    throw new BerthError('INVALID_REFERENCE', `parsing ${q}: parsing named reference ${q}: invalid reference format${shown}`, {
      subject: name,
    });
  }
}

/**
 * The names of an image pulled from a file transport, as podman gives them: an oci-archive's
 * ref.name annotation as a local name (a short name goes under localhost/, :latest added);
 * a docker-archive's RepoTags; nothing from dir: or an archive without names (the image is
 * stored unnamed and its ID printed).
 */
function pulledNames(src: ImageSource): string[] {
  const given = src.names?.() ?? [];
  if (src.ref.transport === 'oci-archive') return given.map((n) => formatReference(parseLocalReference(n)));
  if (given.length) return given;
  return src.ref.dockerReference ? [formatReference(withTag(src.ref.dockerReference))] : [];
}

function withTag(r: Reference): Reference {
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: 'latest' } : r;
}

/** Pull one fully qualified reference, trying mirrors and the primary location in order. */
async function pullCandidate(
  store: Store,
  ref: Reference,
  policy: PullPolicy,
  ctx: SystemContext,
  opts: PullOptions,
  announce: () => void,
): Promise<string> {
  const { parseDockerRef, DockerSource, signatureStorageOf } = await import('../transports/docker/index.js');
  const sources = pullSources(ctx.registriesConf(), ref);
  // NAME:TAG@DIGEST is recorded as NAME@DIGEST: the digest is the truth (podman's NormalizeName)
  const localName = ref.digest ? `${repositoryName(ref)}@${ref.digest}` : formatReference(withTag(ref));
  const errors: string[] = [];
  let announced = false;
  for (const s of sources) {
    const dref = parseDockerRef(`//${formatReference(s.ref)}`);
    // a location registries.conf marks insecure is reached so unless --tls-verify says otherwise
    const access = {
      ...ctx.registry(dref.registry, 'source'),
      // sigstore attachments where registries.d enables them for this location
      ...(ctx.useSigstoreAttachments?.(dref.policyScope()) ? { sigstoreAttachments: true } : {}),
    };
    const signatureStorage = signatureStorageOf(ctx, dref);
    const src = new DockerSource(dref, {
      ...access,
      ...(opts.tlsVerify === undefined && s.insecure ? { insecure: true } : {}),
      ...(signatureStorage ? { signatureStorage } : {}),
    });
    try {
      if (policy === 'newer') {
        const local = tryLookupImage(store, localName);
        if (local) {
          const head = await (await src.client()).headManifest(dref.repository, dref.digest ?? dref.tag!);
          const row = store.getImage(local.id);
          if (head?.digest && row && row.digests.includes(head.digest)) return local.id;
        }
      }
      if (!announced) {
        announced = true;
        announce();
      }
      return await copyInto(store, src, [localName], opts, ref.digest);
    } catch (e) {
      if (!isBerthError(e) || sources.length === 1) throw e;
      errors.push(e.message.includes(formatReference(s.ref)) ? e.message : `${formatReference(s.ref)}: ${e.message}`);
    } finally {
      await src.close();
    }
  }
  throw new BerthError('REGISTRY_ERROR', `pulling ${formatReference(ref)} failed from every source: ${errors.join('; ')}`);
}

async function copyInto(
  store: Store,
  src: ImageSource,
  names: string[],
  opts: PullOptions,
  expectedDigest?: CopyOptions['expectedDigest'],
): Promise<string> {
  const dest = new LocalDestination(new LocalRef(store, undefined, names));
  try {
    const r = await copyImage(src, dest, {
      platform: opts.platform,
      parallel: opts.parallel,
      onProgress: opts.onProgress,
      verifyDiffIDs: true,
      expectedDigest,
      policy: opts.policyCheck,
      // the diffIDs computed here pair with the pulled blobs, which the source repository holds
      blobInfoCache: new StoreBlobInfoCache(store, registryLocation(src.ref)),
    });
    // as podman: the image is kept, with a warning (on the progress output, else in the log)
    const mismatch = platformMismatch(r.config, opts.platform);
    if (mismatch && opts.onProgress) opts.onProgress({ kind: 'message', text: `WARNING: ${mismatch}` });
    else if (mismatch) log.warn(mismatch);
    return r.imageId;
  } finally {
    await dest.close();
  }
}
