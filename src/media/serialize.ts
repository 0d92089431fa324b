import { goJSON, goMap } from '../go/json.js';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './types.js';

/** A platform in Go's struct order (architecture, os, os.version, os.features, variant). */
function platformJSON(p: Platform): Record<string, unknown> {
  const x = p as Platform & { features?: string[] };
  const o: Record<string, unknown> = { architecture: p.architecture, os: p.os };
  if (p['os.version']) o['os.version'] = p['os.version'];
  if (p['os.features']?.length) o['os.features'] = p['os.features'];
  if (p.variant) o.variant = p.variant;
  if (x.features?.length) o.features = x.features; // docker schema2 lists only
  return o;
}

/** Annotations are a Go map: keys sorted in JSON. */
function annotationsJSON(a: Record<string, string>): Record<string, string> {
  return goMap(a)!;
}

/**
 * Serialize a descriptor / manifest with a fixed key order (mediaType, size, digest, ...),
 * compact, as containers/image does, so a generated manifest has the same digest that
 * podman/skopeo would produce for the same content.
 */
function descriptorJSON(d: Descriptor): Record<string, unknown> {
  // image-spec field order: mediaType, digest, size, urls, annotations, platform, artifactType
  const o: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) o.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) o.annotations = annotationsJSON(d.annotations);
  if (d.platform) o.platform = platformJSON(d.platform);
  if (d.artifactType) o.artifactType = d.artifactType;
  return o;
}

function dockerDescriptorJSON(d: Descriptor): Record<string, unknown> {
  const o: Record<string, unknown> = { mediaType: d.mediaType, size: d.size, digest: d.digest };
  if (d.urls?.length) o.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) o.annotations = annotationsJSON(d.annotations);
  if (d.platform) o.platform = platformJSON(d.platform);
  return o;
}

export function serializeManifest(m: ImageManifest, mediaType: string): Buffer {
  if (mediaType.startsWith('application/vnd.docker.')) {
    return Buffer.from(
      goJSON({
        schemaVersion: 2,
        mediaType,
        config: dockerDescriptorJSON(m.config),
        layers: m.layers.map(dockerDescriptorJSON),
      }),
    );
  }
  const o: Record<string, unknown> = { schemaVersion: 2, mediaType };
  if (m.artifactType) o.artifactType = m.artifactType;
  o.config = descriptorJSON(m.config);
  o.layers = m.layers.map(descriptorJSON);
  if (m.subject) o.subject = descriptorJSON(m.subject);
  if (m.annotations && Object.keys(m.annotations).length) o.annotations = annotationsJSON(m.annotations);
  return Buffer.from(goJSON(o));
}

export function serializeIndex(ix: ImageIndex, mediaType: string): Buffer {
  const docker = mediaType.startsWith('application/vnd.docker.');
  const o: Record<string, unknown> = { schemaVersion: 2, mediaType };
  o.manifests = ix.manifests.map(docker ? dockerDescriptorJSON : descriptorJSON);
  if (!docker && ix.annotations && Object.keys(ix.annotations).length) o.annotations = annotationsJSON(ix.annotations);
  return Buffer.from(goJSON(o));
}
