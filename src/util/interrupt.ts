/**
 * Work that must run when the process is interrupted by SIGINT, SIGTERM or SIGHUP: removing
 * temp files, recording how far a download got. Handlers run synchronously, in the order they
 * were added; then, unless someone else handles the signal, the process dies of it as it
 * would have without these handlers (same exit status for the shell).
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const handlers = new Set<() => void>();

function onSignal(sig: NodeJS.Signals): void {
  const run = [...handlers];
  handlers.clear();
  for (const s of SIGNALS) process.off(s, onSignal);
  for (const h of run) {
    try {
      h();
    } catch {
      /* best effort: the others still run */
    }
  }
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/** Run `fn` on interruption until the returned function is called (which forgets it). */
export function onInterrupt(fn: () => void): () => void {
  const h = () => fn();
  if (handlers.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  handlers.add(h);
  return () => {
    if (!handlers.delete(h)) return;
    if (handlers.size === 0) for (const s of SIGNALS) process.off(s, onSignal);
  };
}
