import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import { goErrnoText } from '../go/errno.js';
import { copyImage, type CopyOptions } from '../copy/copy.js';
import { openArchiveImages } from '../transports/archive.js';
import type { NamedSource } from '../transports/opened.js';
import { LocalDestination, LocalRef } from '../transports/local/local.js';
import type { Store } from '../store/store.js';
import { openTarInput } from '../util/archive-input.js';
import { download, isHttpUrl } from '../util/download.js';
import { policyJsonCheck } from '../config/policy-check.js';
import type { PolicyCheck, PolicySubject } from '../copy/policy.js';
import { DockerArchiveRef } from '../transports/docker-archive/reader.js';
import { OciArchiveRef } from '../transports/oci-archive/ref.js';
import { parseReferenceRaw } from '../reference/reference.js';

export interface LoadOptions {
  /** Archive path, http(s) URL (downloaded first, as podman), or a stream (stdin). */
  input: string | Readable;
  /** Shown in messages; defaults to the path or "stdin". */
  inputName?: string;
  onProgress?: CopyOptions['onProgress'];
  parallel?: number;
  /** policy.json to use instead of the default lookup (podman's load judges the archive as a source). */
  signaturePolicy?: string;
  /** Replaces the policy.json check. */
  policyCheck?: PolicyCheck;
}

export interface LoadResult {
  /** Names loaded ("docker.io/library/alpine:latest"), or "sha256:<id>" for untagged images. */
  names: string[];
  imageIds: string[];
}

/**
 * Load every image (and every name) of a docker-archive or oci-archive into the store.
 * All images are copied first and recorded in one transaction at the end, so a bad
 * archive leaves the store as it was.
 */
export async function loadImages(store: Store, opts: LoadOptions): Promise<LoadResult> {
  const what = opts.inputName ?? (typeof opts.input === 'string' ? opts.input : 'stdin');
  // a URL's body is spooled to a temporary file by openTarInput
  const input = typeof opts.input === 'string' && isHttpUrl(opts.input) ? await download(opts.input) : opts.input;
  // a file that cannot be found: podman's words (Go's os.Stat error)
  if (typeof input === 'string') {
    try {
      statSync(input);
    } catch (e) {
      throw new BerthError('INVALID_ARGUMENT', `stat ${input}: ${goErrnoText(e)}`, { subject: input, cause: e });
    }
  }
  const file = await openTarInput(input, what, { tempPath: (sfx) => store.tempPath(sfx) });
  let sources: NamedSource[] = [];
  const dests: LocalDestination[] = [];
  try {
    sources = await openArchiveImages(file.path, what);
    const check = opts.policyCheck ?? policyJsonCheck({ path: opts.signaturePolicy });
    const results: string[] = [];
    const ids: string[] = [];
    for (const { src, names } of sources) {
      const dest = new LocalDestination(new LocalRef(store, undefined, names), { deferred: true });
      dests.push(dest);
      const subject = policySubject(src.ref, what, names, sources.length);
      const r = await copyImage(src, dest, {
        verifyDiffIDs: true,
        onProgress: opts.onProgress,
        parallel: opts.parallel,
        policy: (_ref, manifest, image) => check(subject, manifest, image),
      });
      ids.push(r.imageId);
      results.push(...(names.length ? names : [`sha256:${r.imageId}`]));
    }
    LocalDestination.recordAll(store, dests);
    return { names: results, imageIds: ids };
  } finally {
    for (const d of dests) await d.close();
    for (const s of sources) await s.src.close();
    await file.cleanup();
  }
}

/**
 * The archive image as podman's load names it to the policy: a docker-archive image by its first
 * name ("docker-archive:PATH:NAME", else by position ":@N"), a single-image oci-archive by its path.
 */
function policySubject(ref: PolicySubject, path: string, names: string[], count: number): PolicySubject {
  if (ref.transport === 'docker-archive' && names.length > 0) return new DockerArchiveRef(path, { ref: parseReferenceRaw(names[0]!) });
  if (ref.transport === 'oci-archive' && count === 1) return new OciArchiveRef(path);
  return ref;
}
