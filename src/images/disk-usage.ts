/**
 * Disk usage of a store (`berth system df`): the bytes of blob files on disk, split into what
 * images reference (each blob counted once, however many images share it), unreferenced
 * blobs (what `system gc` removes), and partial downloads kept to resume interrupted pulls.
 * The sizes add up to the bytes in blobs/ and partials/.
 */
import type { Digest } from '../digest/digest.js';
import type { PartialInfo } from '../store/partials.js';
import type { Store } from '../store/store.js';

export interface ImageDiskUsage {
  id: string;
  names: string[];
  /** config.created, or null. */
  created: string | null;
  /** Bytes of the blobs the image references. */
  size: number;
  /** ...of which other images reference too. */
  sharedSize: number;
  /** ...of which only this image references (what removing it alone frees). */
  uniqueSize: number;
  /** Containers using the image (berth has none yet). */
  containers: number;
}

/** One line of the summary: how many, how many in use, bytes, bytes that can be freed. */
export interface DiskUsageSummary {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DiskUsage {
  images: ImageDiskUsage[];
  /** Images: in use = used by a container; every other image's blobs can be freed by removing it. */
  imagesSummary: DiskUsageSummary;
  /** Blobs no image references: in use = announced by a running writer; the rest gc frees. */
  unreferenced: DiskUsageSummary;
  /** Partial downloads: in use = held by a running pull; the rest `system gc --partials` frees. */
  partials: DiskUsageSummary & { list: PartialInfo[] };
}

export function diskUsage(store: Store): DiskUsage {
  const sizes = new Map<Digest, number>();
  for (const d of store.listBlobs()) sizes.set(d, store.blobSize(d) ?? 0);
  const byImage = store.blobsByImage();
  const users = new Map<Digest, number>();
  for (const blobs of byImage.values()) for (const d of blobs) users.set(d, (users.get(d) ?? 0) + 1);

  const images: ImageDiskUsage[] = [];
  for (const row of store.listImages()) {
    let shared = 0;
    let unique = 0;
    for (const d of byImage.get(row.id) ?? []) {
      const n = sizes.get(d) ?? 0;
      if ((users.get(d) ?? 0) > 1) shared += n;
      else unique += n;
    }
    images.push({
      id: row.id,
      names: row.names,
      created: row.created,
      size: shared + unique,
      sharedSize: shared,
      uniqueSize: unique,
      containers: 0,
    });
  }
  let referencedBytes = 0;
  for (const d of users.keys()) referencedBytes += sizes.get(d) ?? 0;

  const inUse = store.blobsInUse();
  const unreferenced: DiskUsageSummary = { total: 0, active: 0, size: 0, reclaimable: 0 };
  for (const [d, n] of sizes) {
    if (users.has(d)) continue;
    unreferenced.total++;
    unreferenced.size += n;
    if (inUse.has(d)) unreferenced.active++;
    else unreferenced.reclaimable += n;
  }

  const list = store.listPartials();
  const partials = { total: list.length, active: 0, size: 0, reclaimable: 0, list };
  for (const p of list) {
    partials.size += p.bytes;
    if (p.active) partials.active++;
    else partials.reclaimable += p.bytes;
  }
  return {
    images,
    imagesSummary: { total: images.length, active: 0, size: referencedBytes, reclaimable: referencedBytes },
    unreferenced,
    partials,
  };
}
