// Usage: node bench/make-archive.mjs OUT.tar [random|text] [TOTAL_MB]
// Writes a one-image, three-layer docker-archive (layers ~50/33/17% of TOTAL_MB) and prints
// its image ID. Uses the test helper (build first: npx tsc -p tsconfig.json).
import { writeBigDockerArchive } from '../dist/test/helpers/archives.js';

const [out, content = 'random', totalMb = '300'] = process.argv.slice(2);
if (!out || !['random', 'text'].includes(content)) {
  console.error('usage: make-archive.mjs OUT.tar [random|text] [TOTAL_MB]');
  process.exit(2);
}
const total = Number(totalMb) * 1024 * 1024;
const layerBytes = [Math.round(total * 0.5), Math.round(total * 0.33), Math.round(total * 0.17)];
const a = await writeBigDockerArchive(out, { layerBytes, repoTag: 'example.com/bench/image:latest', content });
process.stdout.write(`${a.id}\n`);
