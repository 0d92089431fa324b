/**
 * Choosing and rewriting the entries of a manifest list / image index (no I/O): which
 * instances a multi-image copy keeps, and the list it writes afterwards. Rules follow
 * containers/image (copy/multiple.go): platforms match on OS and architecture only, every
 * requested platform must match at least one entry, and an empty result is refused.
 */
import { BerthError } from '../errors.js';
import type { Digest } from '../digest/digest.js';
import type { PlatformChoice } from '../platform/platform.js';
import { MT, type Descriptor, type ImageIndex } from './types.js';

/** Entries to copy: all of them, or those of the given platforms (in list order). */
export function selectInstances(index: ImageIndex, want: 'all' | readonly PlatformChoice[]): Descriptor[] {
  if (want === 'all') return [...index.manifests];
  const keep = new Set<Descriptor>();
  for (const p of want) {
    const os = p.os ?? '';
    const arch = p.arch ?? '';
    const hits = index.manifests.filter((m) => (m.platform?.os ?? '') === os && (m.platform?.architecture ?? '') === arch);
    if (hits.length === 0) throw new BerthError('NO_MATCHING_PLATFORM', `no instances found for platform ${os}/${arch}`);
    for (const h of hits) keep.add(h);
  }
  const out = index.manifests.filter((m) => keep.has(m));
  if (out.length === 0)
    throw new BerthError('NO_MATCHING_PLATFORM', 'requested operation filtered out all platforms and would create an empty image');
  return out;
}

/** What copying one instance produced: its manifest as written. */
export interface InstanceUpdate {
  from: Digest;
  digest: Digest;
  size: number;
  mediaType: string;
}

/** The list type of the other flavour (docker list <-> OCI index). */
export function otherListType(mt: string): string {
  return mt === MT.OCIIndex ? MT.DockerManifestList : MT.OCIIndex;
}

/**
 * The index to write: the kept entries in their order, each pointing at the manifest that
 * was written for it. Annotations and platforms are kept; a docker list drops what only OCI
 * has (entry annotations, artifactType).
 */
export function rewriteIndex(
  index: ImageIndex,
  kept: readonly Descriptor[],
  updates: readonly InstanceUpdate[],
  listType: string,
): ImageIndex {
  const byFrom = new Map(updates.map((u) => [u.from, u]));
  const docker = listType === MT.DockerManifestList;
  const manifests = kept.map((d) => {
    const u = byFrom.get(d.digest);
    const out: Descriptor = { ...d, ...(u ? { digest: u.digest, size: u.size, mediaType: u.mediaType } : {}) };
    if (docker) {
      delete out.annotations;
      delete out.artifactType;
    }
    return out;
  });
  const ix: ImageIndex = { schemaVersion: 2, mediaType: listType, manifests };
  if (!docker && index.annotations) ix.annotations = index.annotations;
  return ix;
}
