/**
 * The transfer endpoints (pull, push, save, load, auth): registered by the router after the
 * metadata routes.
 */
import type { Route } from './route.js';

export const transferRoutes: Route[] = [];
