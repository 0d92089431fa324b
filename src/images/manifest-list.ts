/**
 * Manifest lists assembled locally (podman manifest create/add/annotate/remove/inspect/
 * exists/rm/push; libimage's ManifestList). A list lives in the store's index: its document
 * (an image index; a docker manifest list unless something needs OCI) and, for each
 * instance, where it is copied from when the list is pushed. Instances are never copied
 * into the store by `add`: only their manifests are read, as podman does for registry images.
 */
import { randomBytes } from 'node:crypto';
import { BerthError, reasonOf } from '../errors.js';
import { type Digest, digestOf, parseDigest } from '../digest/digest.js';
import { GoStruct, goJSON, goMap } from '../go/json.js';
import { MT, parseImageConfig, parseManifestDocument, type Descriptor, type ImageIndex, type Platform } from '../media/index.js';
import { choosePlatform, wantedPlatform } from '../platform/platform.js';
import type { ContextOptions } from '../config/context.js';
import type { Store } from '../store/store.js';
import type { ImageSource, ManifestBytes, ImageRef } from '../transports/types.js';
import { parseImageName, transportOf } from '../transports/registry.js';
import type { ProgressEvent } from '../transports/types.js';
import { readAll } from '../util/streams.js';
import { checkOutputPath, writeOutputFile } from '../util/output-file.js';
import { imageContext } from './context.js';
import { tryLookupImage } from './lookup.js';
import { normalizeName } from './tag.js';
import { listDocument, preferredListType } from './list-document.js';
import { findManifestList } from './list-lookup.js';

export { findManifestList };

interface ListState {
  id: string;
  names: string[];
  index: ImageIndex;
  /** instance digest -> "transport:location" it is copied from */
  sources: Record<string, string>;
}

function load(store: Store, id: string, what: string): ListState {
  const row = store.getList(id);
  if (!row) throw new BerthError('IMAGE_NOT_FOUND', `${what}: image not known`, { subject: what });
  return {
    id,
    names: row.names,
    index: JSON.parse(row.document) as ImageIndex,
    sources: JSON.parse(row.sources) as Record<string, string>,
  };
}

function save(store: Store, l: ListState): void {
  store.updateList(l.id, JSON.stringify(l.index), JSON.stringify(l.sources));
}

/** podman names the image as it knows it (its first name) when it is not a list. */
function notAList(store: Store, id: string, input: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `${store.getImage(id)?.names[0] ?? input}: image is not a manifest list`);
}

function requireList(store: Store, name: string): ListState {
  const id = findManifestList(store, name);
  if (id) return load(store, id, name);
  // podman's words differ for an image that is not a list
  const img = tryLookupImage(store, name);
  if (img) throw notAList(store, img.id, name);
  throw new BerthError('IMAGE_NOT_FOUND', `${name}: image not known`, { subject: name });
}

export interface CreateManifestListOptions {
  /** Reuse the list of that name when it exists (podman --amend). */
  amend?: boolean;
  /** Annotations of the list itself (makes it an OCI index). */
  annotations?: Record<string, string>;
}

/** Create an empty list named `name` (or, with `amend`, take the existing one); returns its ID. */
export function createManifestList(store: Store, name: string, opts: CreateManifestListOptions = {}): string {
  if (name === '') throw new BerthError('INVALID_ARGUMENT', 'no name specified for creating a manifest list');
  const normalized = normalizeName(name);
  let id: string;
  const existing = store.listIdForName(normalized);
  if (existing && opts.amend) id = existing;
  else {
    id = randomBytes(32).toString('hex');
    const index: ImageIndex = { schemaVersion: 2, mediaType: MT.DockerManifestList, manifests: [] };
    store.createList({ id, created: new Date().toISOString(), document: JSON.stringify(index), sources: '{}', names: [normalized] });
  }
  if (opts.annotations && Object.keys(opts.annotations).length) {
    const l = load(store, id, name);
    l.index.annotations = { ...(l.index.annotations ?? {}), ...opts.annotations };
    save(store, l);
  }
  return id;
}

/**
 * Whether `name` is a stored list; an image that is not a list, or a name that does not parse
 * (INVALID_REFERENCE), is an error, as podman says.
 */
export function manifestListExists(store: Store, name: string): boolean {
  if (findManifestList(store, name) !== undefined) return true;
  const img = tryLookupImage(store, name);
  if (img) throw new BerthError('INVALID_ARGUMENT', `${img.matchedName ?? name}: image is not a manifest list`, { subject: name });
  return false;
}

export interface InstanceEdits {
  annotations?: Record<string, string>;
  arch?: string;
  os?: string;
  variant?: string;
  osVersion?: string;
  features?: string[];
  osFeatures?: string[];
}

export interface AddToManifestListOptions extends InstanceEdits {
  /** Registry flags for reading the image to add. */
  context?: ContextOptions;
  /** When the image to add is itself a list, add every instance of it (else this platform's). */
  all?: boolean;
}

/** Where the image to add is read from: an explicit transport, a local image, else a registry. */
function sourceName(store: Store, image: string): string {
  if (transportOf(image)) return image;
  const local = tryLookupImage(store, image);
  return local ? `containers-storage:${local.id}` : `docker://${image}`;
}

/** "transport:location@digest": how to reach one instance again on push. */
function instanceSource(srcName: string, src: ImageSource, d: Digest, single: boolean): string {
  const ref = src.ref.dockerReference;
  if (src.ref.transport === 'docker' && ref) return `docker://${ref.domain}/${ref.path}@${d}`;
  // other transports: the same location (a single image is that image; a list is read by instance)
  return single ? srcName : `${srcName}#${d}`;
}

function applyEdits(d: Descriptor, e: InstanceEdits): void {
  const p: Platform = d.platform ?? { architecture: '', os: '' };
  if (e.arch !== undefined) p.architecture = e.arch;
  if (e.os !== undefined) p.os = e.os;
  if (e.variant !== undefined) p.variant = e.variant;
  if (e.osVersion !== undefined) p['os.version'] = e.osVersion;
  if (e.osFeatures !== undefined) p['os.features'] = e.osFeatures;
  if (e.features !== undefined) (p as Platform & { features?: string[] }).features = e.features;
  d.platform = p;
  if (e.annotations && Object.keys(e.annotations).length) d.annotations = { ...(d.annotations ?? {}), ...e.annotations };
}

/** Read an image (or list) and add it to the list; returns the list ID and the added digests. */
export async function addToManifestList(
  store: Store,
  list: string,
  image: string,
  opts: AddToManifestListOptions = {},
): Promise<{ id: string; digests: Digest[] }> {
  const l = requireList(store, list);
  const name = sourceName(store, image);
  const ctx = imageContext({ store: () => store, ...opts.context });
  let src: ImageSource;
  try {
    src = await parseImageName(name).newSource(ctx);
  } catch (e) {
    throw new BerthError(
      e instanceof BerthError ? e.code : 'IO',
      `setting up to read manifest and configuration from ${JSON.stringify(name)}: ${reasonOf(e)}`,
      { cause: e },
    );
  }
  const added: Descriptor[] = [];
  try {
    const top = await src.getManifest();
    const parsed = parseManifestDocument(top.bytes, top.mediaType, `manifest of ${name}`);
    if (parsed.kind === 'index') {
      const chosen = opts.all ? parsed.index.manifests : [choosePlatform(parsed.index.manifests, wantedPlatform(), name, parsed.mediaType)];
      for (const c of chosen) {
        added.push(structuredClone(c));
        l.sources[c.digest] = instanceSource(name, src, c.digest, false);
      }
    } else if (parsed.kind === 'manifest') {
      const d = digestOf(top.bytes);
      const { stream } = await src.getBlob(parsed.manifest.config);
      const config = parseImageConfig(await readAll(stream, 4 << 20, `config of ${name}`), `config of ${name}`);
      const platform: Platform = { architecture: config.architecture, os: config.os };
      if (config['os.version']) platform['os.version'] = config['os.version'];
      if (Array.isArray(config['os.features'])) platform['os.features'] = config['os.features'] as string[];
      if (config.variant) platform.variant = config.variant;
      added.push({ mediaType: parsed.mediaType, digest: d, size: top.bytes.length, platform });
      l.sources[d] = instanceSource(name, src, d, true);
    } else throw new BerthError('UNSUPPORTED', `${name}: cannot add a ${top.mediaType} manifest to a list`);
  } finally {
    await src.close();
  }
  for (const d of added) {
    applyEdits(d, opts);
    // the same instance added again replaces the old entry
    l.index.manifests = l.index.manifests.filter((m) => m.digest !== d.digest);
    l.index.manifests.push(d);
  }
  save(store, l);
  return { id: l.id, digests: added.map((d) => d.digest) };
}

export interface AnnotateOptions extends InstanceEdits {
  /** Annotations of the list itself (podman --index). */
  index?: boolean;
}

/** Change an instance's platform and annotations (or, with `index`, the list's annotations). */
export function annotateManifestList(store: Store, list: string, instance: string | undefined, opts: AnnotateOptions): string {
  const l = requireList(store, list);
  if (opts.index) {
    if (instance) throw new BerthError('INVALID_ARGUMENT', 'setting index-wide annotation in a manifest list requires no instance digest');
    l.index.annotations = { ...(l.index.annotations ?? {}), ...(opts.annotations ?? {}) };
  } else {
    if (!instance) throw new BerthError('INVALID_ARGUMENT', 'setting annotation on an item in a manifest list requires an instance digest');
    const d = findInstance(l, instance, list);
    applyEdits(d, opts);
  }
  save(store, l);
  return l.id;
}

function findInstance(l: ListState, instance: string, list: string): Descriptor {
  let d: Digest;
  try {
    d = parseDigest(instance, 'instance digest');
  } catch {
    throw new BerthError('INVALID_ARGUMENT', `finding instance for ${JSON.stringify(instance)}: invalid digest`);
  }
  const hit = l.index.manifests.find((m) => m.digest === d);
  if (!hit)
    throw new BerthError(
      'NO_MATCHING_PLATFORM',
      `removing from manifest list ${list}: no instance matching digest ${JSON.stringify(d)} found in manifest list: file does not exist`,
    );
  return hit;
}

/** Remove one instance from the list; returns the list ID. */
export function removeFromManifestList(store: Store, list: string, instance: string): string {
  const l = requireList(store, list);
  const d = findInstance(l, instance, list);
  l.index.manifests = l.index.manifests.filter((m) => m !== d);
  delete l.sources[d.digest];
  save(store, l);
  return l.id;
}

/** Remove whole lists; each result says what was untagged and deleted. */
export function removeManifestLists(
  store: Store,
  names: readonly string[],
  opts: { ignore?: boolean } = {},
): { untagged: string[]; deleted: string[]; errors: BerthError[] } {
  const out = { untagged: [] as string[], deleted: [] as string[], errors: [] as BerthError[] };
  for (const n of names) {
    const id = findManifestList(store, n);
    if (!id) {
      const img = tryLookupImage(store, n);
      if (img) out.errors.push(notAList(store, img.id, n));
      else if (!opts.ignore) out.errors.push(new BerthError('IMAGE_NOT_FOUND', `${n}: image not known`, { subject: n }));
      continue;
    }
    out.untagged.push(...store.deleteList(id));
    out.deleted.push(id);
  }
  return out;
}

/** The list's bytes as they would be pushed: the asked format, else podman's choice. */
function serializeList(l: ListState, format?: 'oci' | 'v2s2'): { bytes: Buffer; mediaType: string } {
  return listDocument(l.index, format);
}

/** podman manifest inspect's document (ManifestListData), indented as podman prints it. */
export function formatManifestListData(doc: ImageIndex, mediaType: string): string {
  const manifests = doc.manifests.map((m) => {
    const p = (m.platform ?? { architecture: '', os: '' }) as Platform & { features?: string[] };
    return new GoStruct({
      mediaType: m.mediaType,
      size: m.size,
      digest: m.digest,
      urls: m.urls?.length ? m.urls : undefined,
      platform: new GoStruct({
        architecture: p.architecture,
        os: p.os,
        'os.version': p['os.version'] || undefined,
        'os.features': p['os.features']?.length ? p['os.features'] : undefined,
        variant: p.variant || undefined,
        features: p.features?.length ? p.features : undefined,
      }),
      annotations: m.annotations && Object.keys(m.annotations).length ? goMap(m.annotations) : undefined,
      artifactType: m.artifactType || undefined,
    });
  });
  const data = new GoStruct({
    schemaVersion: 2,
    mediaType,
    manifests: manifests.length ? manifests : null,
    annotations: doc.annotations && Object.keys(doc.annotations).length ? goMap(doc.annotations) : undefined,
  });
  return goJSON(data, { indent: '    ' });
}

/** `manifest inspect` of a local list, or undefined when `name` is not one. */
export function inspectLocalManifestList(store: Store, name: string): string | undefined {
  const id = findManifestList(store, name);
  if (!id) return undefined;
  const l = load(store, id, name);
  return formatManifestListData(l.index, preferredListType(l.index));
}

/** `manifest inspect` of an image in a registry: its list (or single manifest), as podman prints it. */
export async function inspectRemoteManifest(name: string, context: ContextOptions = {}): Promise<string> {
  const full = transportOf(name) ? name : `docker://${name}`;
  const ctx = imageContext(context);
  const src = await parseImageName(full).newSource(ctx);
  try {
    const top = await src.getManifest();
    const parsed = parseManifestDocument(top.bytes, top.mediaType, `manifest of ${full}`);
    if (parsed.kind === 'index') return formatManifestListData(parsed.index, parsed.mediaType);
    return goJSON(JSON.parse(top.bytes.toString('utf8')), { indent: '    ', maps: 'inferred' });
  } finally {
    await src.close();
  }
}

/**
 * Serves a stored list to the copy engine: the list from the store, each instance (manifest
 * and blobs) from where it was added. Instances are read one after another, as the engine
 * copies them: a blob is read from the instance whose manifest was read last.
 */
class ListSource implements ImageSource {
  private readonly open = new Map<string, Promise<ImageSource>>();
  private current?: ImageSource;
  constructor(
    readonly ref: ImageRef,
    private readonly list: { bytes: Buffer; mediaType: string },
    private readonly sources: Record<string, string>,
    private readonly ctx: ReturnType<typeof imageContext>,
  ) {}

  private source(name: string): Promise<ImageSource> {
    let p = this.open.get(name);
    if (!p) this.open.set(name, (p = parseImageName(name).newSource(this.ctx)));
    return p;
  }

  async getManifest(instance?: Digest): Promise<ManifestBytes> {
    if (!instance) return this.list;
    const where = this.sources[instance];
    if (!where) throw new BerthError('INVALID_MANIFEST', `${this.ref}: no source recorded for instance ${instance}`);
    const [name, inner] = where.split('#') as [string, string | undefined];
    const src = await this.source(name);
    this.current = src;
    return inner ? src.getManifest(inner as Digest) : src.getManifest();
  }

  getBlob(desc: Descriptor, opts?: { offset?: number }) {
    if (!this.current) throw new BerthError('INTERNAL', `${this.ref}: blob asked before any instance manifest`);
    return this.current.getBlob(desc, opts);
  }

  layerHint(desc: Descriptor) {
    return this.current?.layerHint?.(desc);
  }

  async close(): Promise<void> {
    for (const p of this.open.values()) await (await p.catch(() => undefined))?.close();
  }
}

export interface PushManifestListOptions {
  context?: ContextOptions;
  /** Push the instances too (default true, as podman); false writes the list alone. */
  all?: boolean;
  /** List (and instance) format: oci or v2s2; default: the list's own. */
  format?: 'oci' | 'v2s2';
  /** Remove the local list after a successful push. */
  rm?: boolean;
  /** Write the pushed list's digest to this file. */
  digestfile?: string;
  onProgress?: (e: ProgressEvent) => void;
}

/** Push a stored list (with its instances) to `destination` (default: the list's name). */
export async function pushManifestList(
  store: Store,
  list: string,
  destination: string | undefined,
  opts: PushManifestListOptions = {},
): Promise<{ digest: Digest; id: string }> {
  const l = requireList(store, list);
  if (opts.digestfile !== undefined) checkOutputPath(opts.digestfile, 'digest file path');
  const destName = destination ?? l.names[0];
  if (!destName) throw new BerthError('INVALID_ARGUMENT', `${list}: the list has no name; give a destination`);
  const full = transportOf(destName) ? destName : `docker://${destName}`;
  const ctx = imageContext({ store: () => store, ...opts.context });
  const serialized = serializeList(l, opts.format);
  const ref: ImageRef = {
    transport: 'containers-storage',
    toString: () => `containers-storage:${l.names[0] ?? l.id}`,
    policyScope: () => '',
  };
  const src = new ListSource(ref, serialized, l.sources, ctx);
  const opened = await parseImageName(full).newDestination(ctx);
  let digest: Digest;
  try {
    if (opts.all === false) {
      // the list alone: its instances must already be at the destination
      if (!opened.dest.commitIndex) throw new BerthError('UNSUPPORTED', `${opened.dest.ref} cannot store a multi-image list`);
      await opened.dest.putManifest(serialized);
      digest = digestOf(serialized.bytes);
      await opened.dest.commitIndex({ digest, mediaType: serialized.mediaType, bytes: serialized.bytes });
    } else {
      // the engine loads only when something is pushed
      const { copyMultiImage } = await import('../copy/copy-multi.js');
      const r = await copyMultiImage(src, opened.dest, { instances: 'all', format: opts.format, onProgress: opts.onProgress });
      digest = r.manifestDigest;
    }
    await opened.dest.close();
    await opened.finish();
  } catch (e) {
    await opened.dest.close().catch(() => {});
    await opened.abort().catch(() => {});
    throw e;
  } finally {
    await src.close();
  }
  if (opts.digestfile !== undefined)
    await writeOutputFile(opts.digestfile, digest, `pushed ${digest}, but cannot write the digest file ${opts.digestfile}`);
  if (opts.rm) store.deleteList(l.id);
  return { digest, id: l.id };
}
