import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { type Digest, matchesDigest, parseDigest } from '../../digest/digest.js';
import { MAX_MANIFEST_SIZE, type Descriptor } from '../../media/index.js';
import { guessManifestMediaType } from '../oci/guess.js';
import { DirLayoutFiles } from '../oci/layout-files.js';
import type { ImageSource, ManifestBytes } from '../types.js';
import { DirRef, dirBlobName, dirManifestName, dirSignatureName } from './ref.js';
import type { Signature } from '../../trust/signature.js';
import { MAX_SIGNATURE_SIZE, signatureFromBlob } from '../../trust/blob.js';
import { join } from 'node:path';
import { DIR_MAX_VERSION, dirVersionGreater, formatDirVersion, parseDirVersion } from './version.js';

/**
 * Reads a dir: image: manifest.json (or <hex>.manifest.json for index instances) and blobs
 * named by their digest's hex. The version file is optional (as in containers/image) but
 * must be valid when present. Files must be regular and stay inside the directory.
 */
export class DirSource implements ImageSource {
  private constructor(
    readonly ref: DirRef,
    private readonly files: DirLayoutFiles,
  ) {}

  static async open(ref: DirRef): Promise<DirSource> {
    const what = ref.toString();
    const files = await DirLayoutFiles.open(ref.path, what);
    const v = await files.readFile('version', 4096, 'version file');
    if (v !== undefined) {
      const parsed = parseDirVersion(v.toString('utf8'));
      if (!parsed)
        throw new BerthError(
          'INVALID_ARCHIVE',
          `${what}: invalid version file (expected ${JSON.stringify(formatDirVersion(DIR_MAX_VERSION).trim())})`,
        );
      if (dirVersionGreater(parsed, DIR_MAX_VERSION))
        throw new BerthError('UNSUPPORTED', `${what}: unsupported directory transport version ${parsed.major}.${parsed.minor}`);
    }
    return new DirSource(ref, files);
  }

  async getManifest(instance?: Digest): Promise<ManifestBytes> {
    const d = instance === undefined ? undefined : parseDigest(instance, 'manifest instance digest');
    const name = dirManifestName(d);
    const bytes = await this.files.readFile(name, MAX_MANIFEST_SIZE, 'manifest');
    if (!bytes) throw new BerthError('INVALID_ARCHIVE', `${this.ref}: ${name} is missing`);
    if (d && !matchesDigest(bytes, d)) throw new BerthError('DIGEST_MISMATCH', `${this.ref}: ${name} does not match its digest ${d}`);
    return { bytes, mediaType: guessManifestMediaType(bytes) };
  }

  async getBlob(desc: Descriptor, opts: { offset?: number } = {}): Promise<{ stream: Readable; size?: number; offset?: number }> {
    const name = dirBlobName(desc.digest);
    const offset = opts.offset && opts.offset > 0 ? opts.offset : 0;
    const f = await this.files.openFile(name, 'blob', offset);
    if (!f) throw new BerthError('INVALID_ARCHIVE', `${this.ref}: blob ${desc.digest} is missing`);
    return { stream: f.stream, size: f.size, offset: Math.min(offset, f.size) };
  }

  /** signature-1, signature-2, ... up to the first one missing (containers/image's layout). */
  async getSignatures(instance?: Digest): Promise<Signature[]> {
    const d = instance === undefined ? undefined : parseDigest(instance, 'manifest instance digest');
    const out: Signature[] = [];
    for (let i = 0; ; i++) {
      const name = dirSignatureName(i, d);
      const bytes = await this.files.readFile(name, MAX_SIGNATURE_SIZE, 'signature');
      if (!bytes) return out;
      out.push(signatureFromBlob(bytes, join(this.ref.path, name)));
    }
  }

  async close(): Promise<void> {
    await this.files.close();
  }
}
