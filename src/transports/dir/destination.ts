import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { type Digest, digestAlgorithm, parseDigest } from '../../digest/digest.js';
import { MT, type Descriptor } from '../../media/index.js';
import { errnoCode, io, streamToTemp, tempName, writeFileAtomic } from '../oci/fs-util.js';
import { trackedTempDir } from '../../util/output-file.js';
import type { CommitInfo, ImageDestination, LayerHint, ManifestBytes, PutBlobMeta, StoredBlob } from '../types.js';
import { DirRef, dirBlobName, dirManifestName, dirSignatureName } from './ref.js';
import type { Signature } from '../../trust/signature.js';
import { signatureToBlob } from '../../trust/blob.js';
import { DIR_MAX_VERSION, DIR_VERSION_1_1, DIR_VERSION_1_2, dirVersionGreater, formatDirVersion, parseDirVersion } from './version.js';

const STAGING_PREFIX = '.berth-staging-';

/**
 * Writes a dir: image. Like containers/image it refuses a non-empty directory that is not a
 * dir: image (no valid version file) and replaces the contents of one that is; unlike it,
 * the new image is staged in a subdirectory and swapped in at commit, so a failed or
 * abandoned copy leaves the old contents alone. Any manifest type is accepted as is.
 */
export class DirDestination implements ImageDestination {
  private manifestWritten = false;
  /** Manifests written as instances of a list (their signatures are "<hex>.signature-N"). */
  private readonly instances = new Set<Digest>();
  private nonSha256 = false;
  private committed = false;
  private closed = false;

  private constructor(
    readonly ref: DirRef,
    private readonly stage: string,
    private readonly createdRoot: boolean,
    /** Forget the staging directory, which is removed if the process is interrupted. */
    private readonly untrackStage: () => void,
  ) {}

  static async open(ref: DirRef): Promise<DirDestination> {
    const what = ref.toString();
    const root = ref.path;
    let created = false;
    let entries: string[] | undefined;
    try {
      const st = await fsp.stat(root);
      if (!st.isDirectory()) throw new BerthError('INVALID_ARGUMENT', `${what}: ${root} exists and is not a directory`);
      entries = (await fsp.readdir(root)).filter((n) => !n.startsWith(STAGING_PREFIX));
    } catch (e) {
      if (e instanceof BerthError) throw e;
      if (errnoCode(e) !== 'ENOENT') throw new BerthError('IO', `${what}: ${(e as Error).message}`, { cause: e });
    }
    if (entries && entries.length > 0) {
      const refuse = () =>
        new BerthError('INVALID_ARGUMENT', `${what}: the directory is not empty and is not a dir: image, refusing to overwrite it`, {
          hint: 'choose a new or empty directory',
        });
      let text: string;
      try {
        text = await fsp.readFile(join(root, 'version'), 'utf8');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'EISDIR') throw refuse();
        throw new BerthError('IO', `${what}: cannot read the version file: ${(e as Error).message}`, { cause: e });
      }
      const v = parseDirVersion(text);
      if (!v) throw refuse();
      if (dirVersionGreater(v, DIR_MAX_VERSION))
        throw new BerthError('UNSUPPORTED', `${what}: unsupported directory transport version ${v.major}.${v.minor}`);
    }
    if (!entries) {
      try {
        await fsp.mkdir(root, { recursive: true });
      } catch (e) {
        throw new BerthError('IO', `${what}: cannot create the directory: ${(e as Error).message}`, { cause: e });
      }
      created = true;
    }
    const stage = await io(trackedTempDir(root, STAGING_PREFIX), `${what}: cannot write into the directory`);
    return new DirDestination(ref, stage.path, created, stage.untrack);
  }

  supportedManifestTypes(): string[] {
    return [MT.OCIManifest, MT.DockerManifest, MT.OCIIndex, MT.DockerManifestList];
  }
  desiredLayerCompression(): 'preserve' {
    return 'preserve';
  }
  needsDiffIDs(): boolean {
    return false;
  }

  private check(): void {
    if (this.closed || this.committed)
      throw new BerthError('INTERNAL', `${this.ref}: destination used after ${this.closed ? 'close' : 'commit'}`);
  }

  private note(d: Digest): void {
    if (digestAlgorithm(d) !== 'sha256') this.nonSha256 = true;
  }

  async tryReuseBlob(desc: Descriptor, hint?: LayerHint): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    this.check();
    let st;
    try {
      st = await fsp.lstat(join(this.stage, dirBlobName(desc.digest)));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
    if (!st.isFile() || st.size !== desc.size) return undefined;
    return { blob: { digest: desc.digest, size: st.size, mediaType: desc.mediaType }, hint };
  }

  async putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob> {
    this.check();
    const known = meta.digest !== undefined ? parseDigest(meta.digest, `digest of ${meta.what}`) : undefined;
    const hash = known ? undefined : createHash('sha256');
    const tmp = tempName(this.stage, '.put-');
    const size = await streamToTemp(stream, tmp, hash);
    try {
      if (meta.size !== undefined && size !== meta.size)
        throw new BerthError('SIZE_MISMATCH', `${meta.what}: got ${size} bytes, expected ${meta.size}`);
      const digest = known ?? (`sha256:${hash!.digest('hex')}` as Digest);
      await io(fsp.rename(tmp, join(this.stage, dirBlobName(digest))), `${this.ref}: cannot store blob ${digest}`);
      this.note(digest);
      return { digest, size, mediaType: meta.mediaType };
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  async putManifest(m: ManifestBytes, instance?: Digest): Promise<void> {
    this.check();
    const d = instance === undefined ? undefined : parseDigest(instance, 'manifest instance digest');
    if (d) {
      this.note(d);
      this.instances.add(d);
    }
    await writeFileAtomic(join(this.stage, dirManifestName(d)), m.bytes);
    if (!d) this.manifestWritten = true;
  }

  /**
   * signature-1..N beside manifest.json (for a list's instance written by digest,
   * <hex>.signature-1..N), as containers/image writes them.
   */
  async putSignatures(signatures: Signature[], manifestDigest: Digest): Promise<void> {
    this.check();
    const instance = this.instances.has(manifestDigest) ? manifestDigest : undefined;
    const prefix = dirSignatureName(0, instance).replace(/1$/, '');
    for (const n of await fsp.readdir(this.stage))
      if (n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length))) await fsp.rm(join(this.stage, n), { force: true });
    for (const [i, sig] of signatures.entries())
      await writeFileAtomic(join(this.stage, dirSignatureName(i, instance)), signatureToBlob(sig));
  }

  /** Swap the staged image in: old contents out, staged files up, version file last. */
  async commit(info: CommitInfo): Promise<void> {
    await this.commitIndex(info.manifest);
  }

  /** The top-level manifest (an image's, or a list's) becomes manifest.json; then swap in. */
  async commitIndex(m: { bytes: Buffer; mediaType: string }): Promise<void> {
    this.check();
    if (!this.manifestWritten) await this.putManifest({ bytes: m.bytes, mediaType: m.mediaType });
    const root = this.ref.path;
    const stageName = basename(this.stage);
    await io(
      (async () => {
        for (const n of await fsp.readdir(root)) {
          if (n !== stageName) await fsp.rm(join(root, n), { recursive: true, force: true });
        }
        for (const n of await fsp.readdir(this.stage)) await fsp.rename(join(this.stage, n), join(root, n));
        await fsp.rmdir(this.stage);
        this.untrackStage();
      })(),
      `${this.ref}: cannot replace the directory's contents`,
    );
    await writeFileAtomic(join(root, 'version'), formatDirVersion(this.nonSha256 ? DIR_VERSION_1_2 : DIR_VERSION_1_1));
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.committed) return;
    await fsp.rm(this.stage, { recursive: true, force: true });
    this.untrackStage();
    if (this.createdRoot) await fsp.rmdir(this.ref.path).catch(() => {});
  }
}
