/**
 * Pull an image into a store, printing one line per layer as it completes.
 *
 *   node pull-with-progress.js STORE_DIR IMAGE [--tls-verify=false]
 *
 * Prints the image ID last.
 */
import { Store, pullImage, isBerthError, type ProgressEvent } from 'berth';

async function main(argv: string[]): Promise<number> {
  const [root, image, ...flags] = argv;
  if (!root || !image) {
    process.stderr.write('usage: pull-with-progress STORE_DIR IMAGE [--tls-verify=false]\n');
    return 2;
  }
  const store = Store.open({ root });
  const onProgress = (e: ProgressEvent): void => {
    if (e.kind === 'blob' && e.state === 'done')
      process.stdout.write(`${e.isConfig ? 'config' : 'layer'} ${e.digest} ${e.bytes ?? 0} bytes\n`);
    else if (e.kind === 'blob' && e.state === 'exists')
      process.stdout.write(`${e.isConfig ? 'config' : 'layer'} ${e.digest} already present\n`);
  };
  try {
    const result = await pullImage(store, image, { onProgress, tlsVerify: flags.includes('--tls-verify=false') ? false : undefined });
    for (const id of result.ids) process.stdout.write(`${id}\n`);
    return 0;
  } catch (e) {
    // every failure a user can cause is a BerthError with a stable code
    if (isBerthError(e)) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    store.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
