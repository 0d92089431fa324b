/**
 * tag / untag (containers/common libimage `Image.Tag`, `Image.Untag`, `NormalizeName`):
 * names are normalized the podman way — a name without a registry gets "localhost/", a
 * name without tag or digest gets ":latest", "docker.io/x" becomes "docker.io/library/x".
 * Tagging by digest is refused; untagging a name the image does not have is an error.
 * A manifest list (berth manifest) is tagged and untagged itself, as podman's are.
 */
import { BerthError, reasonOf } from '../errors.js';
import type { Store } from '../store/store.js';
import { parseLocalReference, formatReference } from '../reference/reference.js';
import { lookupImage, tryLookupImage } from './lookup.js';
import { findManifestList } from './list-lookup.js';

/** libimage NormalizeName: the stored form of a user-given name (tag kept, digest kept). */
export function normalizeName(name: string): string {
  let r;
  try {
    r = parseLocalReference(name);
  } catch (e) {
    throw new BerthError('INVALID_REFERENCE', `normalizing name ${JSON.stringify(name)}: ${reasonOf(e)}`, { cause: e });
  }
  // name:tag@digest: the digest is the truth, the tag is dropped
  if (r.tag !== undefined && r.digest !== undefined) r = { ...r, tag: undefined };
  return formatReference(r);
}

/**
 * A new name that does not parse, in podman's words for tag, untag and import: libimage wraps
 * NormalizeName's error ("normalizing name X: WHY") in its own, so the prefix comes twice.
 */
export function newNameError(name: string, e: unknown): BerthError {
  const q = JSON.stringify(name);
  return new BerthError('INVALID_REFERENCE', `normalizing name ${q}: normalizing name ${q}: ${reasonOf(e)}`, { cause: e, subject: name });
}

/** normalizeName, refused in tag's words. */
function libimageName(name: string): string {
  try {
    return normalizeName(name);
  } catch (e) {
    throw newNameError(name, e instanceof BerthError && e.cause !== undefined ? e.cause : e);
  }
}

/** The name `tag` stores for a target (short names → localhost/NAME:latest). */
export function tagTargetName(target: string): string {
  if (target.startsWith('sha256:')) throw new BerthError('INVALID_REFERENCE', `${target}: tag by digest not supported`);
  const n = libimageName(target);
  if (n.includes('@')) throw new BerthError('INVALID_REFERENCE', `${target}: tag by digest not supported`);
  return n;
}

/**
 * Add names to the image `source` resolves to. Every target is validated before any is
 * added; names are moved from other images that had them. Returns the image ID and the
 * stored names.
 */
export function tagImage(store: Store, source: string, targets: readonly string[]): { id: string; names: string[] } {
  if (targets.length === 0) throw new BerthError('INVALID_ARGUMENT', 'at least one target name is required');
  // as podman: the image is looked up before the new names are checked
  // a manifest list is tagged itself (podman keeps lists as images)
  const listId = tryLookupImage(store, source) ? undefined : findManifestList(store, source);
  if (listId) {
    const names = targets.map(tagTargetName);
    store.addListNames(listId, names);
    return { id: listId, names };
  }
  const { id } = lookupImage(store, source);
  const names = targets.map(tagTargetName);
  store.addNames(id, names);
  return { id, names };
}

/** untag of a manifest list: its names (all of them without `names`). */
function untagList(store: Store, id: string, names: readonly string[]): { id: string; removed: string[] } {
  const have = store.getList(id)?.names ?? [];
  const wanted = names.length === 0 ? have : wantedNames(have, names);
  return { id, removed: wanted.length ? store.removeListNames(id, wanted) : [] };
}

/** The names to untag, each checked in turn as podman does (a bad name after an unknown one is not reached). */
function wantedNames(have: readonly string[], names: readonly string[]): string[] {
  return names.map((name) => {
    const n = untagName(name);
    if (!have.includes(n)) throw new BerthError('INVALID_ARGUMENT', `${n}: tag not known`);
    return n;
  });
}

function untagName(n: string): string {
  if (n.startsWith('sha256:')) throw new BerthError('INVALID_REFERENCE', `${n}: untag by digest not supported`);
  return libimageName(n);
}

/**
 * Remove names from an image; with no names, remove all of them. A name the image does
 * not carry is an error ("NAME: tag not known") and nothing is removed.
 */
export function untagImage(store: Store, image: string, names: readonly string[] = []): { id: string; removed: string[] } {
  const listId = tryLookupImage(store, image) ? undefined : findManifestList(store, image);
  if (listId) return untagList(store, listId, names);
  const { id } = lookupImage(store, image);
  const row = store.getImage(id);
  if (!row) throw new BerthError('IMAGE_NOT_FOUND', `${image}: image not known`);
  let wanted: string[];
  if (names.length === 0) wanted = [...row.names];
  else wanted = wantedNames(row.names, names);
  const removed = wanted.length ? store.removeNames(id, wanted) : [];
  return { id, removed };
}
