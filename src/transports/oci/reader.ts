import { BerthError } from '../../errors.js';
import { MAX_MANIFEST_SIZE, MT, type Descriptor } from '../../media/index.js';
import { parseStrictJSON } from '../../media/strict-json.js';
import type { ImageRef, ImageSource } from '../types.js';
import { IndexJson } from './index-json.js';
import type { LayoutFiles } from './layout-files.js';
import { REF_NAME_ANNOTATION } from './ref.js';
import { OciSource } from './source.js';

/** One entry of a layout's index.json. */
export interface OciImageEntry {
  /** Zero-based position in index.json's "manifests". */
  index: number;
  descriptor: Descriptor;
  /** The org.opencontainers.image.ref.name annotation, when present and non-empty. */
  refName?: string;
}

/** Which entry of index.json a reference means. */
export interface OciSelector {
  /** Match this ref name annotation. */
  image?: string;
  /** Take the n-th entry. */
  sourceIndex?: number;
}

export const OCI_LAYOUT_VERSION = '1.0.0';
const MAX_LAYOUT_FILE = 64 * 1024;
const IMAGE_TYPES: string[] = [MT.OCIManifest, MT.OCIIndex, MT.DockerManifest, MT.DockerManifestList];

export interface ReaderOptions {
  /** Hint for choosing an image; `example` is a ref name (or "@N") from the layout. */
  chooseHint(example: string): string;
  /** Whether "@N" selects entries (oci:) — used in listings of unnamed entries. */
  indexSyntax: boolean;
  /** Builds the ref of a source opened by entry (for messages and policy). */
  refFor(entry: OciImageEntry): ImageRef;
}

/**
 * A validated OCI layout (directory or archive): oci-layout checked, index.json parsed
 * strictly. Lists the images and opens sources for them; sources share this reader's files,
 * so the reader must stay open until they are closed.
 */
export class OciLayoutReader {
  private constructor(
    readonly files: LayoutFiles,
    readonly index: IndexJson,
    private readonly opts: ReaderOptions,
  ) {}

  get what(): string {
    return this.files.what;
  }

  /** Validate the layout. Closes `files` on failure. */
  static async open(files: LayoutFiles, opts: ReaderOptions): Promise<OciLayoutReader> {
    try {
      const what = files.what;
      const layout = await files.readFile('oci-layout', MAX_LAYOUT_FILE, 'layout marker');
      if (!layout) throw new BerthError('INVALID_ARCHIVE', `${what}: not an OCI image layout (the oci-layout file is missing)`);
      const doc = parseStrictJSON(layout.toString('utf8'), `oci-layout file of ${what}`) as { imageLayoutVersion?: unknown } | null;
      if (typeof doc !== 'object' || doc === null || typeof doc.imageLayoutVersion !== 'string') {
        throw new BerthError('INVALID_ARCHIVE', `${what}: the oci-layout file has no imageLayoutVersion`);
      }
      if (doc.imageLayoutVersion !== OCI_LAYOUT_VERSION) {
        throw new BerthError(
          'UNSUPPORTED',
          `${what}: unsupported OCI layout version ${JSON.stringify(doc.imageLayoutVersion.slice(0, 40))} (expected ${OCI_LAYOUT_VERSION})`,
        );
      }
      const bytes = await files.readFile('index.json', MAX_MANIFEST_SIZE, 'index');
      if (!bytes) throw new BerthError('INVALID_ARCHIVE', `${what}: not an OCI image layout (index.json is missing)`);
      return new OciLayoutReader(files, IndexJson.parse(bytes, `index.json of ${what}`), opts);
    } catch (e) {
      await files.close();
      throw e;
    }
  }

  /** Every entry of index.json, in order. */
  images(): OciImageEntry[] {
    return this.index.descriptors().map((descriptor, index) => {
      const name = descriptor.annotations?.[REF_NAME_ANNOTATION];
      return name ? { index, descriptor, refName: name } : { index, descriptor };
    });
  }

  /** Resolve a selector as containers/image does (ref name match, sole entry, or index). */
  select(sel: OciSelector = {}): OciImageEntry {
    const all = this.images();
    if (sel.sourceIndex !== undefined) {
      const e = all[sel.sourceIndex];
      if (!e) throw new BerthError('IMAGE_NOT_FOUND', `${this.what}: there is no entry @${sel.sourceIndex}, index.json has ${all.length}`);
      return e;
    }
    if (sel.image) {
      const unsupported: string[] = [];
      for (const e of all) {
        if (e.refName !== sel.image) continue;
        if (IMAGE_TYPES.includes(e.descriptor.mediaType)) return e;
        unsupported.push(e.descriptor.mediaType);
      }
      if (unsupported.length)
        throw new BerthError(
          'UNSUPPORTED',
          `${this.what}: ${JSON.stringify(sel.image)} names an unsupported media type ${unsupported.map((m) => JSON.stringify(m)).join(', ')}`,
        );
      throw new BerthError('IMAGE_NOT_FOUND', `${this.what}: no image named ${JSON.stringify(sel.image)} (${this.available(all)})`);
    }
    if (all.length === 1) return all[0]!;
    if (all.length === 0) throw new BerthError('IMAGE_NOT_FOUND', `${this.what}: index.json lists no images`);
    throw new BerthError('AMBIGUOUS_IMAGE', `${this.what} holds ${all.length} images, choose one (${this.available(all)})`, {
      hint: this.opts.chooseHint(all.find((e) => e.refName)?.refName ?? (this.opts.indexSyntax ? '@0' : 'NAME')),
    });
  }

  private available(all: OciImageEntry[]): string {
    const named = all.filter((e) => e.refName).map((e) => JSON.stringify(e.refName));
    const unnamed = all.filter((e) => !e.refName);
    const parts = named.length > 20 ? [...named.slice(0, 20), `${named.length - 20} more`] : named;
    if (unnamed.length) {
      parts.push(
        this.opts.indexSyntax && unnamed.length <= 5 ? unnamed.map((e) => `@${e.index} (unnamed)`).join(', ') : `${unnamed.length} unnamed`,
      );
    }
    return parts.length ? `available: ${parts.join(', ')}` : 'it names no images';
  }

  /**
   * A source for one image: by position (number), ref name (string), or the sole image.
   * The source does not own the reader.
   */
  openSource(which?: number | string): ImageSource {
    const entry = this.select(typeof which === 'number' ? { sourceIndex: which } : { image: which });
    return new OciSource(this.opts.refFor(entry), this, entry, false);
  }

  async close(): Promise<void> {
    await this.files.close();
  }
}
