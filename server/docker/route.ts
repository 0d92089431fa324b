/**
 * The shapes every Docker API handler shares: a request context (the parsed request, the
 * negotiated API version, the service's state) and a route (method + path pattern + handler).
 * Handlers call one public library function each and may run concurrently with each other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../../src/local.js';
import type { EventBus } from './events.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** path parameters, e.g. { name } for /images/{name}/json (name may contain '/', ':' and '@') */
  params: Record<string, string>;
  query: URLSearchParams;
  /** negotiated API version, e.g. "1.41" (from the /v1.NN prefix, or the service's default) */
  apiVersion: string;
  service: ServiceState;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  /** '/images/{name}/json': a {param} matches one or more characters, '/' included. */
  path: string;
  handler: Handler;
}

/** What the service holds for its whole life, shared by every request. */
export interface ServiceState {
  /** The store directory (--root); undefined: the default store. */
  root?: string;
  /**
   * The store, opened once for the service's life (read-only when it cannot be written).
   * Safe to use from concurrent handlers: each call is one short SQLite statement or
   * transaction; never keep it busy while writing to a client.
   */
  store(): Store;
  /** Image events (pull, push, tag, untag, delete, load, save, import) for GET /events. */
  events: EventBus;
  /** Highest and lowest API versions served; `max` is used for unprefixed paths. */
  apiVersion: { max: string; min: string };
  /** berth's version, reported by /version and /info. */
  version: string;
  /** Fired when the service stops: long-running handlers (event streams, pulls) end. */
  stopping: AbortSignal;
}
