export * from './types.js';
export * from './validate.js';
export * from './serialize.js';
export * from './strict-json.js';
