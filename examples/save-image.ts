/**
 * Save a local image to a docker-archive (as `podman save`) or an oci-archive.
 *
 *   node save-image.js STORE_DIR IMAGE FILE [docker-archive|oci-archive]
 */
import { Store, openImage, isBerthError, type SaveFormat } from 'berth';

async function main(argv: string[]): Promise<void> {
  const [root, image, file, format = 'docker-archive'] = argv;
  if (!root || !image || !file || (format !== 'docker-archive' && format !== 'oci-archive')) {
    process.stderr.write('usage: save-image STORE_DIR IMAGE FILE [docker-archive|oci-archive]\n');
    process.exitCode = 2;
    return;
  }
  const store = Store.open({ root });
  try {
    const img = openImage(store, image);
    await img.save({ output: file, format: format as SaveFormat });
    process.stdout.write(`saved ${img.id} to ${file}\n`);
  } catch (e) {
    if (!isBerthError(e)) throw e;
    process.stderr.write(`${e.code}: ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    store.close();
  }
}

await main(process.argv.slice(2));
