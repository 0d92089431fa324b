import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import { copyImage, type CopyOptions } from '../copy/copy.js';
import { DockerArchiveReader, DockerArchiveSource, DockerArchiveRef } from '../transports/docker-archive/index.js';
import { LocalDestination, LocalRef } from '../transports/local/local.js';
import type { ImageSource } from '../transports/types.js';
import type { Store } from '../store/store.js';
import { indexTarFile, TarMembers } from '../util/tar.js';
import { openTarInput } from '../util/archive-input.js';
import { loadOciArchiveSources } from './load-oci.js';

export interface LoadOptions {
  /** Archive path, or a stream (stdin). */
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

/** podman's words when an input is neither archive format, with the reason for each format. */
function unsupportedPayload(reasons: string[]): BerthError {
  return new BerthError('INVALID_ARCHIVE', `payload does not match any of the supported image formats:\n${reasons.map((r) => ` * ${r}`).join('\n')}`);
}

function archiveMembers(file: string, what: string): TarMembers {
  try {
    return new TarMembers(indexTarFile(file, what), what);
  } catch (e) {
    // not a tar at all (a truncated or damaged tar keeps its own message)
    if (!(e instanceof BerthError) || e.data?.notTar !== true) throw e;
    throw unsupportedPayload([`oci-archive: ${e.message}`, `docker-archive: ${e.message}`]);
  }
}

/**
 * Load every image (and every name) of a docker-archive or oci-archive into the store.
 * All images are copied first and recorded in one transaction at the end, so a bad
 * archive leaves the store as it was.
 */
export async function loadImages(store: Store, opts: LoadOptions): Promise<LoadResult> {
  const what = opts.inputName ?? (typeof opts.input === 'string' ? opts.input : 'stdin');
  const file = await openTarInput(opts.input, what, { tempPath: (sfx) => store.tempPath(sfx) });
  const sources: { src: ImageSource; names: string[] }[] = [];
  const dests: LocalDestination[] = [];
  try {
    const members = archiveMembers(file.path, what);
    if (members.has('manifest.json')) {
      const reader = await DockerArchiveReader.open(file.path, what);
      for (const img of reader.images) {
        sources.push({ src: new DockerArchiveSource(new DockerArchiveRef(what, { index: img.index }), reader, img, false), names: img.localNames });
      }
    } else if (members.has('index.json') && members.has('oci-layout')) {
      sources.push(...await loadOciArchiveSources(file.path, what));
    } else {
      throw unsupportedPayload([
        `oci-archive: ${what}: no ${members.has('index.json') ? 'oci-layout' : 'index.json'} in the archive`,
        `docker-archive: ${what}: no manifest.json in the archive`,
      ]);
    }
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
