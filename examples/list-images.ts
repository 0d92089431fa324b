/**
 * List the images of a store: one line per name (or "<none>"), with the short ID and size.
 *
 *   node list-images.js STORE_DIR
 */
import { Store, listImages } from 'berth';

const root = process.argv[2];
if (!root) {
  process.stderr.write('usage: list-images STORE_DIR\n');
  process.exit(2);
}
const store = Store.open({ root });
try {
  const { images } = listImages(store);
  for (const img of images) {
    const names = img.names.length ? img.names : ['<none>'];
    for (const name of names) process.stdout.write(`${name} ${img.row.id.slice(0, 12)} ${img.row.size}\n`);
  }
} finally {
  store.close();
}
