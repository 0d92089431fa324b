import type { Store, NewImageRecord } from '../../../src/store/index.js';
import type { Digest } from '../../../src/digest/index.js';
import { MT } from '../../../src/media/index.js';

/** Put a tiny image's blobs into the store and return its record (not yet recorded). */
export async function putImage(s: Store, seed: string): Promise<{ rec: NewImageRecord; blobs: Digest[] }> {
  const layer = Buffer.from(`layer ${seed}`);
  const layerD = (await s.putBlob(layer)).digest;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerD] }, seed }));
  const configD = (await s.putBlob(config)).digest;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.OCIManifest,
      config: { mediaType: MT.OCIConfig, digest: configD, size: config.length },
      layers: [{ mediaType: MT.OCILayer, digest: layerD, size: layer.length }],
    }),
  );
  const manifestD = (await s.putBlob(manifest)).digest;
  return {
    blobs: [layerD, configD, manifestD].sort() as Digest[],
    rec: {
      id: configD.slice(7),
      configDigest: configD,
      configSize: config.length,
      names: [`example.com/${seed}:1`],
      manifest: {
        digest: manifestD,
        mediaType: MT.OCIManifest,
        size: manifest.length,
        layers: [{ digest: layerD, diffID: layerD, size: layer.length, uncompressedSize: layer.length, mediaType: MT.OCILayer }],
      },
    },
  };
}
