/**
 * An Image handle: one local image, found once by any input the lookup rule accepts (name,
 * short name, full or partial ID, digest, name@digest), then addressed by its ID. Every
 * method reads the store afresh, so a handle never shows stale names; when the image has been
 * removed meanwhile, methods fail with IMAGE_NOT_FOUND.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import type { CopyResult } from '../copy/copy.js';
import { lookupImage, tryLookupImage } from './lookup.js';
import { inspectRow, type ImageInspect } from './inspect.js';
import { historyOfRow, type HistoryLayer } from './history.js';
import { treeOfRow } from './tree.js';
import { tagImage, untagImage } from './tag.js';
import { removeImages, type RemoveOptions, type RemoveReport } from './remove.js';
import type { SaveOptions } from './save.js';
import type { PushOptions } from './push.js';
import type { Digest } from '../digest/digest.js';
import type { Signature } from '../trust/signature.js';

export class Image {
  private constructor(
    readonly store: Store,
    /** The image ID (hex of the config digest). */
    readonly id: string,
    /** The stored name the input matched, when it matched a name. */
    readonly matchedName?: string,
  ) {}

  /** The image `nameOrId` names; IMAGE_NOT_FOUND, AMBIGUOUS_IMAGE or INVALID_REFERENCE otherwise. */
  static open(store: Store, nameOrId: string): Image {
    const r = lookupImage(store, nameOrId);
    return new Image(store, r.id, r.matchedName);
  }

  /** As `open`, but undefined when no image matches (ambiguity and bad input still throw). */
  static tryOpen(store: Store, nameOrId: string): Image | undefined {
    const r = tryLookupImage(store, nameOrId);
    return r && new Image(store, r.id, r.matchedName);
  }

  /** The current index record (names, digests, sizes). */
  record(): ImageRow {
    const row = this.store.getImage(this.id);
    if (!row) throw new BerthError('IMAGE_NOT_FOUND', `${this.id}: image not known`, { subject: this.id });
    return row;
  }

  /** The image's names, most recently added first. */
  names(): string[] {
    return this.record().names;
  }

  /** podman's `image inspect` data. */
  /**
   * The signatures stored with the image (of its own manifest, or of `manifestDigest`), in
   * order: those it was pulled or copied with and those added when it was signed. inspect()
   * does not list them (podman's does not either).
   */
  signatures(manifestDigest?: Digest): Signature[] {
    return this.store.signatures(this.id, manifestDigest ?? this.record().manifestDigest);
  }

  inspect(): ImageInspect {
    return inspectRow(this.store, this.record());
  }

  /** The image's history, newest entry first (podman's `history`). */
  history(): HistoryLayer[] {
    return historyOfRow(this.store, this.record());
  }

  /** The layer tree as `podman image tree` prints it (`whatRequires`: the images built on this one). */
  tree(opts: { whatRequires?: boolean } = {}): string {
    return treeOfRow(this.store, this.record(), opts.whatRequires === true);
  }

  /** Add names (short names become localhost/NAME:latest); returns the stored names. */
  tag(...names: string[]): string[] {
    return tagImage(this.store, this.id, names).names;
  }

  /** Remove the given names, or every name when none is given; returns the names removed. */
  untag(...names: string[]): string[] {
    return untagImage(this.store, this.id, names).removed;
  }

  /**
   * Remove the image (all its names; an image with several names needs `force`, as podman's
   * rmi by ID). Throws the failure, if any; unreferenced blobs are collected.
   */
  remove(opts: Pick<RemoveOptions, 'force' | 'noPrune' | 'containersUsing'> = {}): RemoveReport {
    const report = removeImages(this.store, [this.id], opts);
    if (report.failures.length) throw report.failures[0]!.error;
    return report;
  }

  /** Save this image (under the name it was opened by, if any) to an archive or layout. */
  async save(opts: Omit<SaveOptions, 'images' | 'multiImage'>): Promise<void> {
    // loaded on first use, like the other operations that move images
    const { saveImages } = await import('./save.js');
    return saveImages(this.store, { ...opts, images: [this.matchedName ?? this.id] });
  }

  /** Push to `destination` (any transport; default: the image's registry name). */
  async push(destination?: string, opts: PushOptions = {}): Promise<CopyResult & { destination: string }> {
    const { pushImage } = await import('./push.js');
    return pushImage(this.store, this.matchedName ?? this.id, destination, opts);
  }
}

/** The image `nameOrId` names (see `Image.open`). */
export function openImage(store: Store, nameOrId: string): Image {
  return Image.open(store, nameOrId);
}
