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

/** Docker's ImageManifestSummary (API 1.47): one manifest of an image, as `manifests=1` lists them. */
export interface ManifestSummary {
  ID: string;
  Descriptor: { mediaType: string; digest: string; size: number; platform?: { architecture: string; os: string } };
  Available: boolean;
  Size: { Total: number; Content: number };
  Kind: 'image';
  ImageData: { Platform: { architecture: string; os: string }; Containers: string[]; Size: { Unpacked: number } };
}

/**
 * The manifest an image was stored from, as dockerd's ImageManifestSummary: its content is every blob
 * it references (all present: a stored image is complete), its unpacked size the layers' tar sizes.
 */
export function manifestSummary(row: ImageRow, o: { manifestSize: number; unpackedSize: number; containers: string[] }): ManifestSummary {
  const platform = { architecture: row.architecture ?? '', os: row.os ?? '' };
  const content = row.size;
  return {
    ID: row.manifestDigest,
    Descriptor: { mediaType: row.manifestMediaType, digest: row.manifestDigest, size: o.manifestSize, platform },
    Available: true,
    Size: { Total: content + o.unpackedSize, Content: content },
    Kind: 'image',
    ImageData: { Platform: platform, Containers: o.containers, Size: { Unpacked: o.unpackedSize } },
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
