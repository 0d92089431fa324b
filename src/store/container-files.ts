/**
 * ROOT/containers/ID/container.json: each container's record beside its root filesystem, written
 * before the directory is moved into place, so `system recover` can give containers back
 * when it rebuilds the index.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRow } from './index-db.js';

/** Container directories: ROOT/containers/ID/{container.json,rootfs}. */
export const CONTAINERS_DIR = 'containers';
export const CONTAINER_FILE = 'container.json';

/** The fields of a container that never change, as written to its container.json. */
export type ContainerFile = Omit<ContainerRow, 'mountCount' | 'rootfs'>;

/** Write `c` into the (not yet visible) container directory `dir`. */
export function writeContainerFile(dir: string, c: ContainerFile): void {
  const data = {
    id: c.id,
    name: c.name,
    imageId: c.imageId,
    imageName: c.imageName,
    command: c.command,
    created: c.created,
    labels: c.labels,
  };
  writeFileSync(join(dir, CONTAINER_FILE), `${JSON.stringify(data)}\n`, { mode: 0o600, flush: true });
}

/**
 * The containers found under ROOT/containers: directories named by their ID holding a
 * readable container.json of that ID and a rootfs directory. Anything else is skipped.
 */
export function readContainerFiles(containersDir: string): ContainerFile[] {
  const out: ContainerFile[] = [];
  let names: string[];
  try {
    names = readdirSync(containersDir);
  } catch {
    return out;
  }
  for (const id of names.sort()) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    try {
      if (!statSync(join(containersDir, id, 'rootfs')).isDirectory()) continue;
      const c = JSON.parse(readFileSync(join(containersDir, id, CONTAINER_FILE), 'utf8')) as Partial<ContainerFile>;
      if (
        c.id !== id ||
        typeof c.name !== 'string' ||
        typeof c.imageId !== 'string' ||
        typeof c.imageName !== 'string' ||
        typeof c.created !== 'string' ||
        !Array.isArray(c.command) ||
        !c.command.every((x) => typeof x === 'string')
      )
        continue;
      // labels: absent from files written before containers had them
      const labels =
        c.labels && typeof c.labels === 'object' && Object.values(c.labels).every((v) => typeof v === 'string') ? c.labels : {};
      out.push({ id, name: c.name, imageId: c.imageId, imageName: c.imageName, command: c.command, created: c.created, labels });
    } catch {
      /* not a container directory berth wrote */
    }
  }
  return out;
}
