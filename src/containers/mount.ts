/**
 * podman mount / umount for berth's containers. A container's root filesystem is a plain
 * directory that exists as long as the container does, so mounting counts users (as
 * containers/storage counts mounts) and gives its path; unmounting takes one count back
 * (`force`: all). `berth mount` without names lists the containers mounted at least once.
 */
import type { Store } from '../store/store.js';
import type { ContainerRow } from '../store/index-db.js';
import { lookupContainer } from './lookup.js';
import { noSuchContainer } from './errors.js';

export interface MountedContainer {
  id: string;
  name: string;
  path: string;
}

/** Mount a container: its mount count goes up by one; returns the root filesystem's path. */
export function mountContainer(store: Store, nameOrId: string): MountedContainer {
  const c = lookupContainer(store, nameOrId);
  if (store.changeMountCount(c.id, 1) === undefined) throw noSuchContainer(nameOrId);
  return { id: c.id, name: c.name, path: store.containerPath(c.rootfs) };
}

/** Unmount a container (one count, or every count with `force`); returns its ID. */
export function unmountContainer(store: Store, nameOrId: string, opts: { force?: boolean } = {}): string {
  const c = lookupContainer(store, nameOrId);
  if (store.changeMountCount(c.id, opts.force ? null : -1) === undefined) throw noSuchContainer(nameOrId);
  return c.id;
}

/** The containers mounted at least once, oldest first. */
export function mountedContainers(store: Store): MountedContainer[] {
  return store
    .listContainers()
    .filter((c: ContainerRow) => c.mountCount > 0)
    .map((c) => ({ id: c.id, name: c.name, path: store.containerPath(c.rootfs) }));
}
