import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BerthError, reasonOf } from '../../errors.js';
import { type Digest, digestOf, parseDigest } from '../../digest/digest.js';
import {
  MT,
  MAX_ARCHIVE_MANIFEST_SIZE,
  MAX_CONFIG_SIZE,
  type Descriptor,
  parseImageConfig,
  parseStrictJSON,
  serializeManifest,
} from '../../media/index.js';
import { sniffCompression } from '../../compression/compression.js';
import { type Reference, parseNormalizedReference, parseLocalReference, formatReference } from '../../reference/reference.js';
import { indexTarFile, TarMembers, type TarEntry } from '../../util/tar.js';
import { openTarInput, readMember, memberStream, type TarFile } from '../../util/archive-input.js';
import type { ImageRef, ImageReference, ImageSource, LayerHint, ManifestBytes, OpenedDestination } from '../types.js';

export interface ArchiveImage {
  index: number;
  configPath: string;
  repoTags: Reference[];
  /** The RepoTags as podman names them when loading: short names go under localhost/. */
  localNames: string[];
  layerPaths: string[];
}

/**
 * A docker-archive (docker save / podman save format), read in place: manifest.json names
 * the config and layer members; nothing is extracted. Every member path is resolved safely.
 */
export class DockerArchiveReader {
  readonly images: ArchiveImage[];
  private constructor(
    readonly file: TarFile,
    readonly members: TarMembers,
    readonly what: string,
  ) {
    const mEntry = members.resolve('manifest.json', 'manifest.json');
    if (mEntry.size > MAX_ARCHIVE_MANIFEST_SIZE)
      throw new BerthError('TOO_LARGE', `${what}: manifest.json is ${mEntry.size} bytes, over the ${MAX_ARCHIVE_MANIFEST_SIZE}-byte limit`);
    const doc = parseStrictJSON(readMember(file.path, mEntry.offset, mEntry.size).toString('utf8'), `${what}: manifest.json`);
    if (!Array.isArray(doc)) throw new BerthError('INVALID_ARCHIVE', `${what}: manifest.json must be a JSON array of images`);
    if (doc.length === 0) throw new BerthError('INVALID_ARCHIVE', `${what}: manifest.json lists no images`);
    this.images = doc.map((item, i) => {
      const w = `${what}: manifest.json entry ${i}`;
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        throw new BerthError('INVALID_ARCHIVE', `${w} is not an object`);
      const o = item as Record<string, unknown>;
      if (typeof o.Config !== 'string') throw new BerthError('INVALID_ARCHIVE', `${w} has no "Config" path`);
      if (!Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === 'string'))
        throw new BerthError('INVALID_ARCHIVE', `${w} has no valid "Layers" list`);
      const tags = o.RepoTags === undefined || o.RepoTags === null ? [] : o.RepoTags;
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
        throw new BerthError('INVALID_ARCHIVE', `${w}: "RepoTags" must be a list of strings`);
      const repoTags = tags.map((t) => {
        let r: Reference;
        try {
          r = parseNormalizedReference(t);
        } catch (e) {
          throw new BerthError('INVALID_ARCHIVE', `${w}: invalid reference ${JSON.stringify(t)} in RepoTags: ${reasonOf(e)}`, { cause: e });
        }
        if (r.digest) throw new BerthError('INVALID_ARCHIVE', `${w}: RepoTags entry ${JSON.stringify(t)} must not contain a digest`);
        if (r.tag === undefined) throw new BerthError('INVALID_ARCHIVE', `${w}: RepoTags entry ${JSON.stringify(t)} has no tag`);
        return r;
      });
      // resolve every member now so unsafe or missing paths fail before anything is copied
      members.resolve(o.Config, 'config');
      (o.Layers as string[]).forEach((l) => members.resolve(l, 'layer'));
      const localNames = (tags as string[]).map((t) => formatReference(parseLocalReference(t)));
      return { index: i, configPath: o.Config, repoTags, localNames, layerPaths: o.Layers as string[] };
    });
  }

  static async open(input: string | Readable, what: string): Promise<DockerArchiveReader> {
    const file = await openTarInput(input, what);
    try {
      const members = new TarMembers(indexTarFile(file.path, what), what);
      return new DockerArchiveReader(file, members, what);
    } catch (e) {
      await file.cleanup();
      throw e;
    }
  }

  /** Pick an image: by RepoTag, by @N, or the only one. */
  select(sel: { ref?: Reference; index?: number }): ArchiveImage {
    if (sel.index !== undefined) {
      const img = this.images[sel.index];
      if (!img)
        throw new BerthError('INVALID_ARGUMENT', `Invalid source index @${sel.index}, only ${this.images.length} manifest items available`);
      return img;
    }
    if (sel.ref) {
      const want = formatReference(sel.ref);
      const img = this.images.find((i) => i.repoTags.some((t) => formatReference(t) === want));
      if (!img) throw new BerthError('IMAGE_NOT_FOUND', `${this.what}: no image tagged ${want} in the archive`);
      return img;
    }
    if (this.images.length !== 1)
      throw new BerthError('INVALID_ARGUMENT', `${this.what} contains ${this.images.length} images; choose one with :NAME:TAG or @N`);
    return this.images[0]!;
  }

  async close(): Promise<void> {
    await this.file.cleanup();
  }
}

export class DockerArchiveRef implements ImageReference {
  readonly transport = 'docker-archive' as const;
  constructor(
    readonly path: string,
    readonly selector: { ref?: Reference; index?: number } = {},
  ) {}
  get dockerReference(): Reference | undefined {
    return this.selector.ref;
  }
  toString(): string {
    return `docker-archive:${this.path}${this.selector.ref ? ':' + formatReference(this.selector.ref) : this.selector.index !== undefined ? ':@' + this.selector.index : ''}`;
  }
  policyScope(): string {
    return '';
  }

  async newSource(): Promise<ImageSource> {
    const reader = await DockerArchiveReader.open(this.path, `docker-archive:${this.path}`);
    try {
      return new DockerArchiveSource(this, reader, reader.select(this.selector), true);
    } catch (e) {
      await reader.close();
      throw e;
    }
  }

  async newDestination(): Promise<OpenedDestination> {
    if (this.selector.index !== undefined)
      throw new BerthError(
        'INVALID_REFERENCE',
        `docker-archive destination ${JSON.stringify(`${this.path}:@${this.selector.index}`)} cannot use @N`,
      );
    const { DockerArchiveWriter } = await import('./writer.js');
    const w = await DockerArchiveWriter.toFile(this.path);
    return { dest: w.newDestination(this.selector.ref ? [this.selector.ref] : []), finish: () => w.finish(), abort: () => w.abort() };
  }
}

/** Parse "PATH[:REF|:@N]" (the part after "docker-archive:"). */
export function parseDockerArchiveRef(s: string): DockerArchiveRef {
  if (s === '') throw new BerthError('INVALID_REFERENCE', 'docker-archive: needs a path');
  const colon = findRefColon(s);
  if (colon < 0) return new DockerArchiveRef(s);
  const path = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  if (rest.startsWith('@')) {
    if (!/^@\d+$/.test(rest)) throw new BerthError('INVALID_REFERENCE', `Invalid source index ${rest} in ${JSON.stringify(s)}`);
    return new DockerArchiveRef(path, { index: Number(rest.slice(1)) });
  }
  const ref = parseNormalizedReference(rest);
  if (ref.digest) throw new BerthError('INVALID_REFERENCE', `docker-archive reference ${JSON.stringify(rest)} must not contain a digest`);
  return new DockerArchiveRef(path, { ref: ref.tag ? ref : { ...ref, tag: 'latest' } });
}

function findRefColon(s: string): number {
  // c/image splits at the first ':'; paths with ':' are not supported there either.
  return s.indexOf(':');
}

/** One image of a docker archive as an ImageSource (synthesized docker schema2 manifest). */
export class DockerArchiveSource implements ImageSource {
  private manifest?: ManifestBytes;
  private layerEntries = new Map<string, { entry: TarEntry; hint?: LayerHint }>();
  private configEntry: TarEntry;
  constructor(
    readonly ref: ImageRef,
    private readonly reader: DockerArchiveReader,
    readonly image: ArchiveImage,
    private readonly ownsReader = false,
  ) {
    this.configEntry = reader.members.resolve(image.configPath, 'config');
  }

  /** Names as podman gives them on load (short RepoTags go under localhost/). */
  names(): string[] {
    return this.image.localNames;
  }

  async getManifest(instance?: Digest): Promise<ManifestBytes> {
    if (instance) throw new BerthError('UNSUPPORTED', `${this.ref}: docker archives have no manifest lists`);
    if (this.manifest) return this.manifest;
    const what = this.reader.what;
    if (this.configEntry.size > MAX_CONFIG_SIZE)
      throw new BerthError('TOO_LARGE', `${what}: config is ${this.configEntry.size} bytes, over the ${MAX_CONFIG_SIZE}-byte limit`);
    const cfgBytes = readMember(this.reader.file.path, this.configEntry.offset, this.configEntry.size);
    const config = parseImageConfig(cfgBytes, `${what}: config ${this.image.configPath}`);
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== this.image.layerPaths.length) {
      throw new BerthError(
        'INVALID_ARCHIVE',
        `${what}: image ${this.image.index} lists ${this.image.layerPaths.length} layers but its config has ${diffIDs.length} diff_ids`,
      );
    }
    const layers: Descriptor[] = [];
    for (let i = 0; i < this.image.layerPaths.length; i++) {
      const entry = this.reader.members.resolve(this.image.layerPaths[i]!, 'layer');
      const head = readMember(this.reader.file.path, entry.offset, Math.min(6, entry.size));
      const c = sniffCompression(head);
      if (c === 'none') {
        // uncompressed: the layer's digest must be its diffID (the engine verifies while copying)
        const d = parseDigest(diffIDs[i]);
        // labelled ".tar.gzip" although uncompressed, exactly as containers/image does, so the
        // synthesized manifest (and its digest) is the one podman computes for the same archive
        layers.push({ mediaType: MT.DockerLayerGzip, digest: d, size: entry.size });
        this.layerEntries.set(d, { entry, hint: { diffID: d, uncompressedSize: entry.size, compression: 'none' } });
      } else if (c === 'gzip' || c === 'zstd') {
        // compressed member: describe it as it is; the engine checks its diffID on the way
        const d = await hashRange(this.reader.file.path, entry.offset, entry.size);
        layers.push({ mediaType: c === 'gzip' ? MT.DockerLayerGzip : MT.DockerLayerZstd, digest: d, size: entry.size });
        this.layerEntries.set(d, { entry });
      } else {
        throw new BerthError(
          'UNSUPPORTED',
          `${what}: layer ${this.image.layerPaths[i]} uses ${c} compression, which image layers cannot use`,
        );
      }
    }
    const bytes = serializeManifest(
      {
        schemaVersion: 2,
        config: { mediaType: MT.DockerConfig, digest: digestOf(cfgBytes), size: cfgBytes.length },
        layers,
      },
      MT.DockerManifest,
    );
    this.manifest = { bytes, mediaType: MT.DockerManifest };
    return this.manifest;
  }

  async getBlob(desc: Descriptor): Promise<{ stream: Readable; size?: number }> {
    await this.getManifest();
    const l = this.layerEntries.get(desc.digest);
    if (l) return { stream: memberStream(this.reader.file.path, l.entry.offset, l.entry.size), size: l.entry.size };
    if (desc.mediaType === MT.DockerConfig || desc.mediaType === MT.OCIConfig) {
      return { stream: memberStream(this.reader.file.path, this.configEntry.offset, this.configEntry.size), size: this.configEntry.size };
    }
    throw new BerthError('INVALID_ARCHIVE', `${this.ref}: blob ${desc.digest} is not in the archive`);
  }

  layerHint(desc: Descriptor): LayerHint | undefined {
    return this.layerEntries.get(desc.digest)?.hint;
  }

  async close(): Promise<void> {
    if (this.ownsReader) await this.reader.close();
  }
}

async function hashRange(path: string, offset: number, size: number): Promise<Digest> {
  const h = createHash('sha256');
  if (size > 0)
    for await (const c of createReadStream(path, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}` as Digest;
}
