export * from './store.js';
export * from './blobs.js';
export * from './index-db.js';
