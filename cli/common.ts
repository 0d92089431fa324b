import { Command, CommanderError } from 'commander';
import { Store, BerthError, type ProgressEvent } from '../src/index.js';
import type { GlobalOptions } from './main.js';

export function openStore(g: GlobalOptions): Store {
  return Store.open(g.root !== undefined ? { root: g.root } : {});
}

/**
 * A commander Command set up the way every berth command wants it: errors become one-line
 * BerthErrors (exit 125), no process.exit, unknown options rejected.
 */
export function command(name: string, description: string): Command {
  const c = new Command(name).description(description).exitOverride().configureOutput({
    writeErr: (s) => {
      // commander's own messages: keep them to one line, "Error: ..." like other errors
      const line = s.trim().replace(/^error: /, '');
      if (line) process.stderr.write(`Error: ${line}\n`);
    },
  });
  c.helpOption('-h, --help', 'show help');
  c.allowExcessArguments(false);
  return c;
}

/** Parse argv with a command; returns undefined when help was shown (exit 0). */
export function parse(c: Command, args: string[]): { opts: Record<string, unknown>; args: string[] } | number {
  try {
    c.parse(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      return 125;
    }
    throw e;
  }
  return { opts: c.opts(), args: c.args };
}

export function usageError(msg: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', msg, { hint });
}

/** collect repeated options into an array (commander helper). */
export function collect(v: string, prev: string[] = []): string[] { return [...prev, v]; }

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
      if (e.state === 'exists') { seen.add(key); process.stderr.write(`Copying ${e.isConfig ? 'config' : 'blob'} ${short} skipped: already exists\n`); }
      else if (e.state === 'copying' && (e.bytes ?? 0) === 0) { seen.add(key); }
      else if (e.state === 'done') { seen.add(key); process.stderr.write(`Copying ${e.isConfig ? 'config' : 'blob'} ${short} done\n`); }
    } else if (e.kind === 'manifest' && e.state === 'writing') {
      process.stderr.write('Writing manifest to image destination\n');
    } else if (e.kind === 'message') {
      process.stderr.write(`${e.text}\n`);
    }
  };
}
