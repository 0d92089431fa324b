import { MT } from '../../media/types.js';

/**
 * The media type of a manifest whose container did not record one (dir: transport, index
 * entries missing from the index): its mediaType field, else inferred from its shape.
 * Returns '' when nothing can be said; the engine's strict parser has the last word.
 */
export function guessManifestMediaType(bytes: Uint8Array): string {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return '';
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return '';
  const o = doc as Record<string, unknown>;
  if (typeof o.mediaType === 'string' && o.mediaType !== '') return o.mediaType;
  if (o.schemaVersion === 1) return o.signatures !== undefined ? MT.DockerSchema1Signed : MT.DockerSchema1;
  if (o.schemaVersion === 2) {
    if (o.manifests !== undefined) return MT.OCIIndex;
    if (o.config !== undefined) return MT.OCIManifest;
  }
  return '';
}
