// Usage: node bench/images-store.mjs ROOT [IMAGES=200] [NAMES=5] [DANGLING=5]
// Builds a berth store of IMAGES one-layer images (berth's import, each with distinct
// content and labels) with NAMES names each, plus DANGLING untagged images. Prints one
// image reference per line for `berth save -m`: every name, then the dangling image IDs.
import { Readable } from 'node:stream';
import { Store } from '../dist/src/store/store.js';
import { importImage } from '../dist/src/images/import.js';
import { tagImage } from '../dist/src/images/tag.js';
import { makeTar } from '../dist/test/helpers/tools.js';

const [root, images = '200', names = '5', dangling = '5'] = process.argv.slice(2);
if (!root) {
  console.error('usage: node bench/images-store.mjs ROOT [IMAGES] [NAMES] [DANGLING]');
  process.exit(2);
}
const store = Store.open({ root });
const refs = [];
const tiers = ['gold', 'silver', 'bronze', 'iron'];
try {
  for (let i = 0; i < Number(images); i++) {
    const tar = makeTar({ [`data/file-${i}.txt`]: `image ${i}\n`.repeat(1 + (i % 7)) });
    const first = `bench.example.com/team${i % 10}/app${i}:v1`;
    const { id } = await importImage(store, {
      input: Readable.from([tar]),
      reference: first,
      changes: [`LABEL tier=${tiers[i % tiers.length]}`, `LABEL index=${i}`, 'CMD ["/bin/app"]'],
    });
    const more = [];
    for (let n = 1; n < Number(names); n++)
      more.push(n % 2 ? `bench.example.com/team${i % 10}/app${i}:v${n + 1}` : `localhost/app${i}:tag${n}`);
    if (more.length) tagImage(store, id, more);
    refs.push(first, ...more);
  }
  for (let i = 0; i < Number(dangling); i++) {
    const { id } = await importImage(store, { input: Readable.from([makeTar({ [`dangling-${i}`]: `dangling ${i}\n` })]) });
    refs.push(id);
  }
} finally {
  store.close();
}
process.stdout.write(refs.join('\n') + '\n');
