/**
 * Give a local image another name, then show every name it has.
 *
 *   node tag-image.js STORE_DIR IMAGE NEW_NAME
 *
 * IMAGE may be a name, a short name, a full or partial ID, or name@digest.
 */
import { Store, openImage, isBerthError } from 'berth';

const [root, image, newName] = process.argv.slice(2);
if (!root || !image || !newName) {
  process.stderr.write('usage: tag-image STORE_DIR IMAGE NEW_NAME\n');
  process.exit(2);
}
const store = Store.open({ root });
try {
  const img = openImage(store, image);
  img.tag(newName);
  const data = img.inspect();
  process.stdout.write(`${data.Id}\n`);
  for (const t of data.RepoTags) process.stdout.write(`${t}\n`);
} catch (e) {
  if (!isBerthError(e)) throw e;
  process.stderr.write(`${e.code}: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  store.close();
}
