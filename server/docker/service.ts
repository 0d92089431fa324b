/**
 * The Docker API service's life: listen on a unix socket (mode 0660; a stale socket file of a
 * dead service is replaced) or, when asked, on TCP; open the store once; answer requests
 * through the router; stop after `time` seconds without a request in progress (0: never) or
 * on close(), removing the socket file.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { BerthError, Store, isBerthError } from '../../src/index.js';
import { log } from '../../src/log.js';
import type { ServiceState } from './route.js';
import { EventBus } from './events.js';
import { createRouter, dockerRoutes } from './router.js';

/** API versions served: the newest is what unprefixed requests get and what /_ping advertises. */
export const API_VERSION = { max: '1.47', min: '1.24' };

export interface DockerServiceOptions {
  /** unix:///path/to.sock or tcp://host:port */
  uri: string;
  /** The store directory (default store when undefined). */
  root?: string;
  /** Seconds without a request in progress before the service stops; 0: never. */
  idleSeconds: number;
  /** berth's version, for /version and /info. */
  version: string;
}

export interface RunningDockerService {
  /** Where it listens: the socket path, or host:port. */
  address: string;
  /** Resolves when the service has stopped (idle timeout or close()). */
  closed: Promise<void>;
  close(): Promise<void>;
}

type Listen = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parse the service URI as podman does (`unix:///path`, `tcp://host:port`, also `tcp:host:port`). */
export function parseServiceURI(uri: string): Listen {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new BerthError('INVALID_ARGUMENT', `${uri} is an invalid socket destination`);
  }
  if (u.protocol === 'unix:') {
    const p = decodeURIComponent(u.pathname);
    if (!p || p === '/') throw new BerthError('INVALID_ARGUMENT', `${uri} is an invalid socket destination`);
    return { kind: 'unix', path: path.resolve(p) };
  }
  if (u.protocol === 'tcp:') {
    const hostPort = u.host || u.pathname;
    const m = /^(.*):(\d+)$/.exec(hostPort);
    if (!m || Number(m[2]) > 65535) throw new BerthError('INVALID_ARGUMENT', `${uri} is an invalid socket destination`);
    return { kind: 'tcp', host: m[1]!.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port: Number(m[2]) };
  }
  const scheme = u.protocol.slice(0, -1);
  throw new BerthError(
    'INVALID_ARGUMENT',
    `API Service endpoint scheme ${JSON.stringify(scheme)} is not supported. Try tcp://${uri} or unix://${uri}`,
  );
}

/** The default endpoint: $XDG_RUNTIME_DIR/berth/berth.sock, /run/berth/berth.sock for root. */
export function defaultServiceURI(): string {
  if (process.getuid?.() === 0) return 'unix:///run/berth/berth.sock';
  const runtime = process.env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  return `unix://${path.join(runtime, 'berth', 'berth.sock')}`;
}

/** Whether something answers on the unix socket at `p`. */
function socketAlive(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function openServiceStore(root: string | undefined): Store {
  const base = root !== undefined ? { root } : {};
  try {
    return Store.open({ ...base, access: 'write' });
  } catch (e) {
    // a store the service cannot write still serves listings and inspection
    if (isBerthError(e) && (e.code === 'STORE_READONLY' || e.code === 'STORE_FULL')) return Store.open({ ...base, access: 'read' });
    throw e;
  }
}

export async function startDockerService(opts: DockerServiceOptions): Promise<RunningDockerService> {
  const where = parseServiceURI(opts.uri);
  const store = openServiceStore(opts.root);
  const stopping = new AbortController();
  const state: ServiceState = {
    ...(opts.root !== undefined ? { root: opts.root } : {}),
    store: () => store,
    events: new EventBus(),
    apiVersion: API_VERSION,
    version: opts.version,
    stopping: stopping.signal,
  };
  const dispatch = createRouter(dockerRoutes(), state);

  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let stop: () => Promise<void> = async () => {};
  const armIdle = () => {
    if (opts.idleSeconds > 0 && active === 0) idleTimer = setTimeout(() => void stop(), opts.idleSeconds * 1000);
  };
  const server = http.createServer((req, res) => {
    active++;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    res.once('close', () => {
      active--;
      armIdle();
    });
    void dispatch(req, res);
  });
  // clients may keep connections open; idle ones must not hold the service up
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;

  let address: string;
  try {
    if (where.kind === 'unix') {
      fs.mkdirSync(path.dirname(where.path), { recursive: true, mode: 0o700 });
      if (fs.existsSync(where.path) && fs.lstatSync(where.path).isSocket() && !(await socketAlive(where.path))) fs.rmSync(where.path);
      await listen(server, { path: where.path }, 'unable to create socket');
      fs.chmodSync(where.path, 0o660);
      address = where.path;
    } else {
      log.warn('Using the berth API service with TCP sockets is not recommended, please see `berth system service --help` for details');
      const hostPort = `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}`;
      await listen(server, { host: where.host, port: where.port }, `unable to create socket ${hostPort}`);
      const a = server.address() as net.AddressInfo;
      address = `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    }
  } catch (e) {
    store.close();
    throw e;
  }
  log.info(`API service listening on ${JSON.stringify(address)}. URI: ${JSON.stringify(opts.uri)}`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | undefined;
  stop = () => {
    closing ??= (async () => {
      if (idleTimer) clearTimeout(idleTimer);
      stopping.abort();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      });
      store.close();
      if (where.kind === 'unix') fs.rmSync(where.path, { force: true });
      resolveClosed();
    })();
    return closing;
  };
  armIdle();
  return { address, closed, close: () => stop() };
}

function listen(server: http.Server, at: net.ListenOptions, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = at.path ?? `${at.host}:${at.port}`;
      const reason = e.code === 'EADDRINUSE' ? 'bind: address already in use' : e.code === 'EACCES' ? 'bind: permission denied' : e.message;
      reject(new BerthError('IO', `${what}: listen ${at.path ? 'unix' : 'tcp'} ${where}: ${reason}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen(at, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
