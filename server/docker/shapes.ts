/**
 * berth's image data in the Docker Engine API's shapes: `sha256:` IDs, familiar names, unix
 * times, and the fields each API version has (VirtualSize before 1.44, Container and
 * ContainerConfig before 1.45).
 */
import {
  type ImageInspect,
  type ImageInspectConfig,
  type ImageRow,
  type InspectTime,
  createdTime,
  repoDigests,
  repoTags,
} from '../../src/index.js';
import { familiar } from './names.js';
import { versionBelow } from './versions.js';

export const dockerId = (id: string): string => (id.startsWith('sha256:') ? id : `sha256:${id}`);

/** A stored creation time as unix seconds (0 when unknown). */
export function unixCreated(row: { created: string | null }): number {
  const t = createdTime(row);
  return t.isZero ? 0 : t.sec;
}

export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  Manifests?: ManifestSummary[];
  RepoDigests: string[];
  RepoTags: string[];
  SharedSize: number;
  Size: number;
  VirtualSize?: number;
}

/** An OCI platform with its fields in the Go type's order (as dockerd writes it). */
export interface OciPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** An OCI descriptor with its fields in the Go type's order. */
export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: OciPlatform;
  artifactType?: string;
}

/** Docker's ImageManifestSummary (API 1.47): one manifest of an image, as `manifests=1` lists them. */
export interface ManifestSummary {
  ID: string;
  Descriptor: OciDescriptor;
  Available: boolean;
  Size: { Content: number; Total: number };
  Kind: 'image' | 'attestation' | 'unknown';
  ImageData?: { Platform: OciPlatform; Size: { Unpacked: number }; Containers: string[] | null };
  AttestationData?: { For: string };
}

export function ociPlatform(p: Partial<OciPlatform>): OciPlatform {
  return {
    architecture: p.architecture ?? '',
    os: p.os ?? '',
    ...(p['os.version'] ? { 'os.version': p['os.version'] } : {}),
    ...(p['os.features']?.length ? { 'os.features': p['os.features'] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

export function ociDescriptor(d: OciDescriptor): OciDescriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.urls?.length ? { urls: d.urls } : {}),
    ...(d.annotations && Object.keys(d.annotations).length ? { annotations: d.annotations } : {}),
    ...(d.platform ? { platform: ociPlatform(d.platform) } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
  };
}

/**
 * One manifest of an image as dockerd's ImageManifestSummary. `stored` is what the store holds of
 * it (absent: the manifest is only listed by the image's index): content is every stored blob it
 * references (manifest, config, layers as stored), unpacked the layers' tar sizes.
 */
export function manifestSummary(
  descriptor: OciDescriptor,
  stored?: { platform: OciPlatform; content: number; unpacked: number; containers: string[] },
): ManifestSummary {
  const content = stored?.content ?? 0;
  const unpacked = stored?.unpacked ?? 0;
  const annotations = descriptor.annotations ?? {};
  const base = { ID: descriptor.digest, Descriptor: ociDescriptor(descriptor), Available: stored !== undefined };
  // buildkit's attestation manifests, and entries for the unknown/unknown platform, are no images
  if ('vnd.docker.reference.type' in annotations) {
    const forDigest = annotations['vnd.docker.reference.digest'];
    return {
      ...base,
      Size: { Content: content, Total: content },
      Kind: forDigest ? 'attestation' : 'unknown',
      ...(forDigest ? { AttestationData: { For: forDigest } } : {}),
    };
  }
  if (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown')
    return { ...base, Size: { Content: content, Total: content }, Kind: 'unknown' };
  return {
    ...base,
    Size: { Content: content, Total: content + unpacked },
    Kind: 'image',
    ImageData: {
      Platform: descriptor.platform ? ociPlatform(descriptor.platform) : (stored?.platform ?? ociPlatform({})),
      Size: { Unpacked: unpacked },
      Containers: stored?.containers.length ? stored.containers : null,
    },
  };
}

/** One entry of GET /images/json (Docker's ImageSummary, keys in Docker's order). */
export function imageSummary(
  row: ImageRow,
  names: readonly string[],
  o: { apiVersion: string; parentId?: string; sharedSize?: number; size?: number; manifests?: ManifestSummary[] },
): ImageSummary {
  const size = o.size ?? row.size;
  const s: ImageSummary = {
    Containers: row.containers,
    Created: unixCreated(row),
    Id: dockerId(row.id),
    Labels: Object.keys(row.labels).length ? row.labels : null,
    ParentId: o.parentId ? dockerId(o.parentId) : '',
    ...(o.manifests ? { Manifests: o.manifests } : {}),
    RepoDigests: repoDigests(names, row).map(familiar),
    RepoTags: repoTags(names).map(familiar),
    SharedSize: o.sharedSize ?? -1,
    Size: size,
  };
  if (versionBelow(o.apiVersion, '1.44')) s.VirtualSize = size;
  return s;
}

const timeJSON = (t: InspectTime | null): string => (t === null ? '' : typeof t === 'string' ? t : t.toJSON());

/** Docker's container.Config as images carry it: every field, zero values included. */
function dockerConfig(c: ImageInspectConfig | undefined): Record<string, unknown> {
  const cfg = c ?? {};
  const out: Record<string, unknown> = {
    Hostname: '',
    Domainname: '',
    User: cfg.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (cfg.ExposedPorts) out.ExposedPorts = { ...cfg.ExposedPorts };
  Object.assign(out, {
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
  });
  Object.assign(out, {
    Image: '',
    Volumes: cfg.Volumes ? { ...cfg.Volumes } : null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: null,
    Labels: cfg.Labels ? { ...cfg.Labels } : null,
  });
  if (cfg.StopSignal) out.StopSignal = cfg.StopSignal;
  if (cfg.ArgsEscaped) out.ArgsEscaped = true;
  return out;
}

/** GET /images/{name}/json: Docker's ImageInspect from berth's inspect data. */
export function dockerInspect(i: ImageInspect, apiVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: dockerId(i.Id),
    RepoTags: i.RepoTags.map(familiar),
    RepoDigests: i.RepoDigests.map(familiar),
    Parent: i.Parent ? dockerId(i.Parent) : '',
    Comment: i.Comment,
    Created: timeJSON(i.Created),
  };
  const config = dockerConfig(i.Config);
  if (i.Healthcheck) config.Healthcheck = i.Healthcheck;
  if (versionBelow(apiVersion, '1.45')) {
    out.Container = '';
    out.ContainerConfig = dockerConfig(undefined);
  }
  Object.assign(out, {
    DockerVersion: i.Version,
    Author: i.Author,
    Config: config,
    Architecture: i.Architecture,
    Os: i.Os,
    Size: i.Size,
  });
  if (versionBelow(apiVersion, '1.44')) out.VirtualSize = i.Size;
  Object.assign(out, {
    GraphDriver: { Data: null, Name: 'berth' },
    RootFS: { Type: 'layers', Layers: i.RootFS.Layers ?? [] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  });
  return out;
}
