import type { Digest } from '../digest/digest.js';

export const MT = {
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerLayerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  DockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
  OCIManifest: 'application/vnd.oci.image.manifest.v1+json',
  OCIIndex: 'application/vnd.oci.image.index.v1+json',
  OCIConfig: 'application/vnd.oci.image.config.v1+json',
  OCILayer: 'application/vnd.oci.image.layer.v1.tar',
  OCILayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OCILayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OCIEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export type Compression = 'none' | 'gzip' | 'zstd';

/** The descriptor every layer/config/manifest reference carries: digest computed once. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** Single-image manifest: docker schema2 or OCI (normalized view). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

/** Docker manifest list or OCI index. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  [k: string]: unknown;
}

/** Image configuration (docker and OCI share the fields berth reads). */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: string; diff_ids: Digest[] };
  history?: HistoryEntry[];
  // docker-only fields kept when present
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  comment?: string;
  [k: string]: unknown;
}

export function isIndexMediaType(mt: string): boolean {
  return mt === MT.OCIIndex || mt === MT.DockerManifestList;
}
export function isManifestMediaType(mt: string): boolean {
  return mt === MT.OCIManifest || mt === MT.DockerManifest;
}

/** Compression of a layer as declared by its media type. */
export function layerCompression(mt: string): Compression {
  if (mt.endsWith('+gzip') || mt.endsWith('.gzip')) return 'gzip';
  if (mt.endsWith('+zstd') || mt.endsWith('.zstd')) return 'zstd';
  return 'none';
}

/** Layer media type for a manifest flavour and compression. */
export function layerMediaType(flavour: 'oci' | 'docker', c: Compression): string {
  if (flavour === 'oci') return c === 'gzip' ? MT.OCILayerGzip : c === 'zstd' ? MT.OCILayerZstd : MT.OCILayer;
  return c === 'gzip' ? MT.DockerLayerGzip : c === 'zstd' ? MT.DockerLayerZstd : MT.DockerLayer;
}

export function manifestFlavour(mt: string): 'oci' | 'docker' {
  return mt === MT.OCIManifest || mt === MT.OCIIndex ? 'oci' : 'docker';
}

export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;
export const MAX_CONFIG_SIZE = 4 * 1024 * 1024;
export const MAX_ARCHIVE_MANIFEST_SIZE = 1024 * 1024;
