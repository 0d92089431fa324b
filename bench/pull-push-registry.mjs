// Usage: node bench/pull-push-registry.mjs INFO_FILE PUSH_STORAGE_DIR
// Starts two local registries on 127.0.0.1 (test/helpers/registry.ts, plain http): one to pull
// from, one to push to whose storage is PUSH_STORAGE_DIR (the benchmark empties it before each
// push). Writes "PULL_HOST PUSH_HOST" to INFO_FILE, then runs until SIGTERM/SIGINT.
import { writeFileSync } from 'node:fs';
import { startRegistry } from '../dist/test/helpers/registry.js';

const [info, pushDir] = process.argv.slice(2);
const src = await startRegistry();
const dst = await startRegistry({ storageDir: pushDir });
writeFileSync(info, `${src.host} ${dst.host}\n`);
const stop = async () => {
  await Promise.allSettled([src.stop(), dst.stop()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
