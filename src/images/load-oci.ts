import { parseNormalizedReference, formatReference } from '../reference/reference.js';
import { openOciArchive } from '../transports/oci-archive/index.js';
import type { ImageSource } from '../transports/types.js';

/**
 * Sources for every image in an oci-archive (an uncompressed tar at `path`), named after
 * their `org.opencontainers.image.ref.name` annotation when it is a full reference; a bare
 * tag or no annotation leaves the image unnamed.
 */
export async function loadOciArchiveSources(path: string, what: string): Promise<{ src: ImageSource; names: string[] }[]> {
  const reader = await openOciArchive(path, what);
  const entries = reader.images();
  const out: { src: ImageSource; names: string[] }[] = [];
  entries.forEach((e, i) => {
    const src = reader.openSource(e.index);
    // the last source closes the shared reader
    if (i === entries.length - 1) {
      const close = src.close.bind(src);
      src.close = async () => { await close(); await reader.close(); };
    }
    let names: string[] = [];
    if (e.refName && /[/:]/.test(e.refName)) {
      try {
        const r = parseNormalizedReference(e.refName);
        if (!r.digest) names = [formatReference(r.tag ? r : { ...r, tag: 'latest' })];
      } catch { /* not a reference: unnamed */ }
    }
    out.push({ src, names });
  });
  if (entries.length === 0) await reader.close();
  return out;
}
