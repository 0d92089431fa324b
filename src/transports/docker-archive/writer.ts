import { createWriteStream, promises as fsp, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestHex } from '../../digest/digest.js';
import { DigestVerifier } from '../../digest/verifier.js';
import { MT, type Descriptor } from '../../media/types.js';
import { type Reference, formatReference } from '../../reference/reference.js';
import { TarWriter } from '../../util/tar.js';
import { drain } from '../../util/streams.js';
import { openOutputFile, trackTemp, type OutputFile } from '../../util/output-file.js';
import type { CommitInfo, ImageDestination, ImageRef, LayerHint, ManifestBytes, PutBlobMeta, StoredBlob } from '../types.js';

interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/**
 * Writes a docker-archive (several images allowed) as one tar stream: config as
 * "<hex>.json", layers uncompressed as "<diffID hex>.tar", manifest.json last. A file target
 * goes through an OutputFile: a failed or interrupted save leaves nothing behind, and a
 * device or FIFO is written in place.
 */
export class DockerArchiveWriter {
  private tar: TarWriter;
  private items: ManifestItem[] = [];
  private written = new Set<string>();
  private finished = false;

  private constructor(
    private readonly out: Writable,
    readonly target: string,
    readonly scratchDir: string,
    private readonly file?: OutputFile,
  ) {
    this.tar = new TarWriter(out);
  }

  /** Fails here, before anything is copied, when the file cannot be created. */
  static async toFile(path: string): Promise<DockerArchiveWriter> {
    const file = await openOutputFile(path, `cannot write the archive to ${path}`);
    return new DockerArchiveWriter(file.stream, path, file.scratchDir, file);
  }

  static toStream(out: Writable, name = 'stdout'): DockerArchiveWriter {
    return new DockerArchiveWriter(out, name, process.env.TMPDIR || tmpdir());
  }

  newDestination(tags: Reference[]): DockerArchiveDestination {
    return new DockerArchiveDestination(this, tags);
  }

  /** @internal */ hasMember(name: string): boolean {
    return this.written.has(name);
  }
  /** @internal */ async addMember(name: string, size: number, stream: Readable): Promise<void> {
    // already written (another image, or the same layer twice in one image): read the copy
    // to its end so the engine's verification and side hashes complete, then skip it
    if (this.written.has(name)) {
      await drain(stream);
      return;
    }
    this.written.add(name);
    try {
      await this.tar.addStream(name, size, stream);
    } catch (e) {
      this.written.delete(name);
      throw e;
    }
  }
  /** @internal */ addItem(item: ManifestItem): void {
    this.items.push(item);
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const manifest = Buffer.from(JSON.stringify(this.items));
    await this.tar.addBuffer('manifest.json', manifest);
    const repos: Record<string, Record<string, string>> = {};
    for (const it of this.items)
      for (const t of it.RepoTags ?? []) {
        const i = t.lastIndexOf(':');
        const last = it.Layers[it.Layers.length - 1];
        if (last) (repos[t.slice(0, i)] ??= {})[t.slice(i + 1)] = last.replace(/\.tar$/, '').replace(/\/layer$/, '');
      }
    await this.tar.addBuffer('repositories', Buffer.from(JSON.stringify(repos)));
    await this.tar.finish();
    await this.file?.commit();
  }

  async abort(): Promise<void> {
    this.finished = true;
    if (this.file) await this.file.discard();
    else this.out.destroy();
  }
}

export class DockerArchiveDestRef implements ImageRef {
  readonly transport = 'docker-archive' as const;
  constructor(
    readonly target: string,
    readonly tags: Reference[],
  ) {}
  get dockerReference(): Reference | undefined {
    return this.tags[0];
  }
  toString(): string {
    return `docker-archive:${this.target}${this.tags[0] ? ':' + formatReference(this.tags[0]) : ''}`;
  }
  policyScope(): string {
    return '';
  }
}

export class DockerArchiveDestination implements ImageDestination {
  readonly ref: DockerArchiveDestRef;
  readonly noSignaturesReason = 'Storing signatures for docker tar files is not supported';
  private tmpFiles: string[] = [];
  constructor(
    private readonly writer: DockerArchiveWriter,
    private readonly tags: Reference[],
  ) {
    this.ref = new DockerArchiveDestRef(writer.target, tags);
  }

  supportedManifestTypes(): string[] {
    return [MT.DockerManifest];
  }
  desiredLayerCompression(): 'decompress' {
    return 'decompress';
  }
  needsDiffIDs(): boolean {
    return false;
  }

  async tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    const name =
      desc.mediaType === MT.DockerConfig || desc.mediaType === MT.OCIConfig
        ? `${digestHex(desc.digest)}.json`
        : `${digestHex(desc.digest)}.tar`;
    if (this.writer.hasMember(name)) return { blob: { digest: desc.digest, size: desc.size, mediaType: desc.mediaType }, hint };
    return undefined;
  }

  async putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob> {
    if (meta.digest !== undefined && meta.size !== undefined) {
      const name = meta.isConfig ? `${digestHex(meta.digest)}.json` : `${digestHex(meta.digest)}.tar`;
      // the engine's own verifier already enforces this digest and size: do not hash twice
      if (stream instanceof DigestVerifier && stream.expectedDigest === meta.digest && stream.expectedSize === meta.size) {
        await this.writer.addMember(name, meta.size, stream);
        return { digest: meta.digest, size: meta.size, mediaType: meta.mediaType };
      }
      const v = new DigestVerifier({ digest: meta.digest, size: meta.size, what: meta.what });
      stream.on('error', (e) => v.destroy(e));
      await this.writer.addMember(name, meta.size, stream.pipe(v));
      return { digest: meta.digest, size: meta.size, mediaType: meta.mediaType };
    }
    // unknown size (decompressing without a hint): spool to learn digest and size first
    const tmp = join(this.writer.scratchDir, `.berth-layer-${randomBytes(6).toString('hex')}.tmp`);
    const untrack = trackTemp(tmp);
    this.tmpFiles.push(tmp);
    try {
      const v = new DigestVerifier({ what: meta.what });
      await pipeline(stream, v, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      const digest = v.digest as Digest;
      await this.writer.addMember(`${digestHex(digest)}.tar`, v.bytes, createReadStream(tmp));
      return { digest, size: v.bytes, mediaType: meta.mediaType };
    } finally {
      await fsp.rm(tmp, { force: true });
      untrack();
    }
  }

  async putManifest(_m: ManifestBytes): Promise<void> {
    /* docker-archive has no manifest blob; manifest.json is written on commit */
  }

  async commit(info: CommitInfo): Promise<void> {
    this.writer.addItem({
      Config: `${digestHex(info.config.desc.digest)}.json`,
      RepoTags: this.tags.length ? this.tags.map(qualifiedTag) : null,
      Layers: info.layers.map((l) => `${digestHex(l.desc.digest)}.tar`),
    });
  }

  async close(): Promise<void> {
    for (const f of this.tmpFiles) await fsp.rm(f, { force: true });
  }
}

/**
 * RepoTags are written fully qualified, as podman does: podman (and berth) load a short
 * RepoTag such as "alpine:3" as "localhost/alpine:3", so familiar names would not round-trip.
 */
function qualifiedTag(r: Reference): string {
  return formatReference({ ...r, digest: undefined });
}
