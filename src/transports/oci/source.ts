import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { type Digest, digestOf, parseDigest } from '../../digest/digest.js';
import { MAX_MANIFEST_SIZE, isIndexMediaType, type Descriptor } from '../../media/index.js';
import type { ImageRef, ImageSource, ManifestBytes } from '../types.js';
import { blobRelPath } from './fs-util.js';
import { guessManifestMediaType } from './guess.js';
import type { OciImageEntry, OciLayoutReader } from './reader.js';

/**
 * One image of an OCI layout (directory or archive). Returns bytes as stored: a manifest,
 * or an index for the engine to choose from. Manifests are checked against the digest and
 * size that named them; blobs are streamed for the engine to verify.
 */
export class OciSource implements ImageSource {
  private topDescriptors?: Descriptor[];

  constructor(
    readonly ref: ImageRef,
    private readonly reader: OciLayoutReader,
    readonly entry: OciImageEntry,
    private readonly ownsReader: boolean,
  ) {}

  private get what(): string {
    return this.ref.toString();
  }

  private async readManifestBlob(d: Digest, size: number | undefined, role: string): Promise<Buffer> {
    if (size !== undefined && size > MAX_MANIFEST_SIZE)
      throw new BerthError('TOO_LARGE', `${this.what}: ${role} ${d} is ${size} bytes, over the ${MAX_MANIFEST_SIZE}-byte limit`);
    const bytes = await this.reader.files.readFile(blobRelPath(d, `${role} digest`), MAX_MANIFEST_SIZE, role);
    if (!bytes) throw new BerthError('INVALID_ARCHIVE', `${this.what}: ${role} ${d} is missing from the layout`);
    if (size !== undefined && bytes.length !== size)
      throw new BerthError('SIZE_MISMATCH', `${this.what}: ${role} ${d} is ${bytes.length} bytes, but index.json says ${size}`);
    if (digestOf(bytes, d.slice(0, d.indexOf(':'))) !== d)
      throw new BerthError(
        'DIGEST_MISMATCH',
        `${this.what}: ${role} ${d} does not match its digest (the layout is corrupt or was tampered with)`,
      );
    return bytes;
  }

  async getManifest(instance?: Digest): Promise<ManifestBytes> {
    if (instance === undefined) {
      const d = this.entry.descriptor;
      const bytes = await this.readManifestBlob(d.digest, d.size, 'manifest');
      if (isIndexMediaType(d.mediaType)) this.topDescriptors = descriptorsOf(bytes);
      return { bytes, mediaType: d.mediaType };
    }
    const want = parseDigest(instance, 'manifest instance digest');
    if (!this.topDescriptors && isIndexMediaType(this.entry.descriptor.mediaType)) {
      this.topDescriptors = descriptorsOf(
        await this.readManifestBlob(this.entry.descriptor.digest, this.entry.descriptor.size, 'manifest'),
      );
    }
    // the media type comes from whichever index names the instance
    const desc = this.topDescriptors?.find((m) => m.digest === want) ?? this.reader.index.descriptors().find((m) => m.digest === want);
    const bytes = await this.readManifestBlob(want, desc?.size, 'manifest');
    return { bytes, mediaType: desc?.mediaType ?? guessManifestMediaType(bytes) };
  }

  async getBlob(desc: Descriptor, opts: { offset?: number } = {}): Promise<{ stream: Readable; size?: number; offset?: number }> {
    const d = parseDigest(desc.digest, 'blob digest');
    const offset = opts.offset && opts.offset > 0 ? opts.offset : 0;
    const f = await this.reader.files.openFile(blobRelPath(d), 'blob', offset);
    if (!f) {
      if (desc.urls?.length)
        throw new BerthError(
          'UNSUPPORTED',
          `${this.what}: blob ${d} is a foreign layer that is not in the layout; fetching it from its URLs is not supported`,
        );
      throw new BerthError('INVALID_ARCHIVE', `${this.what}: blob ${d} is missing from the layout`);
    }
    return { stream: f.stream, size: f.size, offset: Math.min(offset, f.size) };
  }

  names(): string[] {
    return this.entry.refName ? [this.entry.refName] : [];
  }

  async close(): Promise<void> {
    if (this.ownsReader) await this.reader.close();
  }
}

/** Descriptors of an index document (lenient: the engine parses it strictly itself). */
function descriptorsOf(bytes: Buffer): Descriptor[] {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(doc.manifests)) return [];
    return doc.manifests.filter(
      (m): m is Descriptor =>
        typeof m === 'object' &&
        m !== null &&
        typeof (m as Descriptor).digest === 'string' &&
        typeof (m as Descriptor).mediaType === 'string',
    );
  } catch {
    return [];
  }
}
