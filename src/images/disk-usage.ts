/**
 * Disk usage of a store (`berth system df`): the bytes of blob files on disk, split into what
 * images reference (each blob counted once, however many images share it), unreferenced
 * blobs (what `system gc` removes), and partial downloads kept to resume interrupted pulls.
 * The sizes add up to the bytes in blobs/ and partials/. Containers count the bytes of their
 * root file systems (containers/), what removing them frees.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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
  /** Containers using the image. */
  containers: number;
}

export interface ContainerDiskUsage {
  id: string;
  name: string;
  imageId: string;
  command: string[];
  /** RFC 3339. */
  created: string;
  /** Bytes of the files of its root file system (each inode once): what removing it frees. */
  size: number;
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
  /** Images: in use = used by a container; the blobs only unused images reference can be freed by removing them. */
  imagesSummary: DiskUsageSummary;
  /** Containers: none runs (active 0); each one's root file system is freed by removing it. */
  containers: DiskUsageSummary & { list: ContainerDiskUsage[] };
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

  const counts = store.containerCounts();
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
      containers: counts.get(row.id) ?? 0,
    });
  }
  let referencedBytes = 0;
  for (const d of users.keys()) referencedBytes += sizes.get(d) ?? 0;
  // blobs an image in use references stay when every unused image is removed
  const kept = new Set<Digest>();
  for (const [id, blobs] of byImage) if (counts.has(id)) for (const d of blobs) kept.add(d);
  let keptBytes = 0;
  for (const d of kept) keptBytes += sizes.get(d) ?? 0;

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
  const ctrs: ContainerDiskUsage[] = store.listContainers().map((c) => ({
    id: c.id,
    name: c.name,
    imageId: c.imageId,
    command: c.command,
    created: c.created,
    size: treeBytes(store.containerPath(c.rootfs)),
  }));
  const ctrBytes = ctrs.reduce((a, c) => a + c.size, 0);
  return {
    images,
    imagesSummary: { total: images.length, active: counts.size, size: referencedBytes, reclaimable: referencedBytes - keptBytes },
    containers: { total: ctrs.length, active: 0, size: ctrBytes, reclaimable: ctrBytes, list: ctrs },
    unreferenced,
    partials,
  };
}

/** Bytes of the non-directory entries under `dir`, each inode once (0 when it is missing). */
function treeBytes(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.nlink < 2 || !seen.has(`${st.dev}:${st.ino}`)) {
        if (st.nlink > 1) seen.add(`${st.dev}:${st.ino}`);
        total += st.size;
      }
    }
  };
  walk(dir);
  return total;
}
