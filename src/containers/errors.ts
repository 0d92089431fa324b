/**
 * The container errors, in podman's words (libpod state lookups, containers/storage's
 * container store, libimage's image removal), each with a stable code.
 */
import { BerthError } from '../errors.js';

/** No container has this name or ID (podman 4.3.1's words, rm's included). */
export function noSuchContainer(nameOrId: string): BerthError {
  return new BerthError('CONTAINER_NOT_FOUND', `no container with name or ID ${JSON.stringify(nameOrId)} found: no such container`, {
    subject: nameOrId,
  });
}

/** A partial ID that matches several containers. */
export function ambiguousContainer(nameOrId: string, candidates: string[]): BerthError {
  return new BerthError('CONTAINER_NOT_FOUND', `more than one result for container ${JSON.stringify(nameOrId)}: container already exists`, {
    subject: nameOrId,
    data: { candidates },
  });
}

export function emptyContainerName(): BerthError {
  return new BerthError('INVALID_ARGUMENT', 'name or ID cannot be empty');
}

/** The pattern container names must match (podman's). */
export const CONTAINER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function invalidContainerName(name: string): BerthError {
  return new BerthError(
    'INVALID_ARGUMENT',
    'running container create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument',
    {
      subject: name,
    },
  );
}

export function containerNameInUse(name: string, id: string): BerthError {
  return new BerthError(
    'NAME_IN_USE',
    `creating container storage: the container name ${JSON.stringify(name)} is already in use by ${id}. You have to remove that container to be able to reuse that name: that name is already in use`,
    { subject: name, data: { id } },
  );
}

/**
 * rmi of an image a container uses (containers/storage names one of them; exit code 2 in
 * rmi). `inUseByContainer` lets the removal report classify it.
 */
export function imageInUse(containerId: string): BerthError {
  const e = new BerthError(
    'IMAGE_IN_USE',
    `image used by ${containerId}: image is in use by a container: consider listing external containers and force-removing image`,
    { data: { container: containerId } },
  );
  (e as { inUseByContainer?: boolean }).inUseByContainer = true;
  return e;
}
