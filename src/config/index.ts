export * from './registries.js';
export * from './shortnames.js';
export * from './certs.js';
export * from './policy.js';
export * from './containers-conf.js';
export * from './registry-access.js';
export * from './context.js';
export * from './policy-check.js';
