/**
 * The store seen as a read-only OCI distribution registry (`berth serve`): which repositories,
 * tags, manifests and blobs it offers. Only reads the index; what it read is kept until the
 * index changes (another process pulls, tags, removes), so a busy server does not query
 * the index again for every request.
 *
 * Names: a stored name's repository is its path without the registry host
 * (`docker.io/library/busybox:latest` -> `library/busybox`, `127.0.0.1:5000/a/b:t` -> `a/b`,
 * `localhost/x:latest` -> `x`). A one-component repository that no stored path matches also
 * finds Docker Hub's official image of that name (`busybox` -> `docker.io/library/busybox`).
 * When names of several registries give the same repository and tag, the name given most
 * recently (pull, tag) wins; a manifest list of the store (`berth manifest`) only takes a tag
 * no image name holds.
 *
 * Manifests: an image is served with its stored manifest (the bytes and digest it was pulled
 * with). An image pulled from a manifest list or OCI index keeps the list's bytes too, but
 * usually only its own platform's image: a tag serves the list only when the store holds
 * every manifest the list names (a registry never serves a list whose manifests it lacks,
 * and clients copying all platforms rely on that), else the image's own manifest; a client
 * whose Accept header excludes the list's type gets the image's manifest too. By digest,
 * every manifest the repository's images hold is served, the list included (its bytes are
 * exactly what the digest names). Lists assembled with `berth manifest` are served, with
 * the bytes `manifest push` would write, when every image they name is in the store.
 */
import { digestOf, isDigest, type Digest } from '../digest/digest.js';
import { isIndexMediaType, MAX_MANIFEST_SIZE, type ImageIndex } from '../media/index.js';
import { parseReferenceRaw, DEFAULT_DOMAIN } from '../reference/reference.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { listDocument } from './list-document.js';

/** A manifest the registry serves: its digest, media type and size (bytes via `readManifest`). */
export interface ServedManifest {
  digest: Digest;
  mediaType: string;
  size: number;
  /** The bytes of a list assembled in the store (not a blob); undefined for stored manifests. */
  document?: Buffer;
}

/** One referrer of a manifest: a stored manifest whose `subject` names it. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Where a stored name appears in the registry: its repository, tag and digest. */
export function repositoryOfName(name: string): { repository: string; domain: string; tag?: string; digest?: Digest } | undefined {
  try {
    const r = parseReferenceRaw(name);
    return { repository: r.path, domain: r.domain, tag: r.tag, digest: r.digest };
  } catch {
    return undefined;
  }
}

type TagTarget = { kind: 'image'; id: string } | { kind: 'list'; id: string; manifest: ServedManifest; instances: Digest[] };

interface RepoEntry {
  tags: Map<string, TagTarget>;
  images: Set<string>;
  lists: TagTarget[];
}

interface RepoContent {
  manifests: Map<Digest, ServedManifest>;
  blobs: Set<Digest>;
}

/** What one version of the index holds, as repositories (built on first use, then cached). */
class Snapshot {
  readonly repos = new Map<string, RepoEntry>();
  /** Docker Hub's official images by their short name (`busybox`). */
  readonly official = new Map<string, RepoEntry>();
  private readonly images = new Map<string, ImageRow | null>();
  private readonly contents = new Map<RepoEntry, RepoContent>();
  private readonly indexes = new Map<Digest, Digest[] | null>();

  constructor(private readonly store: Store) {
    for (const { name, imageId } of store.namesInOrder()) {
      const r = repositoryOfName(name);
      if (!r) continue;
      const targets = [this.entry(this.repos, r.repository)];
      if (r.domain === DEFAULT_DOMAIN && /^library\/[^/]+$/.test(r.repository))
        targets.push(this.entry(this.official, r.repository.slice(8)));
      for (const e of targets) {
        e.images.add(imageId);
        // names come oldest first: the most recent name of a tag wins
        if (r.tag !== undefined) e.tags.set(r.tag, { kind: 'image', id: imageId });
      }
    }
    for (const list of store.allLists()) {
      let index: ImageIndex;
      try {
        index = JSON.parse(list.document) as ImageIndex;
      } catch {
        continue;
      }
      const instances = (index.manifests ?? []).map((m) => m.digest).filter(isDigest);
      // a list is offered only when the store holds every manifest it names
      if (instances.length !== (index.manifests ?? []).length || !instances.every((d) => this.holdsManifest(d))) continue;
      const doc = listDocument(index);
      const manifest: ServedManifest = {
        digest: digestOf(doc.bytes),
        mediaType: doc.mediaType,
        size: doc.bytes.length,
        document: doc.bytes,
      };
      const target: TagTarget = { kind: 'list', id: list.id, manifest, instances };
      for (const name of list.names) {
        const r = repositoryOfName(name);
        if (!r) continue;
        const e = this.entry(this.repos, r.repository);
        e.lists.push(target);
        if (r.tag !== undefined && !e.tags.has(r.tag)) e.tags.set(r.tag, target);
      }
    }
  }

  private entry(m: Map<string, RepoEntry>, repo: string): RepoEntry {
    let e = m.get(repo);
    if (!e) m.set(repo, (e = { tags: new Map(), images: new Set(), lists: [] }));
    return e;
  }

  image(id: string): ImageRow | undefined {
    let row = this.images.get(id);
    if (row === undefined) this.images.set(id, (row = this.store.getImage(id) ?? null));
    return row ?? undefined;
  }

  /** Whether some image of the store holds the manifest `d` and its bytes are present. */
  holdsManifest(d: Digest): boolean {
    return this.store.manifestInfo(d) !== undefined && this.store.hasBlob(d);
  }

  /** The manifests a stored index names; null when it cannot be read. */
  indexInstances(d: Digest): Digest[] | null {
    let v = this.indexes.get(d);
    if (v !== undefined) return v;
    v = null;
    try {
      const ix = JSON.parse(this.store.readBlob(d, MAX_MANIFEST_SIZE).toString('utf8')) as Partial<ImageIndex>;
      if (Array.isArray(ix.manifests)) {
        const ds = ix.manifests.map((m) => m?.digest);
        if (ds.every(isDigest)) v = ds;
      }
    } catch {
      /* missing or damaged: no instances */
    }
    this.indexes.set(d, v);
    return v;
  }

  /** Every manifest and blob the repository offers. */
  content(e: RepoEntry): RepoContent {
    let c = this.contents.get(e);
    if (c) return c;
    c = { manifests: new Map(), blobs: new Set() };
    const ids = new Set(e.images);
    // the images an index of the repository names (other platforms of a pulled list), and those of its lists
    for (const id of e.images) {
      const row = this.image(id);
      if (!row) continue;
      for (const d of row.digests) {
        const info = this.store.manifestInfo(d);
        if (info && isIndexMediaType(info.mediaType)) for (const inst of this.indexInstances(d) ?? []) this.addImagesOf(inst, ids);
      }
    }
    for (const l of e.lists) {
      if (l.kind !== 'list') continue;
      c.manifests.set(l.manifest.digest, l.manifest);
      for (const inst of l.instances) this.addImagesOf(inst, ids);
    }
    for (const id of ids) {
      const row = this.image(id);
      if (!row) continue;
      c.blobs.add(row.configDigest);
      for (const d of row.digests) {
        const info = this.store.manifestInfo(d);
        if (!info) continue;
        c.manifests.set(d, { digest: d, mediaType: info.mediaType, size: info.size });
        c.blobs.add(d);
        for (const l of this.store.manifestLayers(d)) c.blobs.add(l.digest);
      }
    }
    this.contents.set(e, c);
    return c;
  }

  private addImagesOf(manifest: Digest, ids: Set<string>): void {
    for (const id of this.store.imageIdsForManifest(manifest)) ids.add(id);
  }
}

/** What one stored manifest says about itself, for the referrers API (content never changes). */
interface ManifestSummary {
  subject?: Digest;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** One repository of the registry, as of the index version it was looked up in. */
export class RegistryRepository {
  /** @internal */
  constructor(
    readonly name: string,
    private readonly snap: Snapshot,
    private readonly entry: RepoEntry,
    private readonly view: RegistryView,
  ) {}

  /** The repository's tags, sorted as Go's sort.Strings (byte order). */
  tags(): string[] {
    return [...this.entry.tags.keys()].sort(byteOrder);
  }

  /**
   * The manifest a tag serves (see the module comment), or undefined when there is no such
   * tag or its image is gone. `accept`: the media types the client accepts (undefined: any).
   */
  manifestForTag(tag: string, accept?: readonly string[]): ServedManifest | undefined {
    const t = this.entry.tags.get(tag);
    if (!t) return undefined;
    if (t.kind === 'list') return t.manifest;
    const row = this.snap.image(t.id);
    if (!row) return undefined;
    if (row.digest !== row.manifestDigest) {
      const info = this.view.store.manifestInfo(row.digest);
      const instances = info && isIndexMediaType(info.mediaType) ? this.snap.indexInstances(row.digest) : null;
      if (info && instances && instances.every((d) => this.snap.holdsManifest(d)) && accepts(accept, info.mediaType))
        return { digest: row.digest, mediaType: info.mediaType, size: info.size };
    }
    const own = this.view.store.manifestInfo(row.manifestDigest);
    return own && { digest: row.manifestDigest, mediaType: own.mediaType, size: own.size };
  }

  /** A manifest of this repository by digest. */
  manifestByDigest(d: Digest): ServedManifest | undefined {
    return this.snap.content(this.entry).manifests.get(d);
  }

  /** The size of a blob this repository offers (configs, layers, manifests), if present. */
  blobSize(d: Digest): number | undefined {
    if (!this.snap.content(this.entry).blobs.has(d)) return undefined;
    return this.view.store.blobSize(d);
  }

  /**
   * The repository's manifests whose `subject` is `d`, optionally only those of one artifact
   * type (an image manifest's artifact type is its config's media type when it has none).
   */
  referrers(d: Digest, artifactType?: string): ReferrerDescriptor[] {
    const out: ReferrerDescriptor[] = [];
    for (const m of this.snap.content(this.entry).manifests.values()) {
      const s = m.document ? summarize(m.document) : this.view.summary(m.digest);
      if (!s || s.subject !== d) continue;
      if (artifactType !== undefined && s.artifactType !== artifactType) continue;
      out.push({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        ...(s.artifactType ? { artifactType: s.artifactType } : {}),
        ...(s.annotations ? { annotations: s.annotations } : {}),
      });
    }
    return out.sort((a, b) => byteOrder(a.digest, b.digest));
  }

  /** The bytes of a served manifest, checked against its digest; undefined when gone or damaged. */
  readManifest(m: ServedManifest): Buffer | undefined {
    return this.view.readManifest(m);
  }
}

/**
 * The store as a registry. One view serves a whole process: it reads the index again only
 * after it changed. It never writes to the store and holds no lock.
 */
export class RegistryView {
  private snap?: { version: number; snapshot: Snapshot };
  private readonly summaries = new Map<Digest, ManifestSummary | null>();

  constructor(readonly store: Store) {}

  private current(): Snapshot {
    const version = this.store.indexVersion();
    if (!this.snap || this.snap.version !== version) this.snap = { version, snapshot: new Snapshot(this.store) };
    return this.snap.snapshot;
  }

  /** Every repository, sorted (byte order). */
  repositories(): string[] {
    return [...this.current().repos.keys()].sort(byteOrder);
  }

  /** A repository by name, or undefined when the store holds nothing under it. */
  repository(name: string): RegistryRepository | undefined {
    const snap = this.current();
    const e = snap.repos.get(name) ?? snap.official.get(name);
    return e && new RegistryRepository(name, snap, e, this);
  }

  /** @internal */
  readManifest(m: ServedManifest): Buffer | undefined {
    if (m.document) return m.document;
    let bytes: Buffer;
    try {
      bytes = this.store.readBlob(m.digest, MAX_MANIFEST_SIZE);
    } catch {
      return undefined;
    }
    return digestOf(bytes) === m.digest ? bytes : undefined;
  }

  /** @internal */
  summary(d: Digest): ManifestSummary | undefined {
    let s = this.summaries.get(d);
    if (s === undefined) {
      const bytes = this.readManifest({ digest: d, mediaType: '', size: 0 });
      s = bytes ? (summarize(bytes) ?? null) : null;
      // only content that was read is remembered (a manifest missing now may come back)
      if (bytes) this.summaries.set(d, s);
    }
    return s ?? undefined;
  }
}

function summarize(bytes: Buffer): ManifestSummary | undefined {
  let doc: { subject?: { digest?: unknown }; artifactType?: unknown; config?: { mediaType?: unknown }; annotations?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const subject = isDigest(doc.subject?.digest) ? doc.subject.digest : undefined;
  const artifactType =
    typeof doc.artifactType === 'string' && doc.artifactType
      ? doc.artifactType
      : typeof doc.config?.mediaType === 'string'
        ? doc.config.mediaType
        : undefined;
  const annotations =
    doc.annotations && typeof doc.annotations === 'object' && Object.keys(doc.annotations).length
      ? (doc.annotations as Record<string, string>)
      : undefined;
  return { subject, artifactType, annotations };
}

/** Whether a client that sent these Accept media types takes `mediaType` (no header: anything). */
function accepts(accept: readonly string[] | undefined, mediaType: string): boolean {
  return accept === undefined || accept.length === 0 || accept.includes(mediaType) || accept.includes('*/*');
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
