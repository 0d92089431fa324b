/**
 * `podman image tree` output (containers/common libimage `image_tree.go`, printed with the
 * gotree layout): a header with the image's short ID, tagged names and size, then its
 * layers from the base up, each with the names of the images whose top layer it is. With
 * `whatRequires`, the layers built on top of the image's top layer, branching where
 * several layers share a parent.
 */
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { createHash } from 'node:crypto';
import { chainIDs } from '../digest/chain.js';
import { humanSize } from '../go/units.js';
import { repoTags } from './list.js';
import { imageLayers, imagesOnLayers } from './history.js';
import { lookupRecord } from './lookup.js';

/** A gotree node: text and children. */
export interface TextTree {
  text: string;
  items: TextTree[];
}

/** gotree's printer: root text, then items drawn with ├── └── │ prefixes. */
export function printTree(t: TextTree): string {
  return `${t.text}\n${printItems(t.items, [])}`;
}

function printItems(items: TextTree[], spaces: boolean[]): string {
  let out = '';
  items.forEach((it, i) => {
    const last = i === items.length - 1;
    const prefix = spaces.map((s) => (s ? '    ' : '│   ')).join('');
    it.text.split('\n').forEach((line, j) => {
      const ind = j === 0 ? (last ? '└── ' : '├── ') : last ? '    ' : '│   ';
      out += `${prefix}${ind}${line}\n`;
    });
    if (it.items.length) out += printItems(it.items, [...spaces, last]);
  });
  return out;
}

/** Go's %v of a []string. */
function goList(a: readonly string[]): string {
  return `[${a.join(' ')}]`;
}

/**
 * The IDs containers/storage gives the layers podman stores (containers/image storage
 * destination): the first layer's diffID hex, then sha256("<parent ID>+<diffID hex>").
 * (Not docker's chain IDs, which berth uses internally.) Shown so that tree output matches.
 */
export function storageLayerIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const hex = d.slice(d.indexOf(':') + 1);
    const prev = out[out.length - 1];
    out.push(prev === undefined ? hex : createHash('sha256').update(`${prev}+${hex}`).digest('hex'));
  }
  return out;
}

function layerLine(layerID: string, size: number, tags: string[]): string {
  return `ID: ${layerID.slice(0, 12)} Size: ${humanSize(size, 4).padStart(7)}${tags.length ? ` Top Layer of: ${goList(tags)}` : ''}`;
}

/** Unique tagged names of the images on a layer, in order (libimage layerNode.repoTags). */
function nodeTags(images: readonly ImageRow[]): string[] {
  const seen = new Set<string>();
  for (const img of images) for (const t of repoTags(img.names)) seen.add(t);
  return [...seen];
}

/** The layer tree of an image (podman image tree): any input `lookupImage` accepts. */
export function imageTree(store: Store, nameOrId: string, whatRequires = false): string {
  return treeOfRow(store, lookupRecord(store, nameOrId), whatRequires);
}

export function treeOfRow(store: Store, row: ImageRow, whatRequires = false): string {
  const header = [
    `Image ID: ${row.id.slice(0, 12)}`,
    `Tags:     ${goList(repoTags(row.names))}`,
    `Size:     ${humanSize(row.size, 4)}`,
    row.topLayer ? 'Image Layers' : 'No Image Layers',
  ].join('\n');
  const root: TextTree = { text: header, items: [] };
  if (!row.topLayer) return printTree(root);

  if (!whatRequires) {
    const layers = imageLayers(store, row);
    const onLayer = imagesOnLayers(
      store,
      layers.map((l) => l.chain),
    );
    const ids = storageLayerIDs(layers.map((l) => l.diffID));
    layers.forEach((l, i) => root.items.push({ text: layerLine(ids[i]!, l.size, nodeTags(onLayer.get(l.chain) ?? [])), items: [] }));
    return printTree(root);
  }

  // The whole layer tree: every image's layers, linked by chain ID.
  interface Node {
    layerID: string;
    size: number;
    parent?: Node;
    children: Node[];
    images: ImageRow[];
  }
  const nodes = new Map<string, Node>();
  const rows = store.listImages();
  for (const r of rows) {
    if (!r.topLayer) continue;
    const layers = store.manifestLayers(r.manifestDigest);
    const chains = chainIDs(layers.map((l) => l.diffID));
    const ids = storageLayerIDs(layers.map((l) => l.diffID));
    let prev: Node | undefined;
    chains.forEach((c, i) => {
      let n = nodes.get(c);
      if (!n) {
        n = { layerID: ids[i]!, size: Math.max(0, layers[i]!.uncompressedSize), parent: prev, children: [], images: [] };
        nodes.set(c, n);
        prev?.children.push(n);
      }
      prev = n;
    });
    nodes.get(r.topLayer)?.images.push(r);
  }
  const start = nodes.get(row.topLayer);
  if (!start) return printTree(root);
  const traverse = (n: Node, parent: TextTree): void => {
    const item: TextTree = { text: layerLine(n.layerID, n.size, nodeTags(n.images)), items: [] };
    let next: TextTree;
    if (!n.parent || n.parent.children.length <= 1) {
      parent.items.push(item);
      next = parent;
    } else {
      parent.items.push(item);
      next = item;
    }
    for (const c of n.children) traverse(c, next);
  };
  traverse(start, root);
  return printTree(root);
}
