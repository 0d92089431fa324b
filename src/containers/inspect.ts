/**
 * podman container inspect for berth's containers: libpod's inspect data with the fields that
 * mean something for a container that was created and never ran (berth runs nothing) — its
 * ID, name, image, command (Path and Args: Entrypoint then Cmd), state "created", driver,
 * root filesystem and the config it was created with. Run-time parts (network, cgroups,
 * capabilities, the OCI runtime's files, HostConfig) are left out rather than invented.
 */
import { constants } from 'node:os';
import type { Store } from '../store/store.js';
import type { ContainerRow } from '../store/index-db.js';
import type { ContainerRunConfig } from '../store/container-files.js';
import { GoStruct, goMap } from '../go/json.js';
import { MAX_CONFIG_SIZE } from '../media/index.js';
import { lookupContainer } from './lookup.js';

/** Go's zero time as podman prints it (StartedAt/FinishedAt of a container that never ran). */
const ZERO_TIME = '0001-01-01T00:00:00Z';
/** What podman records when neither the image nor create named a stop signal. */
const DEFAULT_STOP_SIGNAL = 'SIGTERM';

/** The size of a container's files (podman's inspect --size, ps --size). */
export interface ContainerSize {
  /** Bytes of the files the container added or changed over its image. */
  rw: number;
  /** Bytes of every regular file in its root filesystem (podman's "virtual" size). */
  rootFs: number;
}

/** The number of a signal given as podman takes it (SIGINT, int, 2); undefined when it names none. */
export function signalNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const up = s.toUpperCase();
  return (constants.signals as Record<string, number | undefined>)[up.startsWith('SIG') ? up : `SIG${up}`];
}

/** The config of a container created before berth recorded one: its image's, as create would have made it. */
function configFromImage(store: Store, c: ContainerRow): ContainerRunConfig {
  const out: ContainerRunConfig = { entrypoint: [], env: [], workingDir: '/', user: '', stopSignal: '', hostname: '' };
  const row = store.getImage(c.imageId);
  if (!row) return out;
  try {
    const cfg = (JSON.parse(store.readBlob(row.configDigest, MAX_CONFIG_SIZE).toString('utf8')) as { config?: Record<string, unknown> })
      .config;
    const strs = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : []);
    out.env = strs(cfg?.Env);
    if (typeof cfg?.WorkingDir === 'string' && cfg.WorkingDir) out.workingDir = cfg.WorkingDir;
    if (typeof cfg?.User === 'string') out.user = cfg.User;
    if (typeof cfg?.StopSignal === 'string') out.stopSignal = cfg.StopSignal;
  } catch {
    /* an unreadable config: the defaults */
  }
  return out;
}

/** The config container `c` was created with. */
export function containerConfig(store: Store, c: ContainerRow): ContainerRunConfig {
  return store.containerConfig(c.id) ?? configFromImage(store, c);
}

/** podman's inspect JSON for container `nameOrId` (CONTAINER_NOT_FOUND when there is none); `size` adds SizeRw and SizeRootFs. */
export function inspectContainer(store: Store, nameOrId: string, opts: { size?: ContainerSize } = {}): GoStruct {
  return containerInspectData(store, lookupContainer(store, nameOrId), opts);
}

/** podman's inspect JSON for the container record `c`. */
export function containerInspectData(store: Store, c: ContainerRow, opts: { size?: ContainerSize } = {}): GoStruct {
  const config = containerConfig(store, c);
  const image = store.getImage(c.imageId);
  const argv = [...config.entrypoint, ...c.command];
  return new GoStruct({
    Id: c.id,
    Created: c.created,
    Path: argv[0] ?? '',
    // podman: the arguments after the path, or the path itself when there are none
    Args: argv.length > 1 ? argv.slice(1) : argv,
    State: new GoStruct({
      Status: 'created',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 0,
      ExitCode: 0,
      Error: '',
      StartedAt: ZERO_TIME,
      FinishedAt: ZERO_TIME,
      Health: new GoStruct({ Status: '', FailingStreak: 0, Log: null }),
      CheckpointedAt: ZERO_TIME,
      RestoredAt: ZERO_TIME,
    }),
    Image: c.imageId,
    ImageDigest: image?.digest ?? '',
    ImageName: c.imageName,
    Rootfs: '',
    Pod: '',
    Name: c.name,
    RestartCount: 0,
    Driver: 'vfs',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: [],
    // a plain directory per container, as podman's vfs driver keeps it (`mount` gives its path)
    GraphDriver: new GoStruct({ Name: 'vfs', Data: null }),
    ...(opts.size ? { SizeRw: opts.size.rw, SizeRootFs: opts.size.rootFs } : {}),
    Mounts: [],
    Dependencies: [],
    Namespace: '',
    IsInfra: false,
    IsService: false,
    Config: new GoStruct({
      Hostname: config.hostname || c.id.slice(0, 12),
      Domainname: '',
      User: config.user,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: config.env,
      Cmd: c.command.length ? c.command : null,
      Image: c.imageName,
      Volumes: null,
      WorkingDir: config.workingDir,
      // podman 4's inspect joins the entrypoint into one string
      Entrypoint: config.entrypoint.join(' '),
      OnBuild: null,
      Labels: Object.keys(c.labels).length ? goMap(c.labels) : null,
      Annotations: goMap(config.annotations ?? {}),
      StopSignal: signalNumber(config.stopSignal || DEFAULT_STOP_SIGNAL) ?? 15,
      Umask: '0022',
      Timeout: 0,
      StopTimeout: 10,
    }),
  });
}
