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

/**
 * Progress in logs (no TTY): one line per state change, as podman: "Copying blob sha256:abc... done".
 * On a TTY the same lines are written (bars are rendered by the pull/push commands).
 */
export function logProgress(quiet: boolean): ((e: ProgressEvent) => void) | undefined {
  if (quiet) return undefined;
  const seen = new Set<string>();
  return (e) => {
    if (e.kind === 'blob') {
      const short = e.digest.slice(7, 19);
      const key = `${e.digest}:${e.state}`;
      if (seen.has(key)) return;
      if (e.state === 'exists') {
        seen.add(key);
        process.stderr.write(`Copying ${e.isConfig ? 'config' : 'blob'} ${short} skipped: already exists\n`);
      } else if (e.state === 'copying' && (e.bytes ?? 0) === 0) {
        seen.add(key);
      } else if (e.state === 'done') {
        seen.add(key);
        process.stderr.write(`Copying ${e.isConfig ? 'config' : 'blob'} ${short} done\n`);
      }
    } else if (e.kind === 'manifest' && e.state === 'writing') {
      process.stderr.write('Writing manifest to image destination\n');
    } else if (e.kind === 'message') {
      process.stderr.write(`${e.text}\n`);
    }
  };
}
