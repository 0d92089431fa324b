import { createReadStream, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../../errors.js';
import type { Digest } from '../../digest/digest.js';
import { isIndexMediaType, isManifestMediaType, parseManifestDocument, MAX_MANIFEST_SIZE, type Descriptor } from '../../media/index.js';
import { TarWriter } from '../../util/tar.js';
import type { OciDestination } from '../oci/destination.js';
import { blobRelPath, errnoCode, io } from '../oci/fs-util.js';
import { openOutputFile, trackedTempDir, type OutputFile } from '../../util/output-file.js';
import { OciLayoutWriter } from '../oci/writer.js';
import type { CommitInfo, ImageDestination, LayerCompressionDesire, LayerHint, ManifestBytes, PutBlobMeta, StoredBlob } from '../types.js';
import { OciArchiveRef } from './ref.js';

/**
 * Writes one or more images into an oci-archive: `open(path)` (or `toStream(out)`),
 * `newDestination(refName?)` per image (copy, commit, close), then `finish()`, which tars the
 * staged layout into the output. A file goes through an OutputFile (temp file + rename for a
 * regular file, in place for a device or FIFO); `abort()` leaves it untouched. The layout is
 * staged in a temp directory beside the file (or in the temp directory for other outputs).
 */
export class OciArchiveWriter {
  private state: 'open' | 'finished' | 'aborted' = 'open';

  private constructor(
    readonly path: string,
    private readonly stage: string,
    private readonly untrackStage: () => void,
    private readonly layout: OciLayoutWriter,
    private readonly out: Writable,
    private readonly file?: OutputFile,
  ) {}

  static async open(path: string): Promise<OciArchiveWriter> {
    const file = await openOutputFile(path, `cannot write oci-archive:${path}`);
    try {
      return await OciArchiveWriter.staged(path, file.scratchDir, file.stream, file);
    } catch (e) {
      await file.discard();
      throw e;
    }
  }

  /** Write the archive to a stream (stdout); `name` names it in messages. */
  static toStream(out: Writable, name = 'stdout'): Promise<OciArchiveWriter> {
    return OciArchiveWriter.staged(name, process.env.TMPDIR || tmpdir(), out);
  }

  private static async staged(path: string, scratchDir: string, out: Writable, file?: OutputFile): Promise<OciArchiveWriter> {
    const what = `oci-archive:${path}`;
    let stage: string;
    let untrack: () => void;
    try {
      ({ path: stage, untrack } = await trackedTempDir(scratchDir, '.berth-oci-archive-'));
    } catch (e) {
      throw new BerthError('IO', `cannot write ${what}: cannot create a staging directory in ${scratchDir}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    try {
      const layout = await OciLayoutWriter.openWith({
        root: stage,
        what,
        fresh: true,
        persistEachCommit: false,
        refFor: (n) => new OciArchiveRef(path, n),
      });
      return new OciArchiveWriter(path, stage, untrack, layout, out, file);
    } catch (e) {
      await fsp.rm(stage, { recursive: true, force: true });
      untrack();
      throw e;
    }
  }

  /** A destination for one image of the archive; `refName` becomes its ref name annotation. */
  newDestination(refName?: string): OciDestination {
    if (this.state !== 'open') throw new BerthError('INTERNAL', `oci-archive:${this.path}: writer already ${this.state}`);
    return this.layout.newDestination(refName);
  }

  get committedImages(): number {
    return this.layout.committedImages;
  }

  /** Tar the layout into the output (a file replaced atomically) and remove the staging directory. */
  async finish(): Promise<void> {
    if (this.state !== 'open') throw new BerthError('INTERNAL', `oci-archive:${this.path}: writer already ${this.state}`);
    try {
      await this.layout.finish();
      const blobs = await reachableBlobs(this.stage, this.layout.indexJson().descriptors(), `oci-archive:${this.path}`);
      await io(writeLayoutTar(this.stage, blobs, this.out), `cannot write oci-archive:${this.path}`);
      await this.file?.commit();
      this.state = 'finished';
    } catch (e) {
      await this.abort();
      throw e;
    } finally {
      await this.removeStage();
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'finished') return;
    this.state = 'aborted';
    try {
      await this.layout.abort();
    } finally {
      if (this.file) await this.file.discard();
      else this.out.destroy();
      await this.removeStage();
    }
  }

  private async removeStage(): Promise<void> {
    await fsp.rm(this.stage, { recursive: true, force: true });
    this.untrackStage();
  }
}

/**
 * Blobs reachable from index.json (manifests, nested indexes, configs, layers): only these
 * go into the archive, so blobs left by an image that was not committed are not shipped.
 */
async function reachableBlobs(root: string, top: Descriptor[], what: string): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  const queue: Descriptor[] = [...top];
  while (queue.length) {
    const d = queue.shift()!;
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    const rel = blobRelPath(d.digest);
    let present = true;
    try {
      await fsp.stat(join(root, rel));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      present = false;
    }
    if (!present) {
      if (d.urls?.length) continue; // foreign layer: referenced by URL, not shipped
      throw new BerthError('INTERNAL', `${what}: blob ${d.digest} referenced by the layout was never written`);
    }
    out.push(rel);
    if (isIndexMediaType(d.mediaType) || isManifestMediaType(d.mediaType)) {
      const doc = parseManifestDocument(await readSmall(join(root, rel)), d.mediaType, `manifest ${d.digest} of ${what}`);
      if (doc.kind === 'index') queue.push(...doc.index.manifests);
      else if (doc.kind === 'manifest') queue.push(doc.manifest.config, ...doc.manifest.layers);
    }
  }
  return out;
}

async function readSmall(p: string): Promise<Buffer> {
  const st = await fsp.stat(p);
  if (st.size > MAX_MANIFEST_SIZE) throw new BerthError('TOO_LARGE', `${basename(p)} is over the ${MAX_MANIFEST_SIZE}-byte limit`);
  return fsp.readFile(p);
}

/** The tar containers/image produces for a layout: directories, blobs, index.json, oci-layout. */
async function writeLayoutTar(root: string, blobRels: string[], out: Writable): Promise<void> {
  const tw = new TarWriter(out);
  await tw.addDir('blobs/');
  const byAlg = new Map<string, string[]>();
  for (const rel of blobRels) {
    const alg = rel.split('/')[1]!;
    if (!byAlg.has(alg)) byAlg.set(alg, []);
    byAlg.get(alg)!.push(rel);
  }
  for (const alg of [...byAlg.keys()].sort()) {
    await tw.addDir(`blobs/${alg}/`);
    for (const rel of byAlg.get(alg)!.sort()) {
      const p = join(root, rel);
      const { size } = await fsp.stat(p);
      await tw.addStream(rel, size, createReadStream(p, { highWaterMark: 1 << 20 }) as Readable);
    }
  }
  await tw.addBuffer('index.json', await fsp.readFile(join(root, 'index.json')));
  await tw.addBuffer('oci-layout', await fsp.readFile(join(root, 'oci-layout')));
  await tw.finish();
}

/**
 * Standalone destination for "oci-archive:PATH[:REF]": one image; commit writes PATH.
 * Close without commit leaves PATH as it was.
 */
export class OciArchiveDestination implements ImageDestination {
  readonly noSignaturesReason = 'Pushing signatures for OCI images is not supported';
  private constructor(
    readonly ref: OciArchiveRef,
    private readonly writer: OciArchiveWriter,
    private readonly inner: OciDestination,
  ) {}

  static async open(ref: OciArchiveRef): Promise<OciArchiveDestination> {
    if (ref.sourceIndex !== undefined) throw new BerthError('INVALID_ARGUMENT', `${ref}: a destination cannot use a source index`);
    const writer = await OciArchiveWriter.open(ref.path);
    return new OciArchiveDestination(ref, writer, writer.newDestination(ref.image));
  }

  supportedManifestTypes(): string[] {
    return this.inner.supportedManifestTypes();
  }
  desiredLayerCompression(): LayerCompressionDesire {
    return this.inner.desiredLayerCompression();
  }
  needsDiffIDs(): boolean {
    return this.inner.needsDiffIDs();
  }
  tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    return this.inner.tryReuseBlob(desc, hint);
  }
  putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob> {
    return this.inner.putBlob(stream, meta);
  }
  putManifest(m: ManifestBytes, instance?: Digest): Promise<void> {
    return this.inner.putManifest(m, instance);
  }

  async commit(info: CommitInfo): Promise<void> {
    await this.inner.commit(info);
    await this.writer.finish();
  }
  async commitIndex(index: { digest: Digest; mediaType: string; bytes: Buffer }): Promise<void> {
    await this.inner.commitIndex(index);
    await this.writer.finish();
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.writer.abort(); // no-op after finish
  }
}

export function openOciArchiveDestination(ref: OciArchiveRef): Promise<OciArchiveDestination> {
  return OciArchiveDestination.open(ref);
}
