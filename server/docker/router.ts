/**
 * Routing as the Docker engine does it: an optional `/vX.Y` prefix chooses the API version
 * (unprefixed: the newest served; outside [min, max]: 400 with Docker's words), then the
 * method and path choose a handler (no match: 404 `page not found`). Every answer carries
 * Docker's headers (Api-Version, Ostype, Server) and every failure is Docker's JSON error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler, Route, ServiceState } from './route.js';
import { ApiError, errorMessage, errorStatus, sendError } from './errors.js';
import { log } from '../../src/log.js';
import { compareVersions, parseVersion } from './versions.js';
import { systemRoutes } from './routes-system.js';
import { imageRoutes } from './routes-images.js';
import { transferRoutes } from './routes-transfer.js';

interface CompiledRoute {
  route: Route;
  re: RegExp;
  keys: string[];
}

/** '/images/{name}/json' -> /^\/images\/(.+)\/json$/ with keys ['name']. */
function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const src = route.path
    .split(/(\{[a-z]+\})/i)
    .map((part) => {
      const m = /^\{([a-z]+)\}$/i.exec(part);
      if (m) {
        keys.push(m[1]!);
        return '(.+)';
      }
      return part.replace(/[.*+?^$()[\]\\|]/g, '\\$&');
    })
    .join('');
  return { route, re: new RegExp(`^${src}$`), keys };
}

export type Dispatch = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createRouter(routes: readonly Route[], service: ServiceState): Dispatch {
  // routes without parameters win over patterns ('/images/json' is not image "json")
  const exact = new Map<string, Handler>();
  const patterns: CompiledRoute[] = [];
  for (const r of routes) {
    if (r.path.includes('{')) patterns.push(compile(r));
    else exact.set(`${r.method} ${r.path}`, r.handler);
  }
  const headers = {
    'Api-Version': service.apiVersion.max,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Berth/${service.version} (linux)`,
  };

  return async (req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = url.pathname;
    let apiVersion = service.apiVersion.max;
    try {
      const vm = /^\/v([0-9.]+)(\/.*)$/.exec(path);
      if (vm) {
        const v = vm[1]!;
        if (!parseVersion(v)) throw new ApiError(404, 'page not found');
        if (compareVersions(v, service.apiVersion.max) > 0)
          throw new ApiError(400, `client version ${v} is too new. Maximum supported API version is ${service.apiVersion.max}`);
        if (compareVersions(v, service.apiVersion.min) < 0)
          throw new ApiError(
            400,
            `client version ${v} is too old. Minimum supported API version is ${service.apiVersion.min}, please upgrade your client to a newer version`,
          );
        apiVersion = v;
        path = vm[2]!;
      }
      let handler = exact.get(`${method} ${path}`);
      let params: Record<string, string> = {};
      if (!handler) {
        for (const c of patterns) {
          if (c.route.method !== method) continue;
          const m = c.re.exec(path);
          if (!m) continue;
          handler = c.route.handler;
          params = Object.fromEntries(c.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
          break;
        }
      }
      if (!handler) throw new ApiError(404, 'page not found');
      await handler({ req, res, params, query: url.searchParams, apiVersion, service });
    } catch (e) {
      const status = errorStatus(e);
      if (status >= 500) log.error(`${method} ${url.pathname}: ${errorMessage(e)}`);
      else log.debug(`${method} ${url.pathname}: ${status} ${errorMessage(e)}`);
      sendError(res, status, errorMessage(e));
    }
  };
}

/** Every endpoint the service answers: its own, the image metadata ones, then the transfers. */
export function dockerRoutes(): Route[] {
  return [...systemRoutes, ...imageRoutes, ...transferRoutes];
}
