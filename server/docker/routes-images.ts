/**
 * The image metadata endpoints: listing, inspect, history, tag, remove, prune, search.
 */
import type { Route } from './route.js';

export const imageRoutes: Route[] = [];
