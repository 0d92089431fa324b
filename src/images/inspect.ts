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
import { GoTime, parseRFC3339 } from './duration.js';
import { neighbourhood, repoDigests, repoTags, type ImageSet } from './list.js';

/** An object goJSON encodes as a Go struct (fields in insertion order, even lower-case ones). */
export class GoStruct {
  constructor(fields: Record<string, unknown>) {
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (this as Record<string, unknown>)[k] = v;
  }
}

/** A Go map: sorted keys in JSON, "<no value>" for a missing key in templates. */
export function goMap<T>(o: Record<string, T> | null | undefined): Record<string, T> | null {
  if (o === null || o === undefined || typeof o !== 'object') return null;
  return Object.assign(Object.create(null) as Record<string, T>, o);
}

/**
 * Go encoding/json output for the values built here: objects with a null prototype are
 * maps (sorted keys), other objects are structs (keys in insertion order), values with a
 * toJSON() (GoTime) use it. `indent` '' gives compact output (json.Encoder), otherwise
 * MarshalIndent-style; `escapeHTML` as json.Marshal (podman's inspect turns it off).
 */
export function encodeGoJSON(value: unknown, opts: { indent?: string; escapeHTML?: boolean; /** current indentation (for an element of an enclosing array) */ base?: string } = {}): string {
  const indent = opts.indent ?? '';
  const html = opts.escapeHTML ?? true;
  const quote = (s: string): string => {
    let q = JSON.stringify(s);
    if (/[\u2028\u2029]/.test(q)) q = q.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    if (html && /[<>&]/.test(q)) q = q.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
    return q;
  };
  const enc = (v: unknown, cur: string): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return quote(v);
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v !== 'object') return 'null';
    const tj = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof tj === 'function') return enc(tj.call(v), cur);
    const inner = cur + indent;
    const wrap = (open: string, items: string[], close: string): string => {
      if (items.length === 0) return open + close;
      if (!indent) return open + items.join(',') + close;
      return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${cur}${close}`;
    };
    if (Array.isArray(v)) return wrap('[', v.map((x) => enc(x, inner)), ']');
    let keys = Object.keys(v);
    if (Object.getPrototypeOf(v) === null) keys = keys.sort();
    const items: string[] = [];
    for (const k of keys) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      items.push(`${quote(k)}:${indent ? ' ' : ''}${enc(x, inner)}`);
    }
    return wrap('{', items, '}');
  };
  return enc(value, opts.base ?? '');
}

/** Attach a JSON form to a template view (used by `{{json .}}`), invisible to field lookup errors. */
function withJSON<T extends object>(view: T, json: unknown): T {
  Object.defineProperty(view, 'toJSON', { value: () => json, enumerable: false });
  return view;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const nonEmpty = (v: unknown): boolean => {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
};

function goTimeOf(v: unknown): GoTime | string | null {
  if (typeof v !== 'string') return null;
  return parseRFC3339(v) ?? v;
}

/** ociv1.ImageConfig as podman shows it (omitempty fields in OCI order). */
function ociConfig(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => { if (nonEmpty(v)) out[k] = v; };
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
function healthcheck(h: unknown): Record<string, unknown> | undefined {
  if (!isObj(h)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of ['Test', 'StartPeriod', 'StartInterval', 'Interval', 'Timeout', 'Retries']) if (nonEmpty(h[k])) out[k] = h[k];
  return out;
}

export interface ImageInspect {
  json: GoStruct;
  template: object;
}

/** Inspect one image by ID. `set` may be a listing's ImageSet (to reuse relations). */
export function inspectImage(store: Store, id: string, set?: ImageSet): ImageInspect {
  const row = set?.byId.get(id) ?? store.index.getImage(id);
  if (!row) throw new BerthError('IMAGE_NOT_FOUND', `${id}: image not known`);
  return inspectRow(store, row, set);
}

export function inspectRow(store: Store, row: ImageRow, set?: ImageSet): ImageInspect {
  let cfg: Record<string, unknown>;
  try {
    const parsed = JSON.parse(store.blobs.readBytes(row.configDigest, 4 << 20).toString('utf8')) as unknown;
    if (!isObj(parsed)) throw new Error('not a JSON object');
    cfg = parsed;
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('STORE_CORRUPT', `image ${row.id.slice(0, 12)}: cannot read its config: ${(e as Error).message}`, { hint: 'run "berth system check"' });
  }
  const container = isObj(cfg.config) ? cfg.config : {};
  const rootfs = isObj(cfg.rootfs) ? cfg.rootfs : {};
  const history = Array.isArray(cfg.history) ? (cfg.history as unknown[]).filter(isObj) : null;

  let annotations: Record<string, string> = {};
  let comment = '';
  let health: Record<string, unknown> | undefined;
  if (row.manifestMediaType === MT.OCIManifest) {
    try {
      const m = JSON.parse(store.blobs.readBytes(row.manifestDigest, 4 << 20).toString('utf8')) as { annotations?: unknown };
      if (isObj(m.annotations)) annotations = m.annotations as Record<string, string>;
    } catch { /* annotations stay empty */ }
    comment = history && history.length > 0 ? str(history[0]!.comment) : '';
  } else if (row.manifestMediaType === MT.DockerManifest) {
    comment = str(cfg.comment);
    const cc = isObj(cfg.container_config) ? cfg.container_config : {};
    health = healthcheck(cc.Healthcheck) ?? healthcheck(container.Healthcheck);
  }

  const rel = set ?? neighbourhood(store, row);
  const relRow = rel.byId.get(row.id) ?? row;
  const parent = rel.parent(relRow)?.id ?? '';

  const created = goTimeOf(cfg.created);
  const tags = repoTags(row.names);
  const digests = repoDigests(row.names, row);
  const config = ociConfig(container);
  const layers = Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : null;
  const labels = isObj(container.Labels) ? goMap(container.Labels as Record<string, string>) : null;
  const namesHistory = row.namesHistory.length ? row.namesHistory : null;

  const jsonHistory = history && history.map((h) => new GoStruct({
    created: typeof h.created === 'string' ? goTimeOf(h.created) : undefined,
    created_by: nonEmpty(h.created_by) ? h.created_by : undefined,
    author: nonEmpty(h.author) ? h.author : undefined,
    comment: nonEmpty(h.comment) ? h.comment : undefined,
    empty_layer: h.empty_layer === true ? true : undefined,
  }));
  const json = new GoStruct({
    Id: row.id,
    Digest: row.digest,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: parent,
    Comment: comment,
    Created: created,
    Config: config,
    Version: str(cfg.docker_version),
    Author: str(cfg.author),
    Architecture: str(cfg.architecture),
    Os: str(cfg.os),
    Size: row.size,
    VirtualSize: row.size,
    RootFS: { Type: str(rootfs.type), Layers: layers },
    Labels: labels,
    Annotations: goMap(annotations),
    ManifestType: row.manifestMediaType,
    User: str(container.User),
    History: jsonHistory,
    NamesHistory: namesHistory,
    Healthcheck: health,
  });

  const template = withJSON({
    ID: row.id,
    Id: row.id,
    Digest: row.digest,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: parent,
    Comment: comment,
    Created: created,
    // Go prints nil slices as [] and nil maps as map[]: the template view uses empty ones
    Config: withJSON({ User: '', ExposedPorts: goMap({}), Env: [], Entrypoint: [], Cmd: [], Volumes: goMap({}), WorkingDir: '', Labels: goMap({}), StopSignal: '', ArgsEscaped: false, ...config }, config),
    Version: str(cfg.docker_version),
    Author: str(cfg.author),
    Architecture: str(cfg.architecture),
    Os: str(cfg.os),
    Size: row.size,
    VirtualSize: row.size,
    RootFS: withJSON({ Type: str(rootfs.type), Layers: layers ?? [] }, { Type: str(rootfs.type), Layers: layers }),
    Labels: labels ?? goMap({}),
    Annotations: goMap(annotations),
    ManifestType: row.manifestMediaType,
    User: str(container.User),
    History: (history ?? []).map((h, i) => withJSON({
      Created: typeof h.created === 'string' ? goTimeOf(h.created) : null,
      CreatedBy: str(h.created_by),
      Author: str(h.author),
      Comment: str(h.comment),
      EmptyLayer: h.empty_layer === true,
    }, jsonHistory![i])),
    NamesHistory: row.namesHistory,
    HealthCheck: health ?? null,
  }, json);

  return { json, template };
}
