export * from './compression.js';
export { gzipCodec, type GzipCodec, type GzipCodecName, type GzipWork } from './gzip-codec.js';
