/**
 * The image metadata endpoints: listing, inspect, history, tag, remove, prune. Each handler
 * resolves names by Docker's rules (names.ts), makes one library call and answers in Docker's
 * shapes (shapes.ts); those that change images emit events for GET /events.
 */
import {
  type ImageRow,
  diskUsage,
  formatReference,
  imageHistory,
  inspectDistribution,
  searchRegistry,
  inspectImage,
  isBerthError,
  listImages,
  parseReferenceRaw,
  pruneImages,
  removeImages,
  repositoryName,
  tagImage,
  type RemoveReport,
  repoDigests,
  type Store,
  type Digest,
  type ImageIndex,
  isIndexMediaType,
  isManifestMediaType,
  MAX_MANIFEST_SIZE,
  parseManifestDocument,
} from '../../src/index.js';
import type { RequestContext, Route } from './route.js';
import { ApiError } from './errors.js';
import { sendJSON, sendJSONText } from './json.js';
import { checkFilterKeys, filterBool, parseFilters, referenceMatches } from './filters.js';
import { dockerName, familiar, findDockerImage, lookupDockerImage, noSuchImage, normalizeDockerReference } from './names.js';
import { dockerId, dockerInspect, imageSummary, manifestSummary, ociPlatform, type ManifestSummary } from './shapes.js';
import { versionBelow } from './versions.js';
import type { EventBus } from './events.js';
import { registryAccess } from './transfer/access.js';

/** Docker's httputils.BoolValue: anything but "", "0", "no", "false", "none" is true. */
export function queryBool(q: URLSearchParams, key: string): boolean {
  const v = (q.get(key) ?? '').trim().toLowerCase();
  return !['', '0', 'no', 'false', 'none'].includes(v);
}

/** Run a library call on an image found a moment ago: if it went away meanwhile, it is "No such image". */
function stillThere<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isBerthError(e, 'IMAGE_NOT_FOUND')) throw noSuchImage(name);
    throw e;
  }
}

/** Docker's list filters turned into berth's (before/since name images by Docker's rules). */
function listFilters(store: Store, raw: string | null): string[] {
  const f = parseFilters(raw);
  checkFilterKeys(f, ['before', 'dangling', 'label', 'label!', 'reference', 'since', 'until']);
  const out: string[] = [];
  for (const [k, values] of f)
    for (const v of values) {
      if (k === 'before' || k === 'since') {
        const row = findDockerImage(store, v);
        if (!row) throw noSuchImage(v);
        out.push(`${k}=${row.id}`);
      } else if (k === 'dangling') out.push(`dangling=${filterBool(k, v)}`);
      else if (k === 'label!') out.push(`label!=${v}`);
      else out.push(`${k}=${v}`);
    }
  return out;
}

/**
 * Listings kept while the store does not change (Store.generation: any commit, by this process
 * or another, changes it), so a warm service answers a listing without reading the index; keyed by the query and API version. Listings relative
 * to the current time (until=DURATION) or costing a look at every blob (shared-size) are not kept.
 */
const listings = new Map<string, string>();
const LISTINGS_KEPT = 16;

async function list({ req, res, query, apiVersion, service }: RequestContext): Promise<void> {
  const store = service.store();
  const cacheable = !queryBool(query, 'shared-size') && !(query.get('filters') ?? '').includes('until');
  const key = cacheable ? `${store.root} ${store.generation()} ${apiVersion} ${new URL(req.url ?? '/', 'http://x').search}` : '';
  const cached = cacheable ? listings.get(key) : undefined;
  if (cached !== undefined) return sendJSONText(res, 200, cached);
  const filters = listFilters(store, query.get('filters'));
  const { images, set } = listImages(store, { all: queryBool(query, 'all'), filters });
  // as Docker: with reference filters, an image shows only the names that match them
  const refs = parseFilters(query.get('filters')).get('reference') ?? [];
  const shown = (names: string[]) => (refs.length ? names.filter((n) => referenceMatches(refs, familiar(n))) : names);
  // SharedSize is -1 unless asked for (it costs a look at every blob)
  const shared = queryBool(query, 'shared-size') ? new Map(diskUsage(store).images.map((i) => [i.id, i.sharedSize])) : undefined;
  // RepoDigests are always there (dockerd ignores `digests`); Manifests from API 1.47 when asked for
  const withManifests = queryBool(query, 'manifests') && !versionBelow(apiVersion, '1.47');
  const out = images.map(({ row, names }) =>
    imageSummary(row, shown(names), {
      apiVersion,
      parentId: set.parent(row)?.id,
      ...(shared ? { sharedSize: shared.get(row.id) ?? 0 } : {}),
      ...(withManifests ? { manifests: manifestsOf(store, row) } : {}),
    }),
  );
  out.sort((a, b) => b.Created - a.Created);
  const body = JSON.stringify(out) + '\n';
  if (cacheable) {
    if (listings.size >= LISTINGS_KEPT) listings.delete(listings.keys().next().value!);
    listings.set(key, body);
  }
  sendJSONText(res, 200, body);
}

/**
 * The manifests of a stored image for `manifests=1`, as dockerd lists those of an image: every
 * entry of the index it was pulled through (in the index's order; available when the store holds
 * an image of that manifest), else the one manifest it was stored from.
 */
function manifestsOf(store: Store, row: ImageRow): ManifestSummary[] {
  // undefined when the image went meanwhile (another process removed it)
  const stored = (id: string) => {
    const r = store.getImage(id);
    if (!r) return undefined;
    const layers = store.manifestLayers(r.manifestDigest);
    return {
      platform: ociPlatform({ architecture: r.architecture ?? '', os: r.os ?? '' }),
      content: (store.blobSize(r.manifestDigest) ?? 0) + r.configSize + layers.reduce((a, l) => a + l.size, 0),
      unpacked: layers.reduce((a, l) => a + Math.max(0, l.uncompressedSize), 0),
      containers: store.containersUsingImage(r.id),
    };
  };
  const index = row.digest !== row.manifestDigest ? storedIndex(store, row.digest) : undefined;
  if (!index) {
    const size = store.blobSize(row.manifestDigest) ?? 0;
    return [manifestSummary({ mediaType: row.manifestMediaType, digest: row.manifestDigest, size }, stored(row.id))];
  }
  return index.manifests
    .filter((d) => isManifestMediaType(d.mediaType))
    .map((d) => {
      const ids = store.imageIdsForManifest(d.digest).filter((id) => store.getImage(id)?.manifestDigest === d.digest);
      // this image's own manifest first: its containers and sizes are the ones asked about
      const id = ids.includes(row.id) ? row.id : ids[0];
      return manifestSummary(d, id === undefined ? undefined : stored(id));
    });
}

/** The index stored under `digest`, or undefined (not an index, or unreadable). */
function storedIndex(store: Store, digest: Digest): ImageIndex | undefined {
  const info = store.manifestInfo(digest);
  if (!info || !isIndexMediaType(info.mediaType)) return undefined;
  try {
    const doc = parseManifestDocument(store.readBlob(digest, MAX_MANIFEST_SIZE), info.mediaType, `index ${digest}`);
    return doc.kind === 'index' ? doc.index : undefined;
  } catch {
    return undefined;
  }
}

/** Inspect answers kept while the store does not change, as listings are. */
const inspects = new Map<string, string>();
const INSPECTS_KEPT = 512;

async function inspect({ res, params, apiVersion, service }: RequestContext): Promise<void> {
  const store = service.store();
  const key = `${store.root} ${store.generation()} ${apiVersion} ${params.name!}`;
  const cached = inspects.get(key);
  if (cached !== undefined) return sendJSONText(res, 200, cached);
  const row = lookupDockerImage(store, params.name!);
  const body =
    JSON.stringify(
      dockerInspect(
        stillThere(params.name!, () => inspectImage(store, row.id)),
        apiVersion,
      ),
    ) + '\n';
  if (inspects.size >= INSPECTS_KEPT) inspects.delete(inspects.keys().next().value!);
  inspects.set(key, body);
  sendJSONText(res, 200, body);
}

async function history({ res, params, service }: RequestContext): Promise<void> {
  const store = service.store();
  const row = lookupDockerImage(store, params.name!);
  const h = stillThere(params.name!, () => imageHistory(store, row.id));
  sendJSON(
    res,
    200,
    h.map((e) => ({
      Id: e.id === '<missing>' ? e.id : dockerId(e.id),
      Created: e.created.isZero ? 0 : e.created.sec,
      CreatedBy: e.createdBy,
      Tags: e.tags.length ? e.tags.map(familiar) : null,
      Size: e.size,
      Comment: e.comment,
    })),
  );
}

async function tag({ res, params, query, service }: RequestContext): Promise<void> {
  const repo = query.get('repo') ?? '';
  const tagValue = query.get('tag') ?? '';
  if (repo === '') throw new ApiError(400, 'repo parameter is required');
  const ref = normalizeDockerReference(repo);
  if (ref.digest !== undefined || tagValue.startsWith('sha256:'))
    throw new ApiError(400, 'refusing to create a tag with a digest reference');
  if (tagValue !== '') {
    if (!/^[\w][\w.-]{0,127}$/.test(tagValue)) throw new ApiError(400, 'invalid tag format');
    ref.tag = tagValue;
  }
  const target = formatReference(ref);
  const store = service.store();
  const row = lookupDockerImage(store, params.name!);
  stillThere(params.name!, () => tagImage(store, row.id, [target]));
  service.events.emit({ Type: 'image', Action: 'tag', Actor: { ID: dockerId(row.id), Attributes: { name: familiar(target) } } });
  res.writeHead(201, { 'Content-Length': 0 });
  res.end();
}

const repoOf = (name: string): string => {
  try {
    return repositoryName(parseReferenceRaw(name));
  } catch {
    return name;
  }
};

/**
 * Docker's answer to a removal (and its events): untagged references, then deleted IDs. As dockerd,
 * a repository's digest references (NAME@DIGEST, its RepoDigests) are untagged with its last tag, and
 * an image deleted by ID loses every reference, in lexical order; `untagged` are references said first.
 */
function removalAnswer(
  row: ImageRow,
  report: RemoveReport,
  events: EventBus,
  o: { untagged?: string[]; byId?: boolean } = {},
): Record<string, string>[] {
  const id = row.id;
  const refs: string[] = [...(o.untagged ?? [])];
  const add = (r: string) => {
    if (!refs.includes(r)) refs.push(r);
  };
  if (o.byId) [...report.untagged, ...repoDigests(report.untagged, row)].map(familiar).sort().forEach(add);
  else
    for (const n of report.untagged) {
      add(familiar(n));
      const repo = repoOf(n);
      const left = row.names.filter((x) => !report.untagged.includes(x) && !x.includes('@') && repoOf(x) === repo);
      if (left.length === 0 || report.deleted.includes(id)) repoDigests([n], row).map(familiar).forEach(add);
    }
  const out: Record<string, string>[] = [];
  for (const r of refs) {
    out.push({ Untagged: r });
    events.emit({ Type: 'image', Action: 'untag', Actor: { ID: dockerId(id), Attributes: { name: dockerId(id) } } });
  }
  for (const d of report.deleted) {
    out.push({ Deleted: dockerId(d) });
    events.emit({ Type: 'image', Action: 'delete', Actor: { ID: dockerId(d), Attributes: { name: dockerId(d) } } });
  }
  return out;
}

async function remove({ res, params, query, service }: RequestContext): Promise<void> {
  const name = params.name!;
  const force = queryBool(query, 'force');
  const noPrune = queryBool(query, 'noprune');
  const store = service.store();
  const row = lookupDockerImage(store, name);
  const short = row.id.slice(0, 12);
  const hex = name.replace(/^sha256:/, '');
  const byDigest = name.includes('@');
  const byName = !(/^[a-f0-9]+$/.test(hex) && row.id.startsWith(hex) && !namedAs(row, name)) && !byDigest;
  const users = store.containersUsingImage(row.id);
  let report: RemoveReport;
  if (byDigest) {
    const full = dockerName(name);
    if (!row.names.includes(full))
      return sendJSON(res, 200, removeDerivedDigest(store, row, full, { force, noPrune, events: service.events }));
    // NAME@DIGEST stored as a name is one reference, as dockerd's: untagged (tags stay); the image
    // goes only when nothing else names it
    const rest = row.names.filter((n) => n !== full);
    if (rest.length === 0) {
      if (!force && users.length)
        throw new ApiError(
          409,
          `conflict: unable to remove repository reference ${JSON.stringify(name)} (must force) - container ${users[0]!.slice(0, 12)} is using its referenced image ${short}`,
        );
      report = removeImages(store, [row.id], { force: true, noPrune });
    } else report = removeImages(store, [full], { force, noPrune });
    failed(name, report);
    const said = familiar(full);
    const answer = removalAnswer(row, { ...report, untagged: report.untagged.filter((n) => n !== full) }, service.events, {
      untagged: [said],
      byId: rest.length === 0,
    });
    return sendJSON(res, 200, answer);
  }
  if (!byName) {
    // by ID: every name goes; Docker wants force when they span several repositories
    if (!force && new Set(row.names.map(repoOf)).size > 1)
      throw new ApiError(409, `conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
    if (!force && users.length)
      throw new ApiError(
        409,
        `conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${users[0]!.slice(0, 12)}`,
      );
    report = removeImages(store, [row.id], { force: true, noPrune });
  } else {
    if (!force && users.length && row.names.length <= 1)
      throw new ApiError(
        409,
        `conflict: unable to remove repository reference ${JSON.stringify(name)} (must force) - container ${users[0]!.slice(0, 12)} is using its referenced image ${short}`,
      );
    report = removeImages(store, [dockerName(name)], { force, noPrune });
  }
  failed(name, report);
  sendJSON(res, 200, removalAnswer(row, report, service.events, { byId: !byName }));
}

/**
 * DELETE of NAME@DIGEST where the store has no such name: berth derives an image's digest
 * references from its tags (RepoDigests), so the reference stands for the repository's tags of
 * the image and goes with them, as in dockerd's containerd image store (whose digest references
 * are derived too); the image goes when nothing else names it (then, as there, a container using
 * it needs force). A repository without a tag of the image is "No such image".
 */
function removeDerivedDigest(
  store: Store,
  row: ImageRow,
  full: string,
  o: { force: boolean; noPrune: boolean; events: EventBus },
): Record<string, string>[] {
  const repo = repoOf(full);
  const said = familiar(full);
  const tags = row.names.filter((n) => !n.includes('@') && repoOf(n) === repo);
  if (tags.length === 0) throw noSuchImage(said);
  const whole = tags.length === row.names.length;
  let report: RemoveReport;
  if (whole) {
    const users = store.containersUsingImage(row.id);
    if (!o.force && users.length)
      throw new ApiError(
        409,
        `conflict: unable to delete ${row.id.slice(0, 12)} (must be forced) - image is being used by stopped container ${users[0]!.slice(0, 12)}`,
      );
    report = removeImages(store, [row.id], { force: true, noPrune: o.noPrune });
  } else report = removeImages(store, tags, { force: o.force, noPrune: o.noPrune });
  failed(said, report);
  return removalAnswer(row, report, o.events, { untagged: [said], byId: whole });
}

/** A removal that failed answers its first failure ("No such image" when the image went meanwhile). */
function failed(name: string, report: RemoveReport): void {
  if (report.failures.length === 0) return;
  const e = report.failures[0]!.error;
  if (isBerthError(e, 'IMAGE_NOT_FOUND')) throw noSuchImage(name);
  throw e;
}

function namedAs(row: ImageRow, input: string): boolean {
  try {
    return row.names.includes(dockerName(input));
  } catch {
    return false;
  }
}

async function prune({ res, query, service }: RequestContext): Promise<void> {
  const f = parseFilters(query.get('filters'));
  checkFilterKeys(f, ['dangling', 'until', 'label', 'label!']);
  let all = false;
  const filters: string[] = [];
  for (const [k, values] of f)
    for (const v of values) {
      if (k === 'dangling') all = !filterBool(k, v);
      else if (k === 'label!') filters.push(`label!=${v}`);
      else filters.push(`${k}=${v}`);
    }
  const store = service.store();
  const bytes = () => {
    const du = diskUsage(store);
    return du.imagesSummary.size + du.unreferenced.size;
  };
  const namesBefore = new Map(store.listImages().map((r) => [r.id, r.names]));
  const before = bytes();
  const removed = pruneImages(store, { all, filters });
  const reclaimed = Math.max(0, before - bytes());
  const deleted: Record<string, string>[] = [];
  for (const id of removed) {
    for (const n of namesBefore.get(id) ?? []) {
      deleted.push({ Untagged: familiar(n) });
      service.events.emit({ Type: 'image', Action: 'untag', Actor: { ID: dockerId(id), Attributes: { name: dockerId(id) } } });
    }
    deleted.push({ Deleted: dockerId(id) });
    service.events.emit({ Type: 'image', Action: 'delete', Actor: { ID: dockerId(id), Attributes: { name: dockerId(id) } } });
  }
  service.events.emit({ Type: 'image', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: String(reclaimed) } } });
  sendJSON(res, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
}

/** GET /images/search: a registry's catalog filtered by the term (`HOST/TEXT`), in Docker's result shape. */
async function search({ req, res, query, service }: RequestContext): Promise<void> {
  const term = query.get('term') ?? '';
  if (term === '') throw new ApiError(400, 'term parameter is required');
  const limitRaw = query.get('limit');
  const limit = limitRaw === null || limitRaw === '' ? 25 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ApiError(400, 'limit is not in range [1, 100]');
  const f = parseFilters(query.get('filters'));
  checkFilterKeys(f, ['is-automated', 'is-official', 'stars']);
  const host = term.includes('/') ? term.slice(0, term.indexOf('/')) : '';
  const results = await searchRegistry(term, { ...registryAccess(req, host, service.stopping), limit }).catch((e: unknown) => {
    // Docker Hub has no catalog to search: the term must name a registry (a bad parameter, not a missing endpoint)
    if (isBerthError(e, 'UNSUPPORTED')) throw new ApiError(400, e.message);
    throw e;
  });
  const wants = (k: string, v: boolean) => (f.get(k) ?? []).every((x) => filterBool(k, x) === v);
  const minStars = Math.max(0, ...(f.get('stars') ?? []).map((x) => Number(x) || 0));
  sendJSON(
    res,
    200,
    results
      .filter((r) => wants('is-automated', r.automated) && wants('is-official', r.official) && r.stars >= minStars)
      .map((r) => ({ star_count: r.stars, is_official: r.official, name: r.name, is_automated: r.automated, description: r.description })),
  );
}

/** GET /distribution/{name}/json: the registry's manifest descriptor and platforms for NAME. */
async function distribution({ req, res, params, service }: RequestContext): Promise<void> {
  const ref = normalizeDockerReference(params.name!);
  const info = await inspectDistribution(formatReference(ref), registryAccess(req, ref.domain, service.stopping));
  sendJSON(res, 200, { Descriptor: info.descriptor, Platforms: info.platforms });
}

export const imageRoutes: Route[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'POST', path: '/images/prune', handler: prune },
  { method: 'GET', path: '/images/{name}/json', handler: inspect },
  { method: 'GET', path: '/images/{name}/history', handler: history },
  { method: 'POST', path: '/images/{name}/tag', handler: tag },
  { method: 'DELETE', path: '/images/{name}', handler: remove },
  { method: 'GET', path: '/images/search', handler: search },
  { method: 'GET', path: '/distribution/{name}/json', handler: distribution },
];
