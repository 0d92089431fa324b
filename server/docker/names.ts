/**
 * Image names by Docker's rules, not podman's: `busybox` is `docker.io/library/busybox:latest`
 * (no short-name search through registries.conf, which surprises Docker clients), and a local
 * image is found by full ID (`sha256:` optional), by that normalized name (name, name:tag,
 * name@digest), then by a unique ID prefix — the order of the Docker engine's image lookup.
 * Docker shows names in their familiar form (`busybox:latest`, `localhost:5000/a/b:1`).
 */
import {
  type ImageRow,
  type Reference,
  type Store,
  familiarName,
  formatReference,
  isBerthError,
  parseNormalizedReference,
  parseReferenceRaw,
  tryLookupImage,
  withDefaultTag,
} from '../../src/index.js';
import { ApiError } from './errors.js';

const FULL_ID = /^(sha256:)?[a-f0-9]{64}$/;
const HEX = /^[a-f0-9]{1,64}$/;

/** A name that does not parse, in dockerd's words: docker/reference's come bare (as podman prints them), dockerd says "invalid reference format" first. */
export function dockerReferenceMessage(e: Error): string {
  return e.message.startsWith('invalid reference format') ? e.message : `invalid reference format: ${e.message}`;
}

/** Docker's normalized reference: docker.io/library/ added, `:latest` unless a tag or digest is given. */
export function normalizeDockerReference(input: string): Reference {
  try {
    return withDefaultTag(parseNormalizedReference(input));
  } catch (e) {
    if (isBerthError(e)) throw new ApiError(400, dockerReferenceMessage(e));
    throw e;
  }
}

/** The fully qualified name for `input` (`busybox` -> `docker.io/library/busybox:latest`). */
export function dockerName(input: string): string {
  return formatReference(normalizeDockerReference(input));
}

/** Docker's familiar form of a stored name (`docker.io/library/busybox:latest` -> `busybox:latest`). */
export function familiar(name: string): string {
  try {
    return familiarName(parseReferenceRaw(name));
  } catch {
    return name;
  }
}

/** What Docker's "No such image" names for an input: the familiar name with its tag, or the ID. */
function shownName(input: string): string {
  if (FULL_ID.test(input) || input.startsWith('sha256:')) return input;
  try {
    return familiarName(normalizeDockerReference(input));
  } catch {
    return input;
  }
}

export function noSuchImage(input: string): ApiError {
  return new ApiError(404, `No such image: ${shownName(input)}`);
}

/** The local image `input` names by Docker's rules, or undefined. */
export function findDockerImage(store: Store, input: string): ImageRow | undefined {
  if (input === '') return undefined;
  let id: string | undefined;
  if (FULL_ID.test(input) || input.startsWith('sha256:')) {
    id = tryLookupImage(store, input)?.id;
  } else {
    let ref: Reference | undefined;
    try {
      ref = normalizeDockerReference(input);
    } catch (e) {
      if (!HEX.test(input)) throw e;
    }
    if (ref) id = tryLookupImage(store, formatReference(ref))?.id;
    // then a unique ID prefix (an ambiguous prefix is an error)
    if (id === undefined && HEX.test(input)) id = tryLookupImage(store, `sha256:${input}`)?.id;
  }
  return id === undefined ? undefined : store.getImage(id);
}

/** The local image `input` names; 404 `No such image: NAME` (the words clients look for) when none. */
export function lookupDockerImage(store: Store, input: string): ImageRow {
  const row = findDockerImage(store, input);
  if (!row) throw noSuchImage(input);
  return row;
}
