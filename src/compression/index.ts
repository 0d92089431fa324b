export * from './compression.js';
