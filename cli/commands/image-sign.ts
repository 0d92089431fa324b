/**
 * berth image sign --sign-by KEY [--directory DIR] [--all] [--cert-dir DIR] [--authfile FILE]
 * IMAGE... — podman image sign: a GnuPG signature of each image (TRANSPORT:NAME), written as
 * the next signature-N of its lookaside staging location (registries.d) or under --directory.
 */
import * as fs from 'node:fs';
import { BerthError, signImages, type Store } from '../../src/index.js';
import { openStore } from '../open-store.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  const signBy = (o.signBy as string | undefined) ?? '';
  if (signBy === '') throw new BerthError('INVALID_ARGUMENT', 'please provide an identity');
  const directory = o.directory as string | undefined;
  if (directory) {
    try {
      fs.statSync(directory);
    } catch {
      throw new BerthError('INVALID_ARGUMENT', `stat ${directory}: no such file or directory`, { subject: directory });
    }
  }
  let store: Store | undefined;
  try {
    await signImages(p.args, {
      signBy,
      ...(directory ? { directory } : {}),
      all: !!o.all,
      context: {
        store: () => (store ??= openStore(g, 'read')),
        registry: {
          certDir: o.certDir as string | undefined,
          authfile: (o.authfile as string | undefined) ?? process.env.REGISTRY_AUTH_FILE,
        },
      },
    });
  } finally {
    store?.close();
  }
  return 0;
}
