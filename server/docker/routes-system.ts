/**
 * The service's own endpoints: /_ping (what clients negotiate the API version from),
 * /version, and /build (berth does not build: 501).
 */
import * as os from 'node:os';
import { hostPlatform } from '../../src/index.js';
import type { RequestContext, Route } from './route.js';
import { ApiError } from './errors.js';
import { sendJSON } from './json.js';

async function ping({ req, res }: RequestContext): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Content-Length': req.method === 'HEAD' ? 0 : 2,
  });
  res.end(req.method === 'HEAD' ? undefined : 'OK');
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
  { method: 'POST', path: '/build', handler: build },
];
