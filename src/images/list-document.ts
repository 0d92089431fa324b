/**
 * The bytes of a manifest list assembled in the store (berth manifest): what `manifest push`
 * writes and `berth serve` serves, so both give the list the same digest.
 */
import { MT, serializeIndex, type ImageIndex } from '../media/index.js';

/**
 * The list type podman writes by default (libimage's preferOCI): an OCI index when anything
 * only OCI can say is there (annotations, artifact types) or, failing anything docker-only
 * (platform features), whenever the list has entries; an empty list is a docker list.
 */
export function preferredListType(ix: ImageIndex): string {
  if (ix.annotations && Object.keys(ix.annotations).length) return MT.OCIIndex;
  if (ix.manifests.some((m) => m.artifactType || (m.annotations && Object.keys(m.annotations).length))) return MT.OCIIndex;
  if (ix.manifests.some((m) => ((m.platform as { features?: string[] } | undefined)?.features ?? []).length > 0))
    return MT.DockerManifestList;
  return ix.manifests.length ? MT.OCIIndex : MT.DockerManifestList;
}

/** A list's bytes as they would be pushed: the asked format, else podman's choice. */
export function listDocument(index: ImageIndex, format?: 'oci' | 'v2s2'): { bytes: Buffer; mediaType: string } {
  const mediaType = format === 'oci' ? MT.OCIIndex : format === 'v2s2' ? MT.DockerManifestList : preferredListType(index);
  const ix: ImageIndex = { ...index, mediaType };
  if (mediaType === MT.DockerManifestList) {
    ix.manifests = ix.manifests.map((m) => {
      const { annotations: _a, artifactType: _t, ...rest } = m;
      return { ...rest, platform: rest.platform ?? { architecture: '', os: '' } };
    });
  }
  return { bytes: serializeIndex(ix, mediaType), mediaType };
}
