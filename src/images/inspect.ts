/**
 * `podman image inspect` data (containers/common libimage `inspect.go` ImageData), built
 * from the index row, the config blob and (for OCI annotations) the manifest blob.
 *
 * Two views of the same data are produced:
 *  - `json`: key order, names and null/omitted fields as podman's JSON (Go encoding/json of
 *    ImageData): RepoTags holds only tagged names, RepoDigests every repo@digest sorted,
 *    Config the OCI image config fields, History the config history;
 *  - `template`: the Go field names a `--format` template sees (`.ID`, `.Id`, `.Config.Env`,
 *    `.History` entries with `.CreatedBy`, times printing like Go's time.Time).
 * "GraphDriver" is left out: berth has no graph driver (layers are kept as blobs).
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { MT } from '../media/types.js';
import { goMap } from '../go/json.js';
import { GoTime, parseRFC3339 } from '../go/time.js';
import { neighbourhood, repoDigests, repoTags, type ImageSet } from './list.js';
import { lookupRecord } from './lookup.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const nonEmpty = (v: unknown): boolean => {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
};

function goTimeOf(v: unknown): InspectTime | null {
  if (typeof v !== 'string') return null;
  return parseRFC3339(v) ?? v;
}

/** ociv1.ImageConfig as podman shows it (omitempty fields in OCI order). */
function ociConfig(c: Record<string, unknown>): ImageInspectConfig {
  const out: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => {
    if (nonEmpty(v)) out[k] = v;
  };
  set('User', c.User);
  set('ExposedPorts', isObj(c.ExposedPorts) ? goMap(mapToEmpty(c.ExposedPorts)) : undefined);
  set('Env', Array.isArray(c.Env) ? c.Env : undefined);
  set('Entrypoint', Array.isArray(c.Entrypoint) ? c.Entrypoint : undefined);
  set('Cmd', Array.isArray(c.Cmd) ? c.Cmd : undefined);
  set('Volumes', isObj(c.Volumes) ? goMap(mapToEmpty(c.Volumes)) : undefined);
  set('WorkingDir', c.WorkingDir);
  set('Labels', isObj(c.Labels) ? goMap(c.Labels as Record<string, string>) : undefined);
  set('StopSignal', c.StopSignal);
  set('ArgsEscaped', c.ArgsEscaped === true ? true : undefined);
  return out;
}

function mapToEmpty(o: Record<string, unknown>): Record<string, object> {
  const r: Record<string, object> = {};
  for (const k of Object.keys(o)) r[k] = {};
  return r;
}

/** Docker's Schema2HealthConfig, field order as Go's struct. */
function healthcheck(h: unknown): ImageInspectHealthcheck | undefined {
  if (!isObj(h)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of ['Test', 'StartPeriod', 'StartInterval', 'Interval', 'Timeout', 'Retries']) if (nonEmpty(h[k])) out[k] = h[k];
  return out;
}

/** A time as Go's time.Time: prints RFC 3339 in JSON; the config's raw string when it does not parse. */
export type InspectTime = GoTime | string;

/** ociv1.ImageConfig as podman shows it: only the fields that are set, in OCI order. */
export interface ImageInspectConfig {
  User?: string;
  /** A Go map (sorted keys in JSON). */
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
}

/** One entry of the config's history (ociv1.History: JSON names, omitted when empty). */
export interface ImageInspectHistory {
  created?: InspectTime | null;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Docker's Schema2HealthConfig (durations in nanoseconds). */
export interface ImageInspectHealthcheck {
  Test?: string[];
  StartPeriod?: number;
  StartInterval?: number;
  Interval?: number;
  Timeout?: number;
  Retries?: number;
}

/**
 * podman's `image inspect` data (libimage ImageData), key for key and in podman's order, so
 * `goJSON(inspect, { indent: '     ', escapeHTML: false })` prints podman's JSON.
 * Maps (Labels, Annotations, Config.ExposedPorts, Config.Volumes) are null-prototype objects
 * (sorted keys in JSON); `null` stands for Go's nil; "GraphDriver" is left out (no graph driver).
 */
export interface ImageInspect {
  Id: string;
  /** The digest the image was pulled or loaded by (the index's when it came through one). */
  Digest: string;
  /** Names with a tag. */
  RepoTags: string[];
  /** repo@digest for every repository and manifest digest, sorted. */
  RepoDigests: string[];
  /** ID of the image with the same layers minus the top one and one history entry fewer, or "". */
  Parent: string;
  Comment: string;
  Created: InspectTime | null;
  Config: ImageInspectConfig;
  Version: string;
  Author: string;
  Architecture: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  RootFS: { Type: string; Layers: string[] | null };
  Labels: Record<string, string> | null;
  Annotations: Record<string, string> | null;
  ManifestType: string;
  User: string;
  History: ImageInspectHistory[] | null;
  /** Names the image has had, most recent first. */
  NamesHistory: string[] | null;
  /** Docker images only, when the config has one. */
  Healthcheck?: ImageInspectHealthcheck;
}

/** Inspect one image: any input `lookupImage` accepts (name, short name, full or partial ID, digest, name@digest). */
export function inspectImage(store: Store, nameOrId: string): ImageInspect {
  return inspectRow(store, lookupRecord(store, nameOrId));
}

/** The inspect data of one stored image record. `set` may be a listing's ImageSet (to reuse relations). */
export function inspectRow(store: Store, row: ImageRow, set?: ImageSet): ImageInspect {
  let cfg: Record<string, unknown>;
  try {
    const parsed = JSON.parse(store.readBlob(row.configDigest, 4 << 20).toString('utf8')) as unknown;
    if (!isObj(parsed)) throw new Error('not a JSON object');
    cfg = parsed;
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('STORE_CORRUPT', `image ${row.id.slice(0, 12)}: cannot read its config: ${(e as Error).message}`, {
      hint: 'run "berth system check"',
    });
  }
  const container = isObj(cfg.config) ? cfg.config : {};
  const rootfs = isObj(cfg.rootfs) ? cfg.rootfs : {};
  const history = Array.isArray(cfg.history) ? (cfg.history as unknown[]).filter(isObj) : null;

  let annotations: Record<string, string> = {};
  let comment = '';
  let health: ImageInspectHealthcheck | undefined;
  if (row.manifestMediaType === MT.OCIManifest) {
    try {
      const m = JSON.parse(store.readBlob(row.manifestDigest, 4 << 20).toString('utf8')) as { annotations?: unknown };
      if (isObj(m.annotations)) annotations = m.annotations as Record<string, string>;
    } catch {
      /* annotations stay empty */
    }
    comment = history && history.length > 0 ? str(history[0]!.comment) : '';
  } else if (row.manifestMediaType === MT.DockerManifest) {
    comment = str(cfg.comment);
    const cc = isObj(cfg.container_config) ? cfg.container_config : {};
    health = healthcheck(cc.Healthcheck) ?? healthcheck(container.Healthcheck);
  }

  const rel = set ?? neighbourhood(store, row);
  const relRow = rel.byId.get(row.id) ?? row;
  const parent = rel.parent(relRow)?.id ?? '';

  const jsonHistory =
    history &&
    history.map((h) => {
      const e: ImageInspectHistory = {};
      if (typeof h.created === 'string') e.created = goTimeOf(h.created);
      if (nonEmpty(h.created_by)) e.created_by = h.created_by as string;
      if (nonEmpty(h.author)) e.author = h.author as string;
      if (nonEmpty(h.comment)) e.comment = h.comment as string;
      if (h.empty_layer === true) e.empty_layer = true;
      return e;
    });
  const data: ImageInspect = {
    Id: row.id,
    Digest: row.digest,
    RepoTags: repoTags(row.names),
    RepoDigests: repoDigests(row.names, row),
    Parent: parent,
    Comment: comment,
    Created: goTimeOf(cfg.created),
    Config: ociConfig(container),
    Version: str(cfg.docker_version),
    Author: str(cfg.author),
    Architecture: str(cfg.architecture),
    Os: str(cfg.os),
    Size: row.size,
    VirtualSize: row.size,
    RootFS: { Type: str(rootfs.type), Layers: Array.isArray(rootfs.diff_ids) ? (rootfs.diff_ids as string[]) : null },
    Labels: isObj(container.Labels) ? goMap(container.Labels as Record<string, string>) : null,
    Annotations: goMap(annotations),
    ManifestType: row.manifestMediaType,
    User: str(container.User),
    History: jsonHistory,
    NamesHistory: row.namesHistory.length ? row.namesHistory : null,
  };
  if (health) data.Healthcheck = health;
  return data;
}
