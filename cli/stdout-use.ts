/**
 * How the CLI uses stdout. process.stdout is a stream Node creates on first access, loading
 * its stream modules (and `net` for a pipe): a few milliseconds that a command printing one
 * block (a listing, inspect) or nothing (tag, image exists) need not pay. Such output goes
 * straight to file descriptor 1; the stream takes over whenever it is in use or a write cannot
 * complete at once (a non-blocking pipe that is full, a reader that went away, any error),
 * and then reports as it always did (cli/main.ts: EPIPE ends with status 141, other errors
 * are one `Error:` line).
 */
import { writeSync } from 'node:fs';

/**
 * Whether stdout carries an archive (save, export without -o). A listing whose reader goes away
 * (`berth images | head -1`) ends quietly with the SIGPIPE status as podman does; an archive
 * cut short is a failed command that must say so (cli/main.ts reads this).
 */
export const stdoutArchive = { active: false };

/** --noout: nothing reaches stdout. */
let discard = false;
/** process.stdout once something created it: from then on, output goes through it (in order). */
let stream: NodeJS.WriteStream | undefined;

/** Run `fn` on process.stdout or process.stderr when something first uses it (at once if it exists already). */
function whenStdioOpens(name: 'stdout' | 'stderr', fn: (stream: NodeJS.WriteStream) => void): void {
  const desc = Object.getOwnPropertyDescriptor(process, name);
  if (desc?.get === undefined || desc.configurable !== true) {
    fn(process[name]);
    return;
  }
  const get = desc.get;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: desc.enumerable ?? true,
    get(): NodeJS.WriteStream {
      Object.defineProperty(process, name, desc);
      const s = get.call(process) as NodeJS.WriteStream;
      fn(s);
      return s;
    },
  });
}

/** Run `fn` on process.stdout when something first uses it (at once if it exists already). */
export function whenStdoutOpens(fn: (stdout: NodeJS.WriteStream) => void): void {
  whenStdioOpens('stdout', fn);
}

/** process.stderr once something created it. */
let errStream: NodeJS.WriteStream | undefined;

whenStdoutOpens((s) => {
  stream = s;
});
whenStdioOpens('stderr', (s) => {
  errStream = s;
});

/** Whether writeStdout writes straight to the descriptor (nothing it was given is held after it returns). */
export function stdoutUnbuffered(): boolean {
  return stream === undefined && !discard;
}

/**
 * Whether everything written to stdout and stderr has reached the kernel: a stream never
 * created holds nothing (writeStdout wrote straight to the descriptor), and one with no
 * unfinished write holds nothing either. Only then may the process end without waiting for
 * the event loop.
 */
export function stdioIdle(): boolean {
  return (stream === undefined || stream.writableLength === 0) && (errStream === undefined || errStream.writableLength === 0);
}

/**
 * --noout, as podman: stdout goes nowhere (writes to the stream still complete, so piped
 * output does not stall).
 */
export function discardStdout(): void {
  discard = true;
  whenStdoutOpens((s) => {
    s.write = ((_chunk: unknown, enc?: unknown, cb?: unknown) => {
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as typeof s.write;
  });
}

/**
 * Write `chunk` to stdout. Returns what process.stdout.write would: false when the caller
 * should wait for the stream's 'drain' before writing more.
 */
export function writeStdout(chunk: string | Uint8Array): boolean {
  if (discard) return true;
  if (stream !== undefined) return stream.write(chunk);
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
    return true;
  } catch {
    // EAGAIN, EPIPE, ...: the stream writes the rest or reports the failure as before
    return process.stdout.write(bytes.subarray(done));
  }
}
