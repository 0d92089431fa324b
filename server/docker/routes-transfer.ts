/**
 * The transfer endpoints (pull, import, push, save, load, auth): registered by the router
 * after the metadata routes. Each handler lives in transfer/ and calls one library function.
 */
import { ApiError } from './errors.js';
import type { RequestContext, Route } from './route.js';
import { authHandler } from './transfer/auth.js';
import { importHandler } from './transfer/import.js';
import { loadHandler } from './transfer/load.js';
import { pullHandler } from './transfer/pull.js';
import { pushHandler } from './transfer/push.js';
import { saveHandler } from './transfer/save.js';

/** POST /images/create: a pull with fromImage, an import with fromSrc. */
async function createHandler(ctx: RequestContext): Promise<void> {
  if (ctx.query.get('fromImage')) return pullHandler(ctx);
  if (ctx.query.get('fromSrc')) return importHandler(ctx);
  throw new ApiError(400, 'give fromImage (pull) or fromSrc (import)');
}

export const transferRoutes: Route[] = [
  { method: 'POST', path: '/images/create', handler: createHandler },
  { method: 'POST', path: '/images/{name}/push', handler: pushHandler },
  { method: 'GET', path: '/images/get', handler: saveHandler },
  { method: 'GET', path: '/images/{name}/get', handler: saveHandler },
  { method: 'POST', path: '/images/load', handler: loadHandler },
  { method: 'POST', path: '/auth', handler: authHandler },
];
