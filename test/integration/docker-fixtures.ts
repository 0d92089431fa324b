/**
 * Fixtures for the docker:// transport tests: a small image built in memory (tar layers,
 * gzip-compressed or not) served by an in-memory ImageSource, and a scratch local store.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Digest } from '../../src/digest/digest.js';
import type { Descriptor } from '../../src/media/types.js';
import type { ImageRef, ImageSource, ManifestBytes } from '../../src/transports/types.js';
import { Store, storeInternals } from '../../src/store/store.js';
import { makeTar } from '../helpers/tools.js';

export const sha256 = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;

export interface TestImage {
  manifest: Buffer;
  manifestDigest: Digest;
  mediaType: string;
  config: Buffer;
  configDigest: Digest;
  layers: Descriptor[];
  blobs: Map<string, Buffer>;
}

export interface LayerSpec {
  files: Record<string, string | Buffer>;
  gzip?: boolean;
}

/** Build an OCI (default) or docker v2s2 image from tar layers. */
export function buildImage(opts: { layers?: LayerSpec[]; flavour?: 'oci' | 'docker'; label?: string } = {}): TestImage {
  const flavour = opts.flavour ?? 'oci';
  const specs = opts.layers ?? [{ files: { 'hello.txt': `hello ${opts.label ?? randomBytes(4).toString('hex')}\n` }, gzip: true }];
  const blobs = new Map<string, Buffer>();
  const layers: Descriptor[] = [];
  const diffIDs: Digest[] = [];
  for (const spec of specs) {
    const tar = makeTar(spec.files);
    diffIDs.push(sha256(tar));
    const bytes = spec.gzip ? gzipSync(tar) : tar;
    const mediaType =
      flavour === 'oci'
        ? spec.gzip
          ? 'application/vnd.oci.image.layer.v1.tar+gzip'
          : 'application/vnd.oci.image.layer.v1.tar'
        : spec.gzip
          ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
          : 'application/vnd.docker.image.rootfs.diff.tar';
    const d = sha256(bytes);
    blobs.set(d, bytes);
    layers.push({ mediaType, digest: d, size: bytes.length });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['/bin/sh'], Labels: { test: opts.label ?? 'x' } },
      rootfs: { type: 'layers', diff_ids: diffIDs },
      history: diffIDs.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'berth test' })),
    }),
  );
  const configDigest = sha256(config);
  blobs.set(configDigest, config);
  const mediaType =
    flavour === 'oci' ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: flavour === 'oci' ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers,
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), mediaType, config, configDigest, layers, blobs };
}

/** A layer of `size` random (incompressible) bytes inside a tar, gzip-compressed. */
export function bigLayer(size: number): LayerSpec {
  return { files: { 'random.bin': randomBytes(size) }, gzip: true };
}

export class MemoryRef implements ImageRef {
  readonly transport = 'oci' as const;
  toString(): string {
    return 'oci:memory-test-image';
  }
  policyScope(): string {
    return '';
  }
}

export class MemorySource implements ImageSource {
  readonly ref = new MemoryRef();
  constructor(readonly img: TestImage) {}
  async getManifest(): Promise<ManifestBytes> {
    return { bytes: this.img.manifest, mediaType: this.img.mediaType };
  }
  async getBlob(desc: Descriptor): Promise<{ stream: Readable; size?: number }> {
    const b = this.img.blobs.get(desc.digest);
    if (!b) throw new Error(`no blob ${desc.digest}`);
    return { stream: Readable.from([b]), size: b.length };
  }
  async close(): Promise<void> {}
}

export async function scratchStore(): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-docker-test-'));
  const store = Store.open({ root: path.join(dir, 'store') });
  return {
    store,
    dir,
    cleanup: async () => {
      try {
        store.close();
      } catch {
        /* already closed */
      }
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** What a store holds (to prove a failed pull left nothing behind). */
export function storeSnapshot(store: Store): { images: string[]; blobs: string[] } {
  return {
    images: store
      .listImages()
      .map((i) => i.id)
      .sort(),
    blobs: storeInternals(store).blobs.list().map(String).sort(),
  };
}

/** Write an OCI layout holding `img` under `tag`. */
export async function writeLayout(dir: string, img: TestImage, tag: string): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await fsp.mkdir(blobs, { recursive: true });
  for (const [d, b] of img.blobs) await fsp.writeFile(path.join(blobs, d.slice(7)), b);
  await fsp.writeFile(path.join(blobs, img.manifestDigest.slice(7)), img.manifest);
  await fsp.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fsp.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: img.mediaType,
          digest: img.manifestDigest,
          size: img.manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}
