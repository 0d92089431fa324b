/**
 * Image history as podman computes it (containers/common libimage `history.go`): the
 * config's history, newest first; walking down the image's layers, each entry that created
 * a layer gets that layer's size, and the entry gets the ID of the first image whose top
 * layer is the current layer (each ID used once; otherwise "<missing>") and the names of
 * all images on that layer.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import type { Digest } from '../digest/digest.js';
import { chainIDs } from '../digest/chain.js';
import { GoTime, parseRFC3339 } from '../go/time.js';
import { lookupRecord } from './lookup.js';

export interface HistoryLayer {
  /** Image ID, or "<missing>". */
  id: string;
  /** Creation time (Go's zero time when the entry has none). */
  created: GoTime;
  createdBy: string;
  /** Uncompressed size of the layer the entry created (0 for empty layers). */
  size: number;
  comment: string;
  /** Names of the images whose top layer this entry's layer is. */
  tags: string[];
}

/** Images whose top layer is one of `chains`, grouped by that layer, in index order. */
export function imagesOnLayers(store: Store, chains: readonly string[]): Map<string, ImageRow[]> {
  const out = new Map<string, ImageRow[]>();
  if (chains.length === 0) return out;
  const wanted = new Set(chains);
  for (const id of store.imageIdsByLayers([...wanted])) {
    const r = store.getImage(id);
    if (!r?.topLayer || !wanted.has(r.topLayer)) continue;
    const a = out.get(r.topLayer);
    if (a) a.push(r);
    else out.set(r.topLayer, [r]);
  }
  return out;
}

/** The layers of an image, base first, with their chain IDs. */
export function imageLayers(store: Store, row: ImageRow): { chain: string; diffID: Digest; size: number }[] {
  const layers = store.manifestLayers(row.manifestDigest);
  const chains = chainIDs(layers.map((l) => l.diffID));
  return layers.map((l, i) => ({ chain: chains[i]!, diffID: l.diffID, size: Math.max(0, l.uncompressedSize) }));
}

/** The history of an image: any input `lookupImage` accepts (name, short name, full or partial ID, digest, name@digest). */
export function imageHistory(store: Store, nameOrId: string): HistoryLayer[] {
  return historyOfRow(store, lookupRecord(store, nameOrId));
}

/** The history of one stored image record, newest entry first. */
export function historyOfRow(store: Store, row: ImageRow): HistoryLayer[] {
  let cfg: { history?: unknown };
  try {
    cfg = JSON.parse(store.readBlob(row.configDigest, 4 << 20).toString('utf8')) as { history?: unknown };
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('STORE_CORRUPT', `image ${row.id.slice(0, 12)}: cannot read its config: ${(e as Error).message}`);
  }
  const history = Array.isArray(cfg.history) ? (cfg.history as Record<string, unknown>[]) : [];
  const layers = row.topLayer ? imageLayers(store, row) : [];
  const onLayer = imagesOnLayers(
    store,
    layers.map((l) => l.chain),
  );
  let node = layers.length - 1;
  const used = new Set<string>();
  const out: HistoryLayer[] = [];
  for (let x = history.length - 1; x >= 0; x--) {
    const h = history[x] ?? {};
    const entry: HistoryLayer = {
      id: '<missing>',
      created: (typeof h.created === 'string' ? parseRFC3339(h.created) : undefined) ?? GoTime.zero(),
      createdBy: typeof h.created_by === 'string' ? h.created_by : '',
      size: 0,
      comment: typeof h.comment === 'string' ? h.comment : '',
      tags: [],
    };
    const images = node >= 0 ? (onLayer.get(layers[node]!.chain) ?? []) : [];
    if (images.length > 0) {
      const id = images[0]!.id;
      if (!used.has(id)) {
        entry.id = id;
        used.add(id);
      }
      for (const img of images) entry.tags.push(...img.names);
    }
    if (h.empty_layer !== true) {
      if (node < 0)
        throw new BerthError('STORE_CORRUPT', `image ${row.id.slice(0, 12)}: its history has more layer entries than it has layers`);
      entry.size = layers[node]!.size;
      node--;
    }
    out.push(entry);
  }
  return out;
}
