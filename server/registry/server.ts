/**
 * `berth serve`: the store as a read-only OCI distribution registry (distribution spec
 * v1.1, pull and content discovery). Every answer reads the index afresh through the
 * library's RegistryView (which caches until the index changes); blobs are streamed from
 * their files, never buffered, and no store lock is held at any time: a blob removed while
 * it is being sent keeps streaming from the open file, one removed before answers 404.
 * Pushes and deletes answer 405 UNSUPPORTED.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { RegistryView, type Store, type ServedManifest } from '../../src/local.js';
import { parseDigest, type Digest } from '../../src/index.js';
import { BerthError, isBerthError } from '../../src/errors.js';
import { log } from '../../src/log.js';
import { goErrnoText } from '../../src/go/index.js';
import { RegistryError, sendError, nameUnknown, digestInvalid } from './errors.js';
import { parseEndpoint, validName, TAG_RE, type Endpoint } from './paths.js';
import { parseRange } from './range.js';
import type { Htpasswd } from './htpasswd.js';

export interface RegistryServerOptions {
  /** The store, opened by the caller (for reading); the server never writes to it. */
  store: Store;
  /** Address to listen on (default 127.0.0.1) and port (0: any free port). */
  host?: string;
  port: number;
  /** Serve https with this certificate chain and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** Require Basic credentials from this htpasswd file. */
  htpasswd?: Htpasswd;
  /** Realm named in WWW-Authenticate (default "berth"). */
  realm?: string;
}

export interface RunningRegistry {
  /** "http://127.0.0.1:5000" (the port actually bound). */
  url: string;
  host: string;
  port: number;
  /** Stop listening, end open connections (transfers in progress are cut). */
  close(): Promise<void>;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

interface Context {
  view: RegistryView;
  store: Store;
  htpasswd?: Htpasswd;
  realm: string;
  /** Verifications of blobs whose files changed since they were stored, shared by concurrent requests. */
  verifying: Map<Digest, Promise<boolean>>;
}

/** Start serving; resolves once listening. Listening errors are one-line BerthErrors. */
export async function startRegistryServer(opts: RegistryServerOptions): Promise<RunningRegistry> {
  const ctx: Context = {
    view: new RegistryView(opts.store),
    store: opts.store,
    htpasswd: opts.htpasswd,
    realm: opts.realm ?? 'berth',
    verifying: new Map(),
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const head = req.method === 'HEAD';
    const started = Date.now();
    res.on('finish', () => log.debug(() => `${req.method} ${req.url} ${res.statusCode} (${Date.now() - started} ms)`));
    handle(ctx, req, res).catch((e: unknown) => fail(res, head, e));
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    log.debug(`bad request from a client: ${err.message}`);
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('tlsClientError', (err: Error) => log.debug(`TLS handshake failed: ${err.message}`));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(listenError(e, host, opts.port));
    server.once('error', onError);
    server.listen(opts.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (e) => log.error(`server: ${e.message}`));
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${shown}:${port}`,
    host,
    port,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new BerthError('NETWORK', `listen tcp ${where}: bind: ${goErrnoText(e)}`, { cause: e });
}

/** The last resort for anything a handler did not answer itself. */
function fail(res: http.ServerResponse, head: boolean, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e instanceof RegistryError) return sendError(res, head, e);
  const message = isBerthError(e) ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
  log.error(`answering a request: ${message}`);
  sendError(res, head, new RegistryError(500, 'UNKNOWN', message));
}

async function handle(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // a request body (a push) is not read; drain it so the connection can be reused
  req.resume();
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://registry.invalid');
  } catch {
    throw new RegistryError(400, 'NAME_INVALID', `invalid request path ${JSON.stringify(req.url)}`);
  }
  const path = url.pathname;
  if (path !== '/v2' && !path.startsWith('/v2/')) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(head ? undefined : '404 page not found\n');
    return;
  }
  if (ctx.htpasswd && !(await ctx.htpasswd.check(req.headers.authorization)))
    throw new RegistryError(401, 'UNAUTHORIZED', 'authentication required', null, {
      'WWW-Authenticate': `Basic realm=${JSON.stringify(ctx.realm)}`,
    });
  let rest: string;
  try {
    rest = decodeURIComponent(path.slice(path === '/v2' ? 3 : 4));
  } catch {
    throw new RegistryError(400, 'NAME_INVALID', `invalid path ${JSON.stringify(path)}: bad percent-encoding`);
  }
  const ep = parseEndpoint(rest);
  if (!ep) throw new RegistryError(404, 'UNSUPPORTED', `no such endpoint: ${method} ${path}`);
  if (ep.kind === 'upload' && (method === 'GET' || method === 'HEAD'))
    throw new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry: berth serve takes no uploads');
  if (method !== 'GET' && method !== 'HEAD') throw readOnly(method, ep);
  if ('name' in ep && !validName(ep.name))
    throw new RegistryError(400, 'NAME_INVALID', `invalid repository name ${JSON.stringify(ep.name)}`, { name: ep.name });
  switch (ep.kind) {
    case 'base':
      return sendJSON(res, head, 200, {});
    case 'catalog': {
      const page = paginate(ctx.view.repositories(), url.searchParams, '/v2/_catalog');
      return sendJSON(res, head, 200, { repositories: page.items }, page.link);
    }
    case 'tags': {
      const repo = ctx.view.repository(ep.name);
      if (!repo) throw nameUnknown(ep.name);
      const page = paginate(repo.tags(), url.searchParams, `/v2/${ep.name}/tags/list`);
      return sendJSON(res, head, 200, { name: ep.name, tags: page.items }, page.link);
    }
    case 'manifest':
      return serveManifest(ctx, req, res, head, ep.name, ep.reference);
    case 'blob':
      return serveBlob(ctx, req, res, head, ep.name, ep.digest);
    case 'referrers': {
      const d = digestParam(ep.digest);
      const repo = ctx.view.repository(ep.name);
      if (!repo) throw nameUnknown(ep.name);
      const artifactType = url.searchParams.get('artifactType') ?? undefined;
      const manifests = repo.referrers(d, artifactType);
      const headers: Record<string, string> = { 'Content-Type': OCI_INDEX };
      if (artifactType !== undefined) headers['OCI-Filters-Applied'] = 'artifactType';
      return sendBody(res, head, 200, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })), headers);
    }
    case 'upload':
      throw readOnly(method, ep);
  }
}

function readOnly(method: string, ep: Endpoint): RegistryError {
  const what = method === 'DELETE' ? 'deleting' : ep.kind === 'upload' || ep.kind === 'manifest' || method === 'PUT' ? 'pushing' : method;
  return new RegistryError(
    405,
    'UNSUPPORTED',
    `berth serve is a read-only registry: ${what} is not supported`,
    { method },
    { Allow: 'GET, HEAD' },
  );
}

function digestParam(value: string): Digest {
  try {
    return parseDigest(value);
  } catch {
    throw digestInvalid(value);
  }
}

async function serveManifest(
  ctx: Context,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  head: boolean,
  name: string,
  reference: string,
): Promise<void> {
  const repo = ctx.view.repository(name);
  let m: ServedManifest | undefined;
  if (reference.includes(':')) {
    const d = digestParam(reference);
    if (!repo) throw nameUnknown(name);
    m = repo.manifestByDigest(d);
  } else {
    if (!TAG_RE.test(reference))
      throw new RegistryError(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${JSON.stringify(reference)} is not a valid tag`, {
        tag: reference,
      });
    if (!repo) throw nameUnknown(name);
    m = repo.manifestForTag(reference, acceptedTypes(req.headers.accept));
  }
  const unknown = () =>
    new RegistryError(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${name}${reference.includes(':') ? '@' : ':'}${reference}`, {
      name,
      reference,
    });
  if (!m) throw unknown();
  const headers = { 'Content-Type': m.mediaType, 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` };
  if (head) {
    if (!m.document && !ctx.store.hasBlob(m.digest)) throw unknown();
    res.writeHead(200, { ...headers, 'Content-Length': String(m.size) });
    res.end();
    return;
  }
  const bytes = repo!.readManifest(m);
  if (!bytes) throw unknown();
  sendBody(res, false, 200, bytes, headers);
}

/** The media types of an Accept header (several headers arrive joined by commas), without parameters. */
function acceptedTypes(accept: string | undefined): string[] | undefined {
  if (!accept) return undefined;
  return accept
    .split(',')
    .map((s) => s.split(';')[0]!.trim())
    .filter(Boolean);
}

async function serveBlob(
  ctx: Context,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  head: boolean,
  name: string,
  digest: string,
): Promise<void> {
  const d = digestParam(digest);
  const repo = ctx.view.repository(name);
  if (!repo) throw nameUnknown(name);
  const unknown = (why = '') => new RegistryError(404, 'BLOB_UNKNOWN', `blob unknown to registry: ${d}${why}`, { digest: d });
  if (repo.blobSize(d) === undefined) throw unknown();
  if (ctx.store.blobInDoubt(d) && !(await verifyOnce(ctx, d))) {
    log.warn(`blob ${d} is damaged in the store; "berth system check --repair" removes the images using it`);
    throw unknown(' (damaged in the serving store)');
  }
  let fh: FileHandle;
  try {
    fh = await open(ctx.store.blobPath(d), 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw unknown();
    throw e;
  }
  let handed = false;
  try {
    const size = (await fh.stat()).size;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': d,
      ETag: `"${d}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'max-age=31536000',
    };
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(head ? undefined : 'requested range not satisfiable\n');
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(range ? 206 : 200, headers);
    if (head || end < start) {
      res.end();
      return;
    }
    // the stream owns the file from here: it closes it when done or destroyed (a client
    // that goes away destroys it through the pipeline)
    const stream = fh.createReadStream({ start, end });
    handed = true;
    try {
      await pipeline(stream, res);
    } catch (e) {
      log.debug(`sending blob ${d} stopped: ${(e as Error).message}`);
    }
  } finally {
    if (!handed) await fh.close().catch(() => undefined);
  }
}

function verifyOnce(ctx: Context, d: Digest): Promise<boolean> {
  let p = ctx.verifying.get(d);
  if (!p) {
    p = ctx.store.verifyBlob(d).finally(() => ctx.verifying.delete(d));
    ctx.verifying.set(d, p);
  }
  return p;
}

/**
 * One page of a sorted list (tags, repositories): `n` items after `last`. A Link header to
 * the next page when more follow (only when `n` was given; `n=0` gives an empty page).
 */
function paginate(items: string[], q: URLSearchParams, path: string): { items: string[]; link?: string } {
  const nParam = q.get('n');
  const last = q.get('last');
  let n: number | undefined;
  if (nParam !== null && nParam !== '') {
    if (!/^\d{1,9}$/.test(nParam))
      throw new RegistryError(400, 'UNSUPPORTED', `invalid n ${JSON.stringify(nParam)}: a number of entries (0 to 999999999)`, {
        n: nParam,
      });
    n = Number(nParam);
  }
  const after = last ? items.filter((x) => x > last) : items;
  if (n === undefined) return { items: after };
  const page = after.slice(0, n);
  if (n === 0 || page.length === after.length) return { items: page };
  const next = `${path}?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}`;
  return { items: page, link: `<${next}>; rel="next"` };
}

function sendJSON(res: http.ServerResponse, head: boolean, status: number, value: unknown, link?: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (link) headers.Link = link;
  sendBody(res, head, status, Buffer.from(JSON.stringify(value)), headers);
}

function sendBody(res: http.ServerResponse, head: boolean, status: number, body: Buffer, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
  res.end(head ? undefined : body);
}
