/** Builds small OCI layouts by hand for the oci / oci-archive / dir transport tests. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { TarWriter } from '../../../src/util/tar.js';
import { hostPlatform } from '../../../src/platform/platform.js';
import { Store, storeInternals } from '../../../src/store/store.js';
import { LocalDestination, LocalRef, LocalSource } from '../../../src/transports/local/local.js';
import type { ImageDestination, ImageSource } from '../../../src/transports/types.js';
import { copyImage, type CopyResult } from '../../../src/copy/copy.js';

export const sha = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');
export const hex = (d: string): string => d.slice(d.indexOf(':') + 1);

export function tempDir(t: { after(fn: () => void): void }, prefix = 'berth-oci-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A tar (made with TarWriter) of `files`. */
export async function makeLayerTar(files: Record<string, string>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const tw = new TarWriter(out);
  for (const [name, content] of Object.entries(files)) await tw.addBuffer(name, Buffer.from(content));
  await tw.finish();
  return Buffer.concat(chunks);
}

export interface BuiltImage {
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: Buffer;
  configDigest: string;
  layer: Buffer; // as stored (gzip)
  layerDigest: string;
  diffID: string;
  blobs: Map<string, Buffer>;
}

export interface ImageSpec {
  files?: Record<string, string>;
  docker?: boolean; // docker v2s2 manifest instead of OCI
  architecture?: string;
  os?: string;
}

export async function buildImage(spec: ImageSpec = {}): Promise<BuiltImage> {
  const tar = await makeLayerTar(spec.files ?? { 'hello.txt': 'hello from the oci tests\n' });
  const diffID = sha(tar);
  const layer = gzipSync(tar);
  const layerDigest = sha(layer);
  const host = hostPlatform();
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: spec.architecture ?? host.architecture,
      os: spec.os ?? host.os,
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [diffID] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'fixture' }],
    }),
  );
  const configDigest = sha(config);
  const manifestMediaType = spec.docker
    ? 'application/vnd.docker.distribution.manifest.v2+json'
    : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: {
        mediaType: spec.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        {
          mediaType: spec.docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: layerDigest,
          size: layer.length,
        },
      ],
    }),
  );
  const manifestDigest = sha(manifest);
  const blobs = new Map<string, Buffer>([
    [layerDigest, layer],
    [configDigest, config],
    [manifestDigest, manifest],
  ]);
  return { manifest, manifestDigest, manifestMediaType, config, configDigest, layer, layerDigest, diffID, blobs };
}

export interface LayoutEntry {
  image: BuiltImage;
  refName?: string;
}

/** Write blobs + oci-layout + index.json. `index` overrides the index.json bytes. */
export function writeLayout(
  dir: string,
  entries: LayoutEntry[],
  opts: { index?: string; noLayoutFile?: boolean; extraBlobs?: Map<string, Buffer> } = {},
): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const e of entries) for (const [d, b] of e.image.blobs) writeFileSync(join(dir, 'blobs', 'sha256', hex(d)), b);
  for (const [d, b] of opts.extraBlobs ?? []) writeFileSync(join(dir, 'blobs', 'sha256', hex(d)), b);
  if (!opts.noLayoutFile) writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const index =
    opts.index ??
    JSON.stringify({
      schemaVersion: 2,
      manifests: entries.map((e) => ({
        mediaType: e.image.manifestMediaType,
        digest: e.image.manifestDigest,
        size: e.image.manifest.length,
        ...(e.refName ? { annotations: { 'org.opencontainers.image.ref.name': e.refName } } : {}),
      })),
    });
  writeFileSync(join(dir, 'index.json'), index);
}

/** An OCI index over `images` (first one: this machine's platform). */
export function buildIndex(images: { image: BuiltImage; architecture: string; os: string }[]): { bytes: Buffer; digest: string } {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map((i) => ({
        mediaType: i.image.manifestMediaType,
        digest: i.image.manifestDigest,
        size: i.image.manifest.length,
        platform: { architecture: i.architecture, os: i.os },
      })),
    }),
  );
  return { bytes, digest: sha(bytes) };
}

export function openStore(t: { after(fn: () => void): void }, root: string): Store {
  const s = Store.open({ root });
  t.after(() => s.close());
  return s;
}

/** Snapshot of what a store holds, to assert failed copies left it unchanged. */
export function storeState(store: Store): string {
  return JSON.stringify({
    images: store
      .listImages()
      .map((i) => i.id)
      .sort(),
    blobs: [...storeInternals(store).blobs.list()].sort(),
  });
}

/** Copy into the local store under `name`; always closes both sides. */
export async function copyIntoStore(
  src: ImageSource,
  store: Store,
  name = 'localhost/x:latest',
): Promise<CopyResult & { dest: LocalDestination }> {
  const dest = new LocalDestination(new LocalRef(store, undefined, [name]));
  try {
    const r = await copyImage(src, dest);
    return { ...r, dest };
  } finally {
    await dest.close();
    await src.close();
  }
}

export function storeSource(store: Store, id: string): LocalSource {
  return new LocalSource(new LocalRef(store, id), id);
}

/** Copy and close both sides. */
export async function copyAndClose(src: ImageSource, dest: ImageDestination): Promise<CopyResult> {
  try {
    return await copyImage(src, dest);
  } finally {
    await dest.close();
    await src.close();
  }
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}
