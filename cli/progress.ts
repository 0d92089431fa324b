import { isBerthError } from '../src/errors.js';
import { setLogSink } from '../src/log.js';
import type { ProgressEvent } from '../src/index.js';
import { logProgress, usageError } from './common.js';

/** How a transfer command reports progress on stderr. */
export interface ProgressOutput {
  onProgress?: (e: ProgressEvent) => void;
  /** The command finished a transfer (redraw the last frame). */
  done(): void;
  /** The command failed: report it in the progress format too. */
  failed(e: unknown): void;
  /** Whether stderr carries JSON events (then nothing else may be written there). */
  json: boolean;
}

/**
 * `--progress=json` (or BERTH_PROGRESS=json): every progress event as one JSON object per
 * line (NDJSON) on stderr, with a `time`; log lines become `{"kind":"log"}` events and a
 * failure an `{"kind":"error"}` event (before the usual `Error:` line), so that stderr can be
 * read as a stream of events (docs/progress.schema.json). Otherwise `human()` decides.
 */
export function progressOutput(mode: unknown, human: () => { onProgress?: (e: ProgressEvent) => void; done?: () => void }): ProgressOutput {
  const chosen = (mode as string | undefined) ?? process.env.BERTH_PROGRESS ?? 'auto';
  if (chosen !== 'json' && chosen !== 'auto') throw usageError(`invalid progress format ${JSON.stringify(chosen)}: choose auto or json`);
  if (chosen === 'json') {
    const line = (o: object) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);
    setLogSink((level, message) => line({ kind: 'log', level, message }));
    return {
      json: true,
      onProgress: (e) => line(e),
      done() {},
      failed: (e) =>
        line({
          kind: 'error',
          code: isBerthError(e) ? e.code : 'INTERNAL',
          message: e instanceof Error ? e.message : String(e),
        }),
    };
  }
  const h = human();
  return { json: false, onProgress: h.onProgress, done: () => h.done?.(), failed() {} };
}

/**
 * Progress rendering. On a TTY: one live line per blob (state, bytes, rate), redrawn in place.
 * In logs: one line per state change, never redrawn frames. Quiet: nothing.
 */
export function progressRenderer(opts: { quiet?: boolean; stream?: NodeJS.WriteStream; signatures?: boolean } = {}): {
  onProgress?: (e: ProgressEvent) => void;
  done(): void;
} {
  const out = opts.stream ?? process.stderr;
  if (opts.quiet) return { done() {} };
  if (!out.isTTY) return { onProgress: logProgress(false, { signatures: opts.signatures, stream: out }), done() {} };
  interface Row {
    label: string;
    state: string;
    bytes: number;
    total: number;
    started: number;
  }
  const rows = new Map<string, Row>();
  let drawn = 0;
  let last = 0;
  let stored = false;
  let getting = false;
  const human = (n: number) =>
    n >= 1 << 30
      ? `${(n / (1 << 30)).toFixed(1)}GiB`
      : n >= 1 << 20
        ? `${(n / (1 << 20)).toFixed(1)}MiB`
        : n >= 1024
          ? `${(n / 1024).toFixed(1)}KiB`
          : `${n}B`;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let s = drawn ? `\x1b[${drawn}A` : '';
    const width = out.columns || 80;
    for (const r of rows.values()) {
      const pct = r.total > 0 ? Math.min(1, r.bytes / r.total) : 0;
      const secs = Math.max(0.001, (now - r.started) / 1000);
      const barW = Math.max(10, Math.min(30, width - 60));
      const fill = Math.round(pct * barW);
      const bar =
        r.state === 'copying'
          ? `[${'='.repeat(fill)}${' '.repeat(barW - fill)}] ${human(r.bytes)} / ${human(r.total)} ${human(r.bytes / secs)}/s`
          : r.state;
      s += `\x1b[2K${`Copying ${r.label}`.padEnd(28)} ${bar}`.slice(0, width - 1) + '\n';
    }
    drawn = rows.size;
    out.write(s);
  };
  return {
    onProgress: (e) => {
      if (getting && (e.kind === 'blob' || e.kind === 'manifest')) {
        getting = false;
        out.write('Getting image source signatures\n');
        drawn = 0;
      }
      if (e.kind === 'message') {
        if (e.text === 'Storing signatures') stored = true;
        out.write(`${e.text}\n`);
        drawn = 0;
        return;
      }
      if (e.kind === 'resolved') {
        getting = opts.signatures !== false;
        return;
      }
      if (e.kind === 'manifest') {
        if (e.state === 'writing') {
          draw(true);
          out.write('Writing manifest to image destination\n');
          drawn = 0;
          rows.clear();
          stored = false;
        } else if (!stored) out.write('Storing signatures\n');
        return;
      }
      if (e.kind !== 'blob') return;
      const label = `${e.isConfig ? 'config' : 'blob'} ${(e.diffID ?? e.digest).slice(7, 19)}`;
      const r = rows.get(e.digest) ?? { label, state: 'waiting', bytes: 0, total: e.total ?? 0, started: Date.now() };
      r.state =
        e.state === 'exists' ? 'skipped: already exists' : e.state === 'done' ? 'done' : e.state === 'retrying' ? 'retrying' : 'copying';
      if (e.state === 'start') r.started = Date.now();
      if (e.bytes !== undefined) r.bytes = e.bytes;
      if (e.total !== undefined) r.total = e.total;
      rows.set(e.digest, r);
      draw(e.state !== 'copying');
    },
    done() {
      draw(true);
    },
  };
}
