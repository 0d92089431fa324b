import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { type Reference, parseReferenceRaw, parseNormalizedReference, isShortName } from '../reference/reference.js';
import { copyImage, type CopyOptions } from '../copy/copy.js';
import { DockerArchiveWriter } from '../transports/docker-archive/index.js';
import { LocalRef, LocalSource } from '../transports/local/local.js';
import type { ImageDestination } from '../transports/types.js';
import type { Store } from '../store/store.js';
import { lookupImage } from './lookup.js';
import { openSaveTarget } from './save-targets.js';
import { checkOutputPath, outputWriteError } from '../util/output-file.js';
import { policyJsonCheck } from '../config/policy-check.js';
import type { PolicyCheck } from '../copy/policy.js';
import { digestOf } from '../digest/digest.js';
import { withDiffIDs } from './layer-progress.js';

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir' | 'docker-dir';

export interface SaveOptions {
  /** Images to save. Without multiImage, names after the first are extra tags for it (as podman). */
  images: string[];
  format?: SaveFormat;
  /** File or directory; a stream for archives written to stdout. */
  output: string | Writable;
  multiImage?: boolean;
  /** Write layers uncompressed also where the format allows compressed ones (oci-archive, oci-dir, docker-dir). */
  uncompressed?: boolean;
  onProgress?: CopyOptions['onProgress'];
  /** policy.json to use instead of the default lookup (podman's save judges each stored image as a source). */
  signaturePolicy?: string;
  /** Replaces the policy.json check. */
  policyCheck?: PolicyCheck;
}

/** Anything that receives images one by one and is finished (or aborted) at the end. */
export interface SaveTarget {
  newDestination(tags: Reference[]): ImageDestination | Promise<ImageDestination>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

export async function saveImages(store: Store, opts: SaveOptions): Promise<void> {
  const format = opts.format ?? 'docker-archive';
  if (opts.images.length === 0) throw new BerthError('INVALID_ARGUMENT', 'save needs at least one image');
  if (typeof opts.output === 'string') checkOutputPath(opts.output, 'output path', 'give a file name, or leave out -o to write to stdout');
  if (opts.multiImage && format !== 'docker-archive' && format !== 'oci-archive') {
    throw new BerthError('INVALID_ARGUMENT', `--multi-image-archive works only with --format docker-archive or oci-archive, not ${format}`);
  }
  // resolve everything before writing anything
  const groups: { id: string; tags: Reference[] }[] = [];
  const asTag = (name: string, id: string): Reference[] => {
    if (/^(sha256:)?[a-f0-9]{1,64}$/.test(name) && (name.startsWith('sha256:') || id.startsWith(name))) return [];
    const r = parseReferenceRaw(name);
    if (r.digest) return [];
    const n = isShortName(name)
      ? r.tag
        ? parseNormalizedReference(name)
        : { ...parseNormalizedReference(name), tag: 'latest' }
      : parseNormalizedReference(name);
    // podman keeps the name as the image knows it (localhost/ for local short names)
    const img = store.getImage(id)!;
    const known = img.names.find(
      (x) => x.endsWith(`/${r.path}:${r.tag ?? 'latest'}`) || x === `${n.domain}/${n.path}:${n.tag ?? 'latest'}`,
    );
    return [known ? parseReferenceRaw(known) : { ...n, tag: n.tag ?? 'latest' }];
  };
  if (opts.multiImage) {
    for (const name of opts.images) {
      const { id } = lookupImage(store, name);
      const g = groups.find((x) => x.id === id);
      if (g) g.tags.push(...asTag(name, id));
      else groups.push({ id, tags: asTag(name, id) });
    }
  } else {
    const { id } = lookupImage(store, opts.images[0]!);
    const tags = asTag(opts.images[0]!, id);
    for (const extra of opts.images.slice(1)) {
      const r = parseNormalizedReference(extra);
      tags.push({ ...r, tag: r.tag ?? 'latest' });
    }
    groups.push({ id, tags });
  }
  if (groups.length > 1 && format !== 'docker-archive' && format !== 'oci-archive') {
    throw new BerthError('INVALID_ARGUMENT', `${format} holds one image; use docker-archive or oci-archive for several`);
  }
  // the policy judges every image (by ID, as podman's save) before anything is written
  const check = opts.policyCheck ?? policyJsonCheck({ path: opts.signaturePolicy });
  for (const g of groups) {
    const src = new LocalSource(new LocalRef(store, g.id), g.id);
    const m = await src.getManifest();
    await check(src.ref, { digest: digestOf(m.bytes), mediaType: m.mediaType, bytes: m.bytes }, { signatures: () => src.getSignatures() });
  }
  const target: SaveTarget =
    format === 'docker-archive'
      ? typeof opts.output === 'string'
        ? await DockerArchiveWriter.toFile(opts.output)
        : DockerArchiveWriter.toStream(opts.output)
      : await openSaveTarget(format, opts.output);
  try {
    for (const g of groups) {
      const src = new LocalSource(new LocalRef(store, g.id), g.id);
      const dest = await target.newDestination(g.tags);
      try {
        // as podman save: archives cannot hold signatures, so they are left out
        await copyImage(src, dest, {
          onProgress: withDiffIDs(store, g.id, opts.onProgress),
          decompress: opts.uncompressed,
          removeSignatures: true,
        });
      } finally {
        await dest.close();
        await src.close();
      }
    }
    await target.finish();
  } catch (e) {
    await target.abort();
    throw outputWriteError(e, `cannot write the archive to ${typeof opts.output === 'string' ? opts.output : 'stdout'}`);
  }
}
