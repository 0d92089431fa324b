/**
 * The library's logger, with podman's levels (logrus: trace < debug < info < warn < error <
 * fatal < panic; default warn). Library code logs what a user may need to see why something
 * happened: retries, decisions (which registry, which credentials source), HTTP exchanges at
 * debug — never secrets (callers redact before logging).
 *
 *   import { log } from '../log.js';
 *   log.debug(`GET ${url}`);
 *   log.info(() => expensiveSummary());   // a function is only called when the level is on
 *   log.warn('image platform (linux/amd64) does not match the expected platform (linux/arm64)');
 *
 * Lines go to stderr in logrus' text format, as podman prints them: on a terminal
 * `WARN[0000] message`, otherwise `time="2024-05-01T10:00:00Z" level=warning msg="message"`.
 * The CLI sets the level from `--log-level`/`--debug`; library users may call setLogLevel and
 * setLogSink (e.g. to route lines to their own logger).
 */
import { goQuote } from './go/quote.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'panic';

/** The names `--log-level` accepts, in podman's order ("warning" is "warn"). */
export const LOG_LEVEL_NAMES: readonly string[] = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'];

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, panic: 6 };

export type LogMessage = string | (() => string);
/** Receives every line that passes the level filter (the message without any decoration). */
export type LogSink = (level: LogLevel, message: string) => void;

let current: LogLevel = 'warn';
let sink: LogSink | undefined;
const started = Date.now();

/** `--log-level` value -> level; undefined for a name podman does not accept. */
export function parseLogLevel(name: string): LogLevel | undefined {
  if (name === 'warning') return 'warn';
  return Object.hasOwn(RANK, name) ? (name as LogLevel) : undefined;
}

export function setLogLevel(level: LogLevel): void {
  current = level;
}
export function logLevel(): LogLevel {
  return current;
}
/** Route log lines somewhere else than stderr (undefined restores stderr). */
export function setLogSink(s: LogSink | undefined): void {
  sink = s;
}

/** True when messages at `level` are printed (to skip building costly messages). */
export function logEnabled(level: LogLevel): boolean {
  return RANK[level] >= RANK[current];
}

const LOGRUS_NAME: Record<LogLevel, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
  panic: 'panic',
};
const COLOR: Record<LogLevel, number> = { trace: 37, debug: 37, info: 36, warn: 33, error: 31, fatal: 31, panic: 31 };

/** logrus quotes a value unless every character is one of a-zA-Z0-9-._/@^+. */
function logfmtValue(s: string): string {
  return /^[A-Za-z0-9\-._/@^+]*$/.test(s) ? s : goQuote(s);
}

/** Go's time.RFC3339 in local time ("2006-01-02T15:04:05Z07:00"). */
function rfc3339Local(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}

/** One line as logrus' TextFormatter writes it (colored on a terminal). */
export function formatLogLine(level: LogLevel, message: string, tty: boolean, now = new Date()): string {
  if (tty) {
    const secs = String(Math.floor((now.getTime() - started) / 1000)).padStart(4, '0');
    return `\x1b[${COLOR[level]}m${LOGRUS_NAME[level].slice(0, 4).toUpperCase()}\x1b[0m[${secs}] ${message}\n`;
  }
  return `time="${rfc3339Local(now)}" level=${LOGRUS_NAME[level]} msg=${logfmtValue(message)}\n`;
}

function emit(level: LogLevel, m: LogMessage): void {
  if (RANK[level] < RANK[current]) return;
  const message = typeof m === 'function' ? m() : m;
  if (sink) {
    sink(level, message);
    return;
  }
  process.stderr.write(formatLogLine(level, message, process.stderr.isTTY === true));
}

export interface Logger {
  trace(m: LogMessage): void;
  debug(m: LogMessage): void;
  info(m: LogMessage): void;
  warn(m: LogMessage): void;
  error(m: LogMessage): void;
}

export const log: Logger = {
  trace: (m) => emit('trace', m),
  debug: (m) => emit('debug', m),
  info: (m) => emit('info', m),
  warn: (m) => emit('warn', m),
  error: (m) => emit('error', m),
};
