/** OCI layouts holding an image index over small single-platform images (multi-arch tests). */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeTinyOciLayout, type TinyImage } from '../helpers/tools.js';

export const HOST_ARCH = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
export const OTHER_ARCH = HOST_ARCH === 'arm64' ? 'amd64' : 'arm64';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice(d.indexOf(':') + 1);

export interface IndexLayout {
  /** Each platform's image, by architecture. */
  images: Record<string, TinyImage>;
  index: Buffer;
  indexDigest: string;
}

/**
 * An OCI layout whose tag names an image index over one tiny image per architecture
 * (default: this machine's and one other), each with a distinct file.
 */
export async function writeIndexLayout(
  dir: string,
  tag: string,
  archs: string[] = [HOST_ARCH, OTHER_ARCH],
): Promise<Record<string, TinyImage>> {
  return (await writeIndexLayoutFull(dir, tag, archs)).images;
}

export async function writeIndexLayoutFull(
  dir: string,
  tag: string,
  archs: string[] = [HOST_ARCH, OTHER_ARCH],
  opts: { gzip?: boolean } = {},
): Promise<IndexLayout> {
  const images: Record<string, TinyImage> = {};
  await fsp.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const entries = [];
  for (const arch of archs) {
    const one = await writeTinyOciLayout(`${dir}-${arch}`, { architecture: arch, files: { 'arch.txt': `${arch}\n` }, gzip: opts.gzip });
    for (const f of await fsp.readdir(path.join(one.dir, 'blobs', 'sha256'))) {
      await fsp.copyFile(path.join(one.dir, 'blobs', 'sha256', f), path.join(dir, 'blobs', 'sha256', f));
    }
    images[arch] = one;
    entries.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: one.manifestDigest,
      size: one.manifest.length,
      platform: { architecture: arch, os: 'linux', ...(arch === 'arm64' ? { variant: 'v8' } : {}) },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }));
  await fsp.writeFile(path.join(dir, 'blobs', 'sha256', hex(sha256(index))), index);
  await fsp.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fsp.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: sha256(index),
          size: index.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { images, index, indexDigest: sha256(index) };
}
