import { createWriteStream, promises as fsp, createReadStream, openSync, statSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../../errors.js';
import { type Digest, digestHex } from '../../digest/digest.js';
import { DigestVerifier } from '../../digest/verifier.js';
import { MT, type Descriptor } from '../../media/types.js';
import { type Reference, formatReference } from '../../reference/reference.js';
import { TarWriter } from '../../util/tar.js';
import type { CommitInfo, ImageDestination, ImageRef, LayerHint, ManifestBytes, PutBlobMeta, StoredBlob } from '../types.js';

interface ManifestItem { Config: string; RepoTags: string[] | null; Layers: string[] }

/**
 * Writes a docker-archive (several images allowed) as one tar stream: config as
 * "<hex>.json", layers uncompressed as "<diffID hex>.tar", manifest.json last. A file target
 * is written to a temp file and renamed on finish, so a failed save leaves nothing behind.
 */
export class DockerArchiveWriter {
  private tar: TarWriter;
  private items: ManifestItem[] = [];
  private written = new Set<string>();
  private tmpPath?: string;
  private finished = false;

  private constructor(private readonly out: Writable, readonly target: string, private readonly finalPath?: string, tmpPath?: string) {
    this.tar = new TarWriter(out);
    this.tmpPath = tmpPath;
  }

  static toFile(path: string): DockerArchiveWriter {
    // fail here, before anything is copied, when the file cannot be created (and never leave
    // an unhandled stream error behind)
    let isDir = false;
    try { isDir = statSync(path).isDirectory(); } catch { /* does not exist yet: fine */ }
    if (isDir) throw new BerthError('INVALID_ARGUMENT', `cannot write the archive to ${path}: it is a directory`, { hint: 'give a file name' });
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o644);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? `directory ${dirname(path)} does not exist` : err.code === 'EACCES' ? 'permission denied' : err.message;
      throw new BerthError('IO', `cannot write the archive to ${path}: ${why}`, { cause: e });
    }
    const out = createWriteStream(tmp, { fd, highWaterMark: 1 << 20 });
    return new DockerArchiveWriter(out, path, path, tmp);
  }

  static toStream(out: Writable, name = 'stdout'): DockerArchiveWriter {
    return new DockerArchiveWriter(out, name);
  }

  newDestination(tags: Reference[]): DockerArchiveDestination {
    return new DockerArchiveDestination(this, tags);
  }

  /** @internal */ hasMember(name: string): boolean { return this.written.has(name); }
  /** @internal */ async addMember(name: string, size: number, stream: Readable): Promise<void> {
    if (this.written.has(name)) { stream.resume(); return; }
    this.written.add(name);
    try {
      await this.tar.addStream(name, size, stream);
    } catch (e) {
      this.written.delete(name);
      throw e;
    }
  }
  /** @internal */ addItem(item: ManifestItem): void { this.items.push(item); }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const manifest = Buffer.from(JSON.stringify(this.items));
    await this.tar.addBuffer('manifest.json', manifest);
    const repos: Record<string, Record<string, string>> = {};
    for (const it of this.items) for (const t of it.RepoTags ?? []) {
      const i = t.lastIndexOf(':');
      const last = it.Layers[it.Layers.length - 1];
      if (last) (repos[t.slice(0, i)] ??= {})[t.slice(i + 1)] = last.replace(/\.tar$/, '').replace(/\/layer$/, '');
    }
    await this.tar.addBuffer('repositories', Buffer.from(JSON.stringify(repos)));
    await this.tar.finish();
    if (this.finalPath && this.tmpPath) {
      const fh = await fsp.open(this.tmpPath, 'r');
      await fh.sync();
      await fh.close();
      await fsp.rename(this.tmpPath, this.finalPath);
    }
  }

  async abort(): Promise<void> {
    this.finished = true;
    this.out.destroy();
    if (this.tmpPath) await fsp.rm(this.tmpPath, { force: true });
  }
}

export class DockerArchiveDestRef implements ImageRef {
  readonly transport = 'docker-archive' as const;
  constructor(readonly target: string, readonly tags: Reference[]) {}
  get dockerReference(): Reference | undefined { return this.tags[0]; }
  toString(): string { return `docker-archive:${this.target}${this.tags[0] ? ':' + formatReference(this.tags[0]) : ''}`; }
  policyScope(): string { return ''; }
}

export class DockerArchiveDestination implements ImageDestination {
  readonly ref: DockerArchiveDestRef;
  private tmpFiles: string[] = [];
  constructor(private readonly writer: DockerArchiveWriter, private readonly tags: Reference[]) {
    this.ref = new DockerArchiveDestRef(writer.target, tags);
  }

  supportedManifestTypes(): string[] { return [MT.DockerManifest]; }
  desiredLayerCompression(): 'decompress' { return 'decompress'; }
  needsDiffIDs(): boolean { return false; }

  async tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    const name = desc.mediaType === MT.DockerConfig || desc.mediaType === MT.OCIConfig ? `${digestHex(desc.digest)}.json` : `${digestHex(desc.digest)}.tar`;
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
    const tmp = join(dirname(this.writer.target === 'stdout' ? join(process.env.TMPDIR || '/tmp', 'x') : this.writer.target), `.berth-layer-${randomBytes(6).toString('hex')}.tmp`);
    this.tmpFiles.push(tmp);
    const v = new DigestVerifier({ what: meta.what });
    await pipeline(stream, v, createWriteStream(tmp));
    const digest = v.digest as Digest;
    await this.writer.addMember(`${digestHex(digest)}.tar`, v.bytes, createReadStream(tmp));
    await fsp.rm(tmp, { force: true });
    return { digest, size: v.bytes, mediaType: meta.mediaType };
  }

  async putManifest(_m: ManifestBytes): Promise<void> { /* docker-archive has no manifest blob; manifest.json is written on commit */ }

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
