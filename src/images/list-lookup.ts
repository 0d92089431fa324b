/**
 * Manifest lists (berth manifest) where podman treats them as images: found by name or ID,
 * shown by `images` as rows of their own, and, for commands that need an image (inspect,
 * exists, history, save, push), standing for their entry for this machine's platform when
 * that image is stored (libimage's LookupImage). Kept light: `images` and `inspect` load it.
 */
import { BerthError } from '../errors.js';
import { digestOf } from '../digest/digest.js';
import type { Store } from '../store/store.js';
import type { ImageRow, ListRow } from '../store/index-db.js';
import type { ImageIndex } from '../media/types.js';
import { choosePlatform, wantedPlatform } from '../platform/platform.js';
import { normalizeName } from './tag.js';

/** The list `name` means: full ID, a unique ID prefix, or a name (short names through localhost/). */
export function findManifestList(store: Store, name: string): string | undefined {
  const hex = name.startsWith('sha256:') ? name.slice(7) : name;
  if (/^[a-f0-9]{64}$/.test(hex) && store.getList(hex)) return hex;
  if (/^[a-f0-9]{1,63}$/.test(hex)) {
    const ids = store.listIdsWithPrefix(hex);
    if (ids.length === 1) return ids[0];
  }
  let normalized: string;
  try {
    normalized = normalizeName(name);
  } catch {
    return undefined;
  }
  return store.listIdForName(normalized);
}

/**
 * A list as a row of `images`: its names, creation time, the digest of the list as stored
 * and, as size, the bytes it keeps (document and sources, as podman counts a list's data).
 */
export function listImageRow(l: ListRow): ImageRow {
  const digest = digestOf(Buffer.from(l.document));
  const index = JSON.parse(l.document) as ImageIndex;
  return {
    id: l.id,
    configDigest: digest,
    configSize: 0,
    manifestDigest: digest,
    manifestMediaType: index.mediaType ?? '',
    digest,
    created: l.created,
    added: l.created,
    size: Buffer.byteLength(l.document) + Buffer.byteLength(l.sources),
    architecture: null,
    os: null,
    labels: {},
    readOnly: false,
    topLayer: null,
    parentLayer: null,
    names: l.names,
    digests: [digest],
    namesHistory: [],
    containers: 0,
    manifestList: true,
  };
}

/**
 * The stored image a list named `input` stands for: its entry for this machine's platform.
 * undefined when `input` names no list; podman's words when the list has no such entry or
 * that image is not stored.
 */
export function listInstanceImage(store: Store, input: string): string | undefined {
  const id = findManifestList(store, input);
  const l = id && store.getList(id);
  if (!l) return undefined;
  const want = wantedPlatform();
  let digest;
  try {
    digest = choosePlatform((JSON.parse(l.document) as ImageIndex).manifests, want, input).digest;
  } catch {
    throw new BerthError(
      'IMAGE_NOT_FOUND',
      `no image found in manifest list for architecture ${want.architecture}, variant ${JSON.stringify(want.variant ?? '')}, OS ${want.os}: image not known`,
      { subject: input },
    );
  }
  const image = store.imageIdsForManifest(digest)[0];
  if (!image)
    throw new BerthError(
      'IMAGE_NOT_FOUND',
      `could not find image instance ${digest} of manifest list ${l.id} in local containers storage: image not known: image not known`,
      { subject: input },
    );
  return image;
}
