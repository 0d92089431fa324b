import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import { copyImage, type CopyOptions } from '../copy/copy.js';
import { openArchiveImages } from '../transports/archive.js';
import type { NamedSource } from '../transports/opened.js';
import { LocalDestination, LocalRef } from '../transports/local/local.js';
import type { Store } from '../store/store.js';
import { openTarInput } from '../util/archive-input.js';

export interface LoadOptions {
  /** Archive path, http(s) URL (downloaded first, as podman), or a stream (stdin). */
  input: string | Readable;
  /** Shown in messages; defaults to the path or "stdin". */
  inputName?: string;
  onProgress?: CopyOptions['onProgress'];
  parallel?: number;
}

export interface LoadResult {
  /** Names loaded ("docker.io/library/alpine:latest"), or "sha256:<id>" for untagged images. */
  names: string[];
  imageIds: string[];
}

/** The body of an http(s) URL (spooled to a temporary file by openTarInput). */
async function download(url: string): Promise<Readable> {
  const [{ fetch }, { Readable: R }] = await Promise.all([import('undici'), import('node:stream')]);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new BerthError('NETWORK', `downloading from ${JSON.stringify(url)}: ${cause?.message ?? (e as Error).message}`, { cause: e });
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new BerthError('NETWORK', `downloading from ${JSON.stringify(url)}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  return R.fromWeb(res.body as import('node:stream/web').ReadableStream);
}

/**
 * Load every image (and every name) of a docker-archive or oci-archive into the store.
 * All images are copied first and recorded in one transaction at the end, so a bad
 * archive leaves the store as it was.
 */
export async function loadImages(store: Store, opts: LoadOptions): Promise<LoadResult> {
  const what = opts.inputName ?? (typeof opts.input === 'string' ? opts.input : 'stdin');
  const input = typeof opts.input === 'string' && /^https?:\/\//i.test(opts.input) ? await download(opts.input) : opts.input;
  const file = await openTarInput(input, what, { tempPath: (sfx) => store.tempPath(sfx) });
  let sources: NamedSource[] = [];
  const dests: LocalDestination[] = [];
  try {
    sources = await openArchiveImages(file.path, what);
    const results: string[] = [];
    const ids: string[] = [];
    for (const { src, names } of sources) {
      const dest = new LocalDestination(new LocalRef(store, undefined, names), { deferred: true });
      dests.push(dest);
      const r = await copyImage(src, dest, { verifyDiffIDs: true, onProgress: opts.onProgress, parallel: opts.parallel });
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
