/**
 * podman create, for an image manager: berth runs nothing, so a container is a writable copy
 * of the image's root filesystem with a record (name, image, command) — what `mount`,
 * `export` and `diff` work on, and what keeps its image from being removed.
 *
 * Crash safety: the root filesystem is prepared in the store's temp directory (removed after
 * a crash like any temp file of a dead process), then the record is inserted and the
 * directory renamed into ROOT/containers/ID in one transaction: no half container is ever
 * visible.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ImageRow } from '../store/index-db.js';
import { MAX_CONFIG_SIZE } from '../media/index.js';
import { tryLookupImage } from '../images/lookup.js';
import type { PullOptions, PullPolicy } from '../images/pull.js';
import { GoTime } from '../go/time.js';
import { prepareRootfs } from '../rootfs/layer-cache.js';
import { syncTree } from '../rootfs/durable.js';
import type { ContainerRunConfig } from '../store/container-files.js';
import { CONTAINER_NAME_RE, containerNameInUse, invalidContainerName } from './errors.js';
import { randomContainerName } from './names.js';
import { signalNumber } from './inspect.js';

export interface CreateContainerOptions {
  /** The container's name (podman's pattern); default: a random "adjective_name". */
  name?: string;
  /** Replaces the image's Cmd (run after the Entrypoint), as podman's COMMAND [ARG...]. */
  command?: string[];
  /**
   * Replaces the image's Entrypoint (podman's --entrypoint; `[]` for none). As podman, the
   * image's Cmd is then not used: the command is `command` alone.
   */
  entrypoint?: string[];
  /** NAME=VALUE variables over the image's Env, in order (a later one replaces an earlier NAME). */
  env?: readonly string[];
  /** The working directory (podman's --workdir; default the image's, else "/"). */
  workingDir?: string;
  /** The user (podman's --user, USER[:GROUP]; default the image's). */
  user?: string;
  /** The host name (podman's --hostname; default the short ID). */
  hostname?: string;
  /** The stop signal (podman's --stop-signal: a name such as SIGINT or INT, or 1-64; default the image's). */
  stopSignal?: string;
  /** Annotations of the container (podman's --annotation). */
  annotations?: Record<string, string>;
  /**
   * When to pull the image (podman's --pull, default `missing`: only when it is not in the
   * store). `never`: IMAGE_NOT_FOUND for an image the store does not have.
   */
  pull?: PullPolicy;
  /** Labels of the container, over the image's own (podman's --label). */
  labels?: Record<string, string>;
  /** Remove the container that has `name` first (podman's --replace; needs `name`). */
  replace?: boolean;
  /** Registry options, progress and signature policy for that pull. */
  pullOptions?: Omit<PullOptions, 'policy'>;
  signal?: AbortSignal;
}

export interface CreatedContainer {
  id: string;
  name: string;
  imageId: string;
  /** With `replace`: the container that had the name and was removed. */
  replaced?: { id: string; name: string };
}

interface ImageDefaults {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  stopSignal: string;
  labels: Record<string, string>;
}

/** The image's config (podman's defaults for a container: command, environment, user, labels ...). */
function imageDefaults(store: Store, row: ImageRow): ImageDefaults {
  try {
    const cfg = JSON.parse(store.readBlob(row.configDigest, MAX_CONFIG_SIZE).toString('utf8')) as {
      config?: Record<string, unknown> | null;
    };
    const c = cfg.config ?? {};
    const strs = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : []);
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const labels: Record<string, string> = {};
    const l = c.Labels;
    if (l && typeof l === 'object') for (const [k, v] of Object.entries(l)) if (typeof v === 'string') labels[k] = v;
    return {
      entrypoint: strs(c.Entrypoint),
      cmd: strs(c.Cmd),
      env: strs(c.Env),
      workingDir: str(c.WorkingDir),
      user: str(c.User),
      stopSignal: str(c.StopSignal),
      labels,
    };
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('STORE_CORRUPT', `config ${row.configDigest} of image ${row.id.slice(0, 12)} is not JSON`, { cause: e });
  }
}

/** `base` NAME=VALUE entries with `over` applied in order: a NAME already there is replaced in place, a new one appended. */
function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const out = [...base];
  const key = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  for (const e of over) {
    const i = out.findIndex((x) => key(x) === key(e));
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

/** The local image `image` names, pulled first when the policy says so. */
async function resolveImage(store: Store, image: string, opts: CreateContainerOptions): Promise<{ row: ImageRow; name: string }> {
  const policy = opts.pull ?? 'missing';
  if (!['always', 'missing', 'never', 'newer'].includes(policy))
    throw new BerthError('INVALID_ARGUMENT', `unsupported pull policy ${JSON.stringify(policy)}`);
  let hit = tryLookupImage(store, image);
  if ((!hit && policy !== 'never') || policy === 'always' || policy === 'newer') {
    const { pullImage } = await import('../images/pull.js');
    const r = await pullImage(store, image, { ...opts.pullOptions, policy, signal: opts.signal });
    hit = tryLookupImage(store, image) ?? (r.ids[0] ? { id: r.ids[0], matchedName: r.names[0] } : undefined);
  }
  const row = hit && store.getImage(hit.id);
  if (!row) throw new BerthError('IMAGE_NOT_FOUND', `${image}: image not known`, { subject: image });
  // podman's IMAGE column: the name the image was found by, else its first name, else its ID
  return { row, name: hit!.matchedName ?? row.names[0] ?? row.id };
}

/** Create a container from `image`; returns its ID and name. */
export async function createContainer(store: Store, image: string, opts: CreateContainerOptions = {}): Promise<CreatedContainer> {
  if (opts.replace && opts.name === undefined)
    throw new BerthError('INVALID_ARGUMENT', 'cannot replace container without --name being set');
  let replaced: CreatedContainer['replaced'];
  if (opts.name !== undefined) {
    const name = opts.name.replace(/^\//, '');
    if (!CONTAINER_NAME_RE.test(name)) throw invalidContainerName(opts.name);
    const taken = store.containerIdForName(name);
    if (taken && opts.replace) {
      // as podman: the old container goes first (berth's never run: nothing to stop)
      if (store.removeContainer(taken)) replaced = { id: taken, name };
    } else if (taken) throw containerNameInUse(name, taken);
  }
  if (opts.stopSignal !== undefined) {
    const n = signalNumber(opts.stopSignal);
    if (n === undefined) throw new BerthError('INVALID_ARGUMENT', `invalid signal: ${opts.stopSignal}`);
    if (n < 1 || n > 64) throw new BerthError('INVALID_ARGUMENT', 'valid signals are 1 through 64');
  }
  for (const e of opts.env ?? [])
    if (e.indexOf('=') <= 0) throw new BerthError('INVALID_ARGUMENT', `invalid environment variable: ${JSON.stringify(e)}`);
  const { row, name: imageName } = await resolveImage(store, image, opts);
  const defaults = imageDefaults(store, row);
  // as podman: the image's labels, then the user's (which win)
  const labels = { ...defaults.labels, ...opts.labels };
  // as podman: an entrypoint of the user's drops the image's Cmd too
  const entrypoint = opts.entrypoint ?? defaults.entrypoint;
  const command = opts.command?.length ? opts.command : opts.entrypoint !== undefined ? [] : defaults.cmd;
  if (entrypoint.length === 0 && command.length === 0)
    throw new BerthError('INVALID_ARGUMENT', 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  const config: ContainerRunConfig = {
    entrypoint,
    env: mergeEnv(defaults.env, opts.env ?? []),
    workingDir: opts.workingDir || defaults.workingDir || '/',
    user: opts.user ?? defaults.user,
    stopSignal: opts.stopSignal ?? defaults.stopSignal,
    hostname: opts.hostname ?? '',
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  const dir = store.tempPath('-container');
  try {
    mkdirSync(dir, { mode: 0o700 });
    await prepareRootfs(store, row, join(dir, 'rootfs'), { writable: true, signal: opts.signal });
    // the copy is durable before the record names it: a power loss never leaves a container short of files
    syncTree(dir);
    for (let attempt = 0; ; attempt++) {
      const id = randomBytes(32).toString('hex');
      const name = opts.name?.replace(/^\//, '') ?? randomContainerName();
      const created = GoTime.fromDate(new Date()).rfc3339(true);
      const conflict = store.recordContainer({ id, name, imageId: row.id, imageName, command, created, labels, config }, dir);
      if (!conflict) return { id, name, imageId: row.id, ...(replaced ? { replaced } : {}) };
      if (conflict.conflict === 'image') throw new BerthError('IMAGE_NOT_FOUND', `${image}: image not known`, { subject: image });
      if (conflict.conflict === 'name' && opts.name !== undefined) throw containerNameInUse(name, conflict.id);
      if (attempt > 100) throw new BerthError('INTERNAL', 'could not choose a free container name');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
