export * from './authfile.js';
export * from './credhelper.js';
