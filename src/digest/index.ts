export * from './digest.js';
export * from './verifier.js';
