/**
 * ROOT/containers/ID/container.json: each container's record beside its root filesystem, written
 * before the directory is moved into place, so `system recover` can give containers back
 * when it rebuilds the index.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRow } from './index-db.js';

/** Container directories: ROOT/containers/ID/{container.json,rootfs}. */
export const CONTAINERS_DIR = 'containers';
export const CONTAINER_FILE = 'container.json';

/**
 * What a container would run with, fixed at create (podman's container config): the image's
 * defaults with create's options over them. The command (podman's Cmd) is the record's.
 */
export interface ContainerRunConfig {
  entrypoint: string[];
  /** NAME=VALUE, the image's first (in its order), then the ones create added or replaced. */
  env: string[];
  workingDir: string;
  user: string;
  /** The signal as the image or create named it ("" when neither did). */
  stopSignal: string;
  /** Given at create (podman's --hostname); "" means the short ID, as podman's default. */
  hostname: string;
  /** podman's --annotation values (absent from files written before berth recorded them). */
  annotations?: Record<string, string>;
}

/** The fields of a container written to its container.json (the name changes only by rename). */
export type ContainerFile = Omit<ContainerRow, 'mountCount' | 'rootfs'> & { config?: ContainerRunConfig };

/** Write `c` into the (not yet visible) container directory `dir`. */
export function writeContainerFile(dir: string, c: ContainerFile, file = CONTAINER_FILE): void {
  const data = {
    id: c.id,
    name: c.name,
    imageId: c.imageId,
    imageName: c.imageName,
    command: c.command,
    created: c.created,
    labels: c.labels,
    ...(c.config ? { config: c.config } : {}),
  };
  writeFileSync(join(dir, file), `${JSON.stringify(data)}\n`, { mode: 0o600, flush: true });
}

/**
 * Replace the container.json of the (visible) container directory `dir`: written beside it,
 * flushed, then renamed over it, so a crash leaves the old file or the new one.
 */
export function rewriteContainerFile(dir: string, c: ContainerFile): void {
  const tmp = `.${CONTAINER_FILE}.tmp`;
  writeContainerFile(dir, c, tmp);
  renameSync(join(dir, tmp), join(dir, CONTAINER_FILE));
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A config read from a container.json, when it is one berth wrote (else undefined). */
function configOf(v: unknown): ContainerRunConfig | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const c = v as Record<string, unknown>;
  const strs = (x: unknown) => Array.isArray(x) && x.every((e) => typeof e === 'string');
  if (!strs(c.entrypoint) || !strs(c.env)) return undefined;
  for (const k of ['workingDir', 'user', 'stopSignal', 'hostname']) if (typeof c[k] !== 'string') return undefined;
  const notes = c.annotations;
  if (notes !== undefined && (!notes || typeof notes !== 'object' || !Object.values(notes).every((v) => typeof v === 'string')))
    return undefined;
  return c as unknown as ContainerRunConfig;
}

/** The config in ROOT/containers/ID/container.json, or undefined (a file written before containers had one). */
export function readContainerConfig(containerDir: string): ContainerRunConfig | undefined {
  try {
    return configOf((JSON.parse(readFileSync(join(containerDir, CONTAINER_FILE), 'utf8')) as { config?: unknown }).config);
  } catch {
    return undefined;
  }
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
      const config = configOf(c.config);
      out.push({
        id,
        name: c.name,
        imageId: c.imageId,
        imageName: c.imageName,
        command: c.command,
        created: c.created,
        labels,
        ...(config ? { config } : {}),
      });
    } catch {
      /* not a container directory berth wrote */
    }
  }
  return out;
}
