import { readFileSync } from 'node:fs';
import { BerthError } from '../../src/errors.js';
import { log } from '../../src/log.js';
import { openStore } from '../open-store.js';
import { usageError } from '../common.js';
import { startRegistryServer } from '../../server/registry/server.js';
import { Htpasswd } from '../../server/registry/htpasswd.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

/** HOST:PORT, [IPv6]:PORT or :PORT (every address). */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw usageError(`invalid --addr ${JSON.stringify(addr)}: expected HOST:PORT (e.g. 127.0.0.1:5000)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BerthError('INVALID_ARGUMENT', `cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const { host, port } = parseAddr(String(p.opts.addr ?? '127.0.0.1:5000'));
  const certFile = p.opts.tlsCert as string | undefined;
  const keyFile = p.opts.tlsKey as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) throw usageError('--tls-cert and --tls-key must be given together');
  const tls = certFile !== undefined ? { cert: readPem(certFile, 'certificate'), key: readPem(keyFile!, 'key') } : undefined;
  const htpasswdFile = p.opts.htpasswd as string | undefined;
  if (htpasswdFile === '') throw usageError('--htpasswd needs a file');
  const htpasswd = htpasswdFile !== undefined ? await Htpasswd.open(htpasswdFile) : undefined;
  const store = openStore(g, 'read');
  try {
    let server;
    try {
      server = await startRegistryServer({ store, host, port, tls, htpasswd });
    } catch (e) {
      if (tls && !(e instanceof BerthError))
        throw new BerthError('INVALID_ARGUMENT', `cannot use --tls-cert ${certFile} with --tls-key ${keyFile}: ${(e as Error).message}`);
      throw e;
    }
    if (!['127.0.0.1', '::1', 'localhost'].includes(host) && !tls)
      log.warn(`serving ${server.url} without TLS: credentials and images cross the network in clear`);
    process.stdout.write(`Listening on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, stop);
    });
    await server.close();
  } finally {
    store.close();
  }
  return 0;
}
