/**
 * `berth serve` as a child process for tests: started on a free port of 127.0.0.1 (the port
 * it prints), stopped with SIGTERM. Requests to it go through `request`, which keeps the raw
 * status, headers and body.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import { BERTH_CLI } from './berth.js';

export interface Serve {
  /** "http://127.0.0.1:PORT" or "https://..." */
  url: string;
  /** "127.0.0.1:PORT" */
  host: string;
  proc: ChildProcess;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGTERM, then wait for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export async function startServe(root: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<Serve> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete fullEnv[k];
    else fullEnv[k] = v;
  }
  const proc = spawn(process.execPath, [BERTH_CLI, '--root', root, 'serve', '--addr', '127.0.0.1:0', ...args], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      exited = code;
      resolve(code);
    }),
  );
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`berth serve did not start:\n${err}`)), 20_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Listening on (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    void exit.then((code) => {
      clearTimeout(t);
      reject(new Error(`berth serve exited (${code}):\n${err}`));
    });
  });
  return {
    url,
    host: url.replace(/^https?:\/\//, ''),
    proc,
    stderr: () => err,
    alive: () => exited === undefined,
    stop: async () => {
      if (exited === undefined) proc.kill('SIGTERM');
      return exit;
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json<T = unknown>(): T;
}

/** One request; the whole body is read. `ca`: trust this CA for https. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; ca?: string | Buffer; body?: string | Buffer } = {},
): Promise<Answer> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const headers = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    const req = mod.request(url, { method: opts.method ?? 'GET', headers, ca: opts.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, json: <T>() => JSON.parse(body.toString()) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
