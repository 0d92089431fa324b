import { BerthError } from '../../errors.js';
import { MT, parseManifestDocument, type Descriptor, type ImageIndex } from '../../media/index.js';
import { goJSON } from '../../go/json.js';
import { REF_NAME_ANNOTATION } from './ref.js';

type Obj = Record<string, unknown>;

// Field order of the Go image-spec structs, so index.json reads like the one skopeo writes.
const INDEX_KEYS = ['schemaVersion', 'mediaType', 'artifactType', 'manifests', 'subject', 'annotations'];
const DESCRIPTOR_KEYS = ['mediaType', 'digest', 'size', 'urls', 'annotations', 'data', 'platform', 'artifactType'];
const PLATFORM_KEYS = ['architecture', 'os', 'os.version', 'os.features', 'variant'];

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as Obj).length === 0;
  return false;
}

/** Keep the known keys in Go order, dropping empty optional ones (Go's omitempty). */
function ordered(o: Obj, keys: string[], always: string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (always.includes(k) ? o[k] !== undefined : !isEmpty(o[k])) out[k] = o[k];
  return out;
}

function descriptorOut(d: Obj): Obj {
  const o = ordered(d, DESCRIPTOR_KEYS, ['mediaType', 'digest', 'size']);
  if (o.platform && typeof o.platform === 'object') o.platform = ordered(o.platform as Obj, PLATFORM_KEYS, ['architecture', 'os']);
  return o;
}

function descriptorRaw(d: Descriptor): Obj {
  return { ...d } as Obj;
}

/**
 * index.json of an OCI layout: validated strictly when read, kept as raw objects so entries
 * written by other tools survive a rewrite (known fields only, like containers/image).
 */
export class IndexJson {
  private constructor(
    private top: Obj,
    private entries: Obj[],
    readonly parsed: ImageIndex,
  ) {}

  static empty(): IndexJson {
    return new IndexJson({ schemaVersion: 2, mediaType: MT.OCIIndex }, [], { schemaVersion: 2, mediaType: MT.OCIIndex, manifests: [] });
  }

  /** Parse strictly: an index with "layers"/"config", an invalid digest or a duplicate key is refused. */
  static parse(bytes: Buffer, what: string): IndexJson {
    const doc = parseManifestDocument(bytes, MT.OCIIndex, what);
    if (doc.kind !== 'index') throw new BerthError('INVALID_MANIFEST', `${what}: not an image index`);
    const raw = JSON.parse(bytes.toString('utf8')) as Obj;
    return new IndexJson(
      raw,
      (raw.manifests as Obj[]).map((m) => ({ ...m })),
      doc.index,
    );
  }

  descriptors(): Descriptor[] {
    return this.parsed.manifests;
  }

  /**
   * Record a manifest the way containers/image's oci destination does: a ref name moves
   * from any older entry to the new one (the older entry stays, unnamed); an unnamed entry
   * with the same digest is replaced; otherwise the descriptor is appended.
   */
  addManifest(desc: Descriptor): void {
    const name = desc.annotations?.[REF_NAME_ANNOTATION];
    if (name) {
      const i = this.entries.findIndex((e) => annotations(e)[REF_NAME_ANNOTATION] === name);
      if (i >= 0) {
        const ann = { ...annotations(this.entries[i]!) };
        delete ann[REF_NAME_ANNOTATION];
        this.entries[i] = { ...this.entries[i]!, annotations: ann };
        const p = this.parsed.manifests[i]!;
        const pa = { ...(p.annotations ?? {}) };
        delete pa[REF_NAME_ANNOTATION];
        this.parsed.manifests[i] = { ...p, annotations: pa };
      }
    }
    const same = this.entries.findIndex((e) => e.digest === desc.digest && !annotations(e)[REF_NAME_ANNOTATION]);
    if (same >= 0) {
      this.entries[same] = descriptorRaw(desc);
      this.parsed.manifests[same] = desc;
      return;
    }
    this.entries.push(descriptorRaw(desc));
    this.parsed.manifests.push(desc);
  }

  serialize(): Buffer {
    const top = ordered({ ...this.top, schemaVersion: 2, manifests: this.entries.map(descriptorOut) }, INDEX_KEYS, [
      'schemaVersion',
      'manifests',
    ]);
    if (top.subject && typeof top.subject === 'object') top.subject = descriptorOut(top.subject as Obj);
    return Buffer.from(goJSON(top));
  }
}

function annotations(e: Obj): Record<string, string> {
  const a = e.annotations;
  return a && typeof a === 'object' ? (a as Record<string, string>) : {};
}
