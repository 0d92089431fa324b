/**
 * The service's own endpoints: /_ping (what clients negotiate the API version from),
 * /version, /info, /system/df, /events, and /build (berth does not build: 501).
 */
import * as os from 'node:os';
import { diskUsage, hostPlatform, isBerthError, listContainers, parseTimestampFilter, repoDigests, repoTags } from '../../src/index.js';
import type { RequestContext, Route } from './route.js';
import { ApiError } from './errors.js';
import { sendJSON } from './json.js';
import type { DockerEvent } from './events.js';
import { checkFilterKeys, parseFilters } from './filters.js';
import { dockerName, familiar } from './names.js';
import { dockerId, unixCreated } from './shapes.js';
import { versionBelow } from './versions.js';

async function ping({ req, res }: RequestContext): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Content-Length': req.method === 'HEAD' ? 0 : 2,
  });
  res.end(req.method === 'HEAD' ? undefined : 'OK');
}

/** GET /info: what Testcontainers and `docker info` read (IndexServerAddress, ServerVersion, OSType, NCPU, ...). */
async function info({ res, service }: RequestContext): Promise<void> {
  const store = service.store();
  const images = store.listImages().length;
  const containers = listContainers(store).length;
  const p = hostPlatform();
  sendJSON(res, 200, {
    ID: '',
    Containers: containers,
    ContainersRunning: 0,
    ContainersPaused: 0,
    ContainersStopped: containers,
    Images: images,
    Driver: 'berth',
    DriverStatus: [['Store', store.root]],
    Plugins: { Volume: null, Network: null, Authorization: null, Log: null },
    MemoryLimit: false,
    SwapLimit: false,
    CpuCfsPeriod: false,
    CpuCfsQuota: false,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: '',
    CgroupDriver: '',
    CgroupVersion: '',
    NEventsListener: 0,
    KernelVersion: os.release(),
    OperatingSystem: os.type(),
    OSVersion: '',
    OSType: p.os,
    Architecture: os.machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['::1/128', '127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: null,
    },
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: store.root,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
    Name: os.hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: service.version,
    Runtimes: {},
    DefaultRuntime: '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    SecurityOptions: [],
    Warnings: null,
  });
}

/** GET /system/df: the images' share of the store (berth runs no containers, has no volumes or build cache). */
async function df({ res, apiVersion, service }: RequestContext): Promise<void> {
  const store = service.store();
  const du = diskUsage(store);
  sendJSON(res, 200, {
    LayersSize: du.imagesSummary.size,
    Images: du.images.map((i) => {
      const row = store.getImage(i.id);
      const s: Record<string, unknown> = {
        Containers: i.containers,
        Created: unixCreated(i),
        Id: dockerId(i.id),
        Labels: row && Object.keys(row.labels).length ? row.labels : null,
        ParentId: '',
        RepoDigests: row ? repoDigests(i.names, row).map(familiar) : [],
        RepoTags: repoTags(i.names).map(familiar),
        SharedSize: i.sharedSize,
        Size: i.size,
      };
      if (versionBelow(apiVersion, '1.44')) s.VirtualSize = i.size;
      return s;
    }),
    Containers: [],
    Volumes: [],
    BuildCache: [],
  });
}

/** A Docker event time parameter (unix seconds with fraction, RFC 3339, or a duration ago) in nanoseconds. */
function eventTime(key: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  try {
    const t = parseTimestampFilter(v);
    return t.sec * 1e9 + t.nsec;
  } catch (e) {
    if (isBerthError(e)) throw new ApiError(400, `invalid value for ${key}: ${e.message}`);
    throw e;
  }
}

const EVENT_FILTERS = [
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
];

/**
 * GET /events: image events as newline-delimited JSON. `since` replays the kept ones, `until`
 * ends the stream at that time (at once when it is past); otherwise the stream stays open
 * until the client goes or the service stops. No store access: the bus is in memory.
 */
async function events({ req, res, query, service }: RequestContext): Promise<void> {
  const since = eventTime('since', query.get('since'));
  const until = eventTime('until', query.get('until'));
  const f = parseFilters(query.get('filters'));
  checkFilterKeys(f, EVENT_FILTERS);
  const imageNames = (f.get('image') ?? []).map((n) => {
    try {
      return dockerName(n);
    } catch {
      return n;
    }
  });
  const matches = (e: DockerEvent): boolean => {
    for (const k of f.keys()) if (!['type', 'event', 'image', 'scope'].includes(k)) return false; // filters on things berth has none of
    if (f.has('type') && !f.get('type')!.includes(e.Type)) return false;
    if (f.has('event') && !f.get('event')!.includes(e.Action)) return false;
    if (f.has('scope') && !f.get('scope')!.includes(e.scope)) return false;
    if (imageNames.length) {
      const forms = [e.Actor.ID, e.Actor.Attributes.name ?? ''].flatMap((x) => {
        try {
          return [x, dockerName(x)];
        } catch {
          return [x];
        }
      });
      if (!imageNames.some((n) => forms.includes(n) || forms.includes(dockerId(n)))) return false;
    }
    return true;
  };
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  const send = (e: DockerEvent) => res.write(JSON.stringify(e) + '\n');
  if (since !== undefined)
    for (const e of service.events.recent()) if (e.timeNano >= since && (until === undefined || e.timeNano <= until) && matches(e)) send(e);
  const now = Date.now() * 1e6;
  if (until !== undefined && until <= now) {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const unsubscribe = service.events.subscribe((e) => {
      if (matches(e)) send(e);
    });
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      service.stopping.removeEventListener('abort', done);
      res.end();
      resolve();
    };
    if (until !== undefined) timer = setTimeout(done, Math.ceil((until - now) / 1e6));
    req.once('close', done);
    res.once('close', done);
    service.stopping.addEventListener('abort', done);
  });
}

/** Node's version as Go prints its own ("go1.22"): the runtime's name and version. */
const RUNTIME = `node${process.versions.node}`;

async function version({ res, service }: RequestContext): Promise<void> {
  const p = hostPlatform();
  const details = {
    ApiVersion: service.apiVersion.max,
    Arch: p.architecture,
    BuildTime: '',
    Experimental: 'false',
    GitCommit: '',
    GoVersion: RUNTIME,
    KernelVersion: os.release(),
    MinAPIVersion: service.apiVersion.min,
    Os: p.os,
  };
  sendJSON(res, 200, {
    Platform: { Name: 'berth' },
    Components: [{ Name: 'Engine', Version: service.version, Details: details }],
    Version: service.version,
    ApiVersion: service.apiVersion.max,
    MinAPIVersion: service.apiVersion.min,
    GitCommit: '',
    GoVersion: RUNTIME,
    Os: p.os,
    Arch: p.architecture,
    KernelVersion: os.release(),
    BuildTime: '',
  });
}

async function build(): Promise<void> {
  throw new ApiError(501, 'berth does not build images: the image API serves pull, push, save, load, tag and the image listings only');
}

export const systemRoutes: Route[] = [
  { method: 'GET', path: '/_ping', handler: ping },
  { method: 'HEAD', path: '/_ping', handler: ping },
  { method: 'GET', path: '/version', handler: version },
  { method: 'GET', path: '/info', handler: info },
  { method: 'GET', path: '/system/df', handler: df },
  { method: 'GET', path: '/events', handler: events },
  { method: 'POST', path: '/build', handler: build },
];
