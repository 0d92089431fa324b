import { BerthError } from '../src/errors.js';
import type { ProgressEvent } from '../src/index.js';

export { openStore } from './open-store.js';

export function usageError(msg: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', msg, { hint });
}

/** --format of push and copy: "docker" is podman's other name for v2s2. */
export function manifestFormat(f: string | undefined): 'oci' | 'v2s2' | undefined {
  return f === 'docker' ? 'v2s2' : (f as 'oci' | 'v2s2' | undefined);
}

/** What a transfer command tells the progress lines beyond the events. */
export interface LogProgressOptions {
  /** The source's signatures are copied (podman then says "Getting image source signatures"); default true. */
  signatures?: boolean;
  /** Where the lines go: stderr (podman), stdout (skopeo). */
  stream?: NodeJS.WritableStream;
}

/**
 * Progress in logs (no TTY), in podman's (containers/image's) words, one line per step:
 * "Getting image source signatures" (unless signatures are removed), "Copying blob sha256:<hex>"
 * once per layer (whether copied, reused or already present), "Copying config sha256:<hex>",
 * "Writing manifest to image destination", "Storing signatures"; engine messages as they come.
 */
export function logProgress(quiet: boolean, opts: LogProgressOptions = {}): ((e: ProgressEvent) => void) | undefined {
  if (quiet) return undefined;
  const out = opts.stream ?? process.stderr;
  const say = (line: string) => out.write(`${line}\n`);
  // per image: blobs already announced, whether its signatures were announced, whether a list is written
  let seen = new Set<string>();
  let stored = false;
  let list = false;
  // said when the copy goes on past the policy (a refused image gets no line), as podman's
  let getting = false;
  return (e) => {
    if (getting && (e.kind === 'blob' || e.kind === 'manifest')) {
      getting = false;
      say('Getting image source signatures');
    }
    if (e.kind === 'resolved') {
      seen = new Set();
      getting = opts.signatures !== false;
    } else if (e.kind === 'blob') {
      // a layer read from the store is named by its diffID, as podman's store holds layers uncompressed
      const name = e.diffID ?? e.digest;
      if (seen.has(name)) return;
      seen.add(name);
      say(`Copying ${e.isConfig ? 'config' : 'blob'} ${name}`);
    } else if (e.kind === 'manifest') {
      if (e.state === 'writing') {
        stored = false;
        say('Writing manifest to image destination');
      } else {
        if (!stored) say(list ? 'Storing list signatures' : 'Storing signatures');
        stored = false;
        list = false;
      }
    } else if (e.kind === 'message') {
      if (e.text === 'Storing signatures') {
        stored = true;
        say(list ? 'Storing list signatures' : e.text);
        return;
      }
      if (opts.signatures !== false && /^Copying \d+ images generated from \d+ images in list$/.test(e.text))
        say('Getting image list signatures');
      if (e.text === 'Writing manifest list to image destination') {
        list = true;
        stored = false;
      }
      say(e.text);
    }
  };
}
