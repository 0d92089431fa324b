/**
 * Test fixture for the image commands: writes images with exact configs (created time,
 * labels, history, layers shared between images for parent/child relations) straight into a
 * berth store through the local transport (LocalDestination), as import does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf, type Digest } from '../../../src/digest/digest.js';
import { MT, type Descriptor } from '../../../src/media/types.js';
import { serializeManifest } from '../../../src/media/serialize.js';
import { Store } from '../../../src/store/store.js';
import { LocalDestination, LocalRef } from '../../../src/transports/local/local.js';
import { makeTar } from '../../helpers/tools.js';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'berth-images-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function tempStore(t: { after(fn: () => void): void }): { store: Store; root: string } {
  const root = tempDir(t);
  const store = Store.open({ root });
  t.after(() => store.close());
  return { store, root };
}

/** A layer: its file content (one file "f.txt"), so equal strings give the same layer. */
export type LayerSpec = string;

export interface ImageSpec {
  /** Layers, base first (default: one layer with unique content). */
  layers?: LayerSpec[];
  /** config.created (RFC 3339); default 2024-01-01T00:00:00Z. null: no created field. */
  created?: string | null;
  labels?: Record<string, string>;
  /** History entries; default: one non-empty entry per layer, created_by "layer N". */
  history?: { created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }[];
  names?: string[];
  author?: string;
  env?: string[];
  cmd?: string[];
  /** Docker schema2 manifest instead of OCI. */
  docker?: boolean;
  /** Extra config fields. */
  extra?: Record<string, unknown>;
  annotations?: Record<string, string>;
  architecture?: string;
  /** Store the image as pulled through an OCI index with these entries (given the image's own manifest). */
  index?: (manifest: Descriptor) => Descriptor[];
}

export interface WrittenImage {
  id: string;
  configDigest: Digest;
  manifestDigest: Digest;
  diffIDs: Digest[];
  /** The index it was stored through (spec.index). */
  indexDigest?: Digest;
}

let counter = 0;

export async function writeImage(store: Store, spec: ImageSpec = {}): Promise<WrittenImage> {
  const layerSpecs = spec.layers ?? [`unique layer ${process.pid} ${++counter} ${Math.random()}`];
  const tars = layerSpecs.map((c) => makeTar({ 'f.txt': c }));
  const diffIDs = tars.map((t) => digestOf(t));
  const created = spec.created === undefined ? '2024-01-01T00:00:00Z' : spec.created;
  const history = spec.history ?? layerSpecs.map((_, i) => ({ ...(created ? { created } : {}), created_by: `layer ${i}` }));
  const config: Record<string, unknown> = {
    ...(created !== null ? { created } : {}),
    ...(spec.author ? { author: spec.author } : {}),
    architecture: spec.architecture ?? 'amd64',
    os: 'linux',
    config: {
      ...(spec.env ? { Env: spec.env } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ...(spec.labels ? { Labels: spec.labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history,
    ...(spec.extra ?? {}),
  };
  const cfgBytes = Buffer.from(JSON.stringify(config));
  const flavour = spec.docker ? 'docker' : 'oci';
  const cfgDesc = { mediaType: flavour === 'docker' ? MT.DockerConfig : MT.OCIConfig, digest: digestOf(cfgBytes), size: cfgBytes.length };
  const layerMT = flavour === 'docker' ? MT.DockerLayer : MT.OCILayer;
  const dest = new LocalDestination(new LocalRef(store, undefined, spec.names ?? []));
  try {
    const layerDescs = [];
    for (const tar of tars) {
      const b = await dest.putBlob(Readable.from([tar]), {
        digest: digestOf(tar),
        size: tar.length,
        mediaType: layerMT,
        isConfig: false,
        what: 'layer',
      });
      layerDescs.push({ mediaType: layerMT, digest: b.digest, size: b.size });
    }
    await dest.putBlob(Readable.from([cfgBytes]), {
      digest: cfgDesc.digest,
      size: cfgDesc.size,
      mediaType: cfgDesc.mediaType,
      isConfig: true,
      what: 'config',
    });
    const mt = flavour === 'docker' ? MT.DockerManifest : MT.OCIManifest;
    const manifest = serializeManifest(
      { schemaVersion: 2, config: cfgDesc, layers: layerDescs, ...(spec.annotations ? { annotations: spec.annotations } : {}) },
      mt,
    );
    await dest.putManifest({ bytes: manifest, mediaType: mt });
    const manifestDigest = digestOf(manifest);
    const indexBytes = spec.index
      ? Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MT.OCIIndex,
            manifests: spec.index({ mediaType: mt, digest: manifestDigest, size: manifest.length }),
          }),
        )
      : undefined;
    await dest.commit({
      manifest: { digest: manifestDigest, mediaType: mt, bytes: manifest },
      config: { desc: cfgDesc, bytes: cfgBytes },
      layers: layerDescs.map((d, i) => ({ desc: d, diffID: diffIDs[i]!, uncompressedSize: tars[i]!.length })),
      ...(indexBytes ? { index: { digest: digestOf(indexBytes), mediaType: MT.OCIIndex, bytes: indexBytes } } : {}),
    });
    return {
      id: dest.imageId!,
      configDigest: cfgDesc.digest,
      manifestDigest,
      diffIDs,
      ...(indexBytes ? { indexDigest: digestOf(indexBytes) } : {}),
    };
  } finally {
    await dest.close();
  }
}

/**
 * A parent image and a child built on it the way a build does: the child shares the
 * parent's layers and history and adds one entry (with or without a layer).
 */
export async function writeParentAndChild(
  store: Store,
  opts: {
    parentNames?: string[];
    childNames?: string[];
    childAddsLayer?: boolean;
    base?: string;
    top?: string;
    created?: string;
  } = {},
): Promise<{ parent: WrittenImage; child: WrittenImage }> {
  const base = opts.base ?? `base ${Math.random()}`;
  const created = opts.created ?? '2024-01-01T00:00:00Z';
  const parentHistory = [{ created, created_by: 'ADD base' }];
  const parent = await writeImage(store, { layers: [base], history: parentHistory, names: opts.parentNames ?? [], created });
  const addsLayer = opts.childAddsLayer ?? true;
  const child = await writeImage(store, {
    layers: addsLayer ? [base, opts.top ?? `top ${Math.random()}`] : [base],
    history: [...parentHistory, addsLayer ? { created, created_by: 'RUN make' } : { created, created_by: 'LABEL x=y', empty_layer: true }],
    names: opts.childNames ?? [],
    created,
  });
  return { parent, child };
}
