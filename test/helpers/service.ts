/**
 * `berth system service` on a scratch unix socket for tests: a real child process (the CLI),
 * ready once /_ping answers. `request` talks HTTP to it without a client library.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH_CLI } from './berth.js';

export interface StartServiceOptions {
  /** The store (--root). */
  root: string;
  /** Environment for the service (merged over the test's own). */
  env?: Record<string, string | undefined>;
  /** Extra arguments after `system service` (before the URI). */
  args?: string[];
}

export interface RunningService {
  socketPath: string;
  /** DOCKER_HOST for clients. */
  dockerHost: string;
  /** The service's stderr so far. */
  stderr(): string;
  /** The child process (to check it is still running). */
  child: ChildProcess;
  /** SIGTERM, wait for the exit, remove the socket's directory. */
  stop(): Promise<void>;
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

/** One HTTP request over the service's socket. */
export function request(
  socketPath: string,
  method: string,
  urlPath: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export async function startService(opts: StartServiceOptions): Promise<RunningService> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'berth-svc-'));
  const socketPath = path.join(dir, 'berth.sock');
  const child = spawn(
    process.execPath,
    [BERTH_CLI, '--root', opts.root, 'system', 'service', '--time', '0', ...(opts.args ?? []), `unix://${socketPath}`],
    { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`berth system service exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await request(socketPath, 'GET', '/_ping')).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`berth system service did not answer within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    stderr: () => stderr,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
