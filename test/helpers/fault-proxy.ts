/**
 * An in-process HTTP reverse proxy on 127.0.0.1 in front of a registry (http or https upstream)
 * with per-request fault injection, plus a small "other origin" echo server for redirect tests.
 *
 *   const proxy = await startFaultProxy(reg.url, { ca: reg.caCert });
 *   t.after(() => proxy.stop());
 *   proxy.addRule({ match: (r) => r.method === 'GET' && r.path.includes('/blobs/'), times: 1,
 *                   action: { type: 'reset-mid-body', afterBytes: 100 } });
 *
 * Rules are checked in the order added; the first matching rule that still has `times` left is
 * applied (its action may be a list, e.g. [{type:'ignore-range'}, {type:'drip', ...}]).
 * The Host header is forwarded unchanged, so the registry builds upload Location URLs that point
 * back at the proxy; absolute Location headers naming the upstream origin are rewritten too.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path + query as sent by the client. */
  url: string;
  /** Raw request headers (lower-case names). */
  headers: http.IncomingHttpHeaders;
  /** Request body size in bytes (once fully received; 0 until then). */
  bodyBytes: number;
  /** Response body bytes the proxy wrote to the client so far. */
  responseBytes: number;
  /** Status sent back to the client (undefined if the connection was reset before a response). */
  status?: number;
  /** Index (in addition order) of the rule applied to this request, if any. */
  rule?: number;
  time: number;
}

export interface MatchInfo {
  method: string;
  /** Path + query. */
  url: string;
  /** Path without query. */
  path: string;
  headers: http.IncomingHttpHeaders;
}

export type FaultAction =
  /** Forward, send headers and the first `afterBytes` bytes of the body (default 0), then close the connection (RST with rst: true). */
  | { type: 'reset-mid-body'; afterBytes?: number; rst?: boolean }
  /** Close the client connection immediately, without a response. */
  | { type: 'reset' }
  /** Answer directly without contacting the upstream. */
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string | Buffer }
  /** Forward, but flip (xor 0xff) the body byte at `offset` (default 0; negative counts from the end of Content-Length). */
  | { type: 'tamper-body'; offset?: number }
  /** Answer with a redirect (default 307) to `location` without contacting the upstream. */
  | { type: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Wait `ms` before forwarding the request. */
  | { type: 'delay'; ms: number }
  /** Forward, but send the response body `bytes` bytes (default 64) every `intervalMs` (default 20). */
  | { type: 'drip'; bytes?: number; intervalMs?: number }
  /** Remove Range / If-Range from the request so the upstream answers with the full body (200). */
  | { type: 'ignore-range' }
  /** Handle the request yourself. */
  | { type: 'custom'; handle: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void> };

export interface FaultRule {
  match: (req: MatchInfo) => boolean;
  /** How many requests this rule applies to (default: unlimited). */
  times?: number;
  action: FaultAction | FaultAction[];
}

export interface RuleHandle {
  /** How many requests this rule has been applied to. */
  readonly hits: number;
  remove(): void;
}

export interface FaultProxy {
  /** http(s)://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  port: number;
  upstream: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  addRule(rule: FaultRule): RuleHandle;
  clearRules(): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** PEM CA(s) to trust for an https upstream (e.g. Registry.caCert). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Serve the proxy itself over TLS with this certificate (e.g. from Registry.tlsFiles). */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

interface LiveRule {
  rule: FaultRule;
  index: number;
  hits: number;
  removed: boolean;
}

export async function startFaultProxy(upstream: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const up = new URL(upstream);
  if (up.protocol !== 'http:' && up.protocol !== 'https:') throw new Error(`unsupported upstream ${upstream}`);
  const upstreamOrigin = up.origin;
  const upHttps = up.protocol === 'https:';
  const agent = upHttps ? new https.Agent({ keepAlive: true, ca: opts.ca }) : new http.Agent({ keepAlive: true });
  let rules: LiveRule[] = [];
  let ruleCounter = 0;
  const requests: RecordedRequest[] = [];
  let selfOrigin = '';

  const pickRule = (info: MatchInfo): LiveRule | undefined => {
    for (const r of rules) {
      if (r.removed) continue;
      if (r.rule.times !== undefined && r.hits >= r.rule.times) continue;
      let ok: boolean;
      try {
        ok = r.rule.match(info);
      } catch {
        ok = false;
      }
      if (ok) {
        r.hits++;
        return r;
      }
    }
    return undefined;
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: { ...req.headers },
      bodyBytes: 0,
      responseBytes: 0,
      time: Date.now(),
    };
    requests.push(rec);
    // count the response body bytes, whichever action writes them
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse;
    const count = (c: unknown) => {
      if (typeof c === 'string' || c instanceof Uint8Array) rec.responseBytes += Buffer.byteLength(c);
    };
    res.write = ((c: unknown, ...rest: unknown[]) => {
      count(c);
      return write(c, ...rest);
    }) as typeof res.write;
    res.end = ((c?: unknown, ...rest: unknown[]) => {
      if (typeof c !== 'function') count(c);
      return end(c, ...rest);
    }) as typeof res.end;
    // Count request body bytes without switching the stream to flowing mode before it is consumed.
    const countBody = () => req.on('data', (c: Buffer) => (rec.bodyBytes += c.length));
    res.on('finish', () => (rec.status ??= res.statusCode));
    const info: MatchInfo = {
      method: rec.method,
      url: rec.url,
      path: rec.url.split('?')[0]!,
      headers: rec.headers,
    };
    const live = pickRule(info);
    if (live) rec.rule = live.index;
    const actions = live ? (Array.isArray(live.rule.action) ? live.rule.action : [live.rule.action]) : [];

    const outHeaders: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      outHeaders[k] = v;
    }
    // The registry builds absolute URLs (upload Location) from Host + X-Forwarded-Proto.
    outHeaders['x-forwarded-proto'] = opts.tls ? 'https' : 'http';

    let bodyAction: Extract<FaultAction, { type: 'reset-mid-body' | 'tamper-body' | 'drip' }> | undefined;
    for (const a of actions) {
      switch (a.type) {
        case 'delay':
          await sleep(a.ms);
          break;
        case 'ignore-range':
          delete outHeaders['range'];
          delete outHeaders['if-range'];
          break;
        case 'reset':
          req.socket.destroy();
          return;
        case 'status': {
          const body = a.body === undefined ? Buffer.alloc(0) : Buffer.from(a.body);
          countBody();
          req.resume();
          res.writeHead(a.status, { 'content-length': body.length, ...(a.headers ?? {}) });
          res.end(req.method === 'HEAD' ? undefined : body);
          return;
        }
        case 'redirect':
          countBody();
          req.resume();
          res.writeHead(a.status ?? 307, { location: a.location, 'content-length': 0 });
          res.end();
          return;
        case 'custom':
          try {
            await a.handle(req, res);
          } catch (err) {
            if (!res.headersSent) {
              res.writeHead(500, { 'content-type': 'text/plain' });
              res.end(String(err));
            } else res.destroy();
          }
          return;
        case 'reset-mid-body':
        case 'tamper-body':
        case 'drip':
          bodyAction = a;
          break;
      }
    }

    const upReq = (upHttps ? https : http).request({
      protocol: up.protocol,
      hostname: up.hostname,
      port: up.port || (upHttps ? 443 : 80),
      servername: upHttps && !/^[\d.]+$/.test(up.hostname) ? up.hostname : undefined,
      method: req.method,
      path: req.url,
      headers: outHeaders,
      agent,
    });
    upReq.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault-proxy: upstream error: ${err.message}`);
      } else {
        res.destroy();
      }
    });
    req.on('aborted', () => upReq.destroy());
    countBody();
    req.pipe(upReq);

    upReq.on('response', (upRes) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upRes.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k)) continue;
        headers[k] = v;
      }
      const loc = upRes.headers.location;
      if (typeof loc === 'string' && loc.startsWith(upstreamOrigin)) {
        headers['location'] = selfOrigin + loc.slice(upstreamOrigin.length);
      }
      const status = upRes.statusCode ?? 502;
      rec.status = status;
      res.writeHead(status, upRes.statusMessage, headers);
      const socket = res.socket as net.Socket | null;

      if (!bodyAction) {
        upRes.pipe(res);
        return;
      }
      if (bodyAction.type === 'reset-mid-body') {
        const limit = bodyAction.afterBytes ?? 0;
        const rst = bodyAction.rst ?? false;
        let sent = 0;
        let done = false;
        const cut = () => {
          if (done) return;
          done = true;
          upRes.destroy();
          const kill = () => {
            if (!socket || socket.destroyed) return;
            if (rst && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
            else socket.destroy();
          };
          // Let the headers and the allowed bytes reach the client before closing.
          if (socket && socket.writableLength > 0) socket.once('drain', kill);
          else setImmediate(kill);
          setTimeout(kill, 200).unref();
        };
        res.flushHeaders();
        if (limit === 0 || req.method === 'HEAD') {
          cut();
          return;
        }
        upRes.on('data', (chunk: Buffer) => {
          if (done) return;
          const room = limit - sent;
          if (chunk.length < room) {
            sent += chunk.length;
            res.write(chunk);
            return;
          }
          sent += room;
          res.write(chunk.subarray(0, room), () => cut());
          upRes.pause();
        });
        // Upstream body shorter than the limit: close anyway, without finishing the response.
        upRes.on('end', () => cut());
        return;
      }
      if (bodyAction.type === 'tamper-body') {
        const cl = Number(upRes.headers['content-length']);
        let target = bodyAction.offset ?? 0;
        if (target < 0) target = Number.isFinite(cl) ? cl + target : 0;
        let pos = 0;
        let flipped = false;
        const pending: Buffer[] = [];
        upRes.on('data', (chunk: Buffer) => {
          if (!flipped && target >= pos && target < pos + chunk.length) {
            chunk = Buffer.from(chunk);
            chunk[target - pos] = chunk[target - pos]! ^ 0xff;
            flipped = true;
          }
          pos += chunk.length;
          // Keep the last chunk back so that an out-of-range offset can flip the final byte.
          pending.push(chunk);
          while (pending.length > 1) res.write(pending.shift()!);
        });
        upRes.on('end', () => {
          const last = pending.shift();
          if (last && !flipped && last.length > 0) {
            const copy = Buffer.from(last);
            copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
            res.end(copy);
          } else res.end(last);
        });
        return;
      }
      // drip
      const step = Math.max(1, bodyAction.bytes ?? 64);
      const interval = bodyAction.intervalMs ?? 20;
      const queue: Buffer[] = [];
      let ended = false;
      let timer: NodeJS.Timeout | undefined;
      const tick = () => {
        timer = undefined;
        if (res.destroyed) {
          upRes.destroy();
          return;
        }
        let out = Buffer.alloc(0);
        while (out.length < step && queue.length) {
          const head = queue[0]!;
          const take = Math.min(step - out.length, head.length);
          out = Buffer.concat([out, head.subarray(0, take)]);
          if (take === head.length) queue.shift();
          else queue[0] = head.subarray(take);
        }
        if (out.length) res.write(out);
        if (queue.length) timer = setTimeout(tick, interval);
        else if (ended) res.end();
        else upRes.resume();
      };
      res.flushHeaders();
      upRes.on('data', (chunk: Buffer) => {
        queue.push(chunk);
        upRes.pause();
        if (!timer) timer = setTimeout(tick, interval);
      });
      upRes.on('end', () => {
        ended = true;
        if (!timer && queue.length === 0) res.end();
      });
      res.on('close', () => {
        if (timer) clearTimeout(timer);
        upRes.destroy();
      });
    });
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((err) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fault-proxy: ${String(err)}`);
      } else res.destroy();
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  const port = await listen(server);
  const host = `127.0.0.1:${port}`;
  selfOrigin = `${opts.tls ? 'https' : 'http'}://${host}`;

  let stopped: Promise<void> | undefined;
  return {
    url: selfOrigin,
    host,
    port,
    upstream: upstreamOrigin,
    requests,
    addRule(rule: FaultRule): RuleHandle {
      const live: LiveRule = { rule, index: ruleCounter++, hits: 0, removed: false };
      rules.push(live);
      return {
        get hits() {
          return live.hits;
        },
        remove() {
          live.removed = true;
          rules = rules.filter((r) => r !== live);
        },
      };
    },
    clearRules() {
      for (const r of rules) r.removed = true;
      rules = [];
    },
    stop: () =>
      (stopped ??= closeServer(server).then(() => {
        agent.destroy();
      })),
  };
}

// ---------------------------------------------------------------------------------------------

export interface EchoServer {
  url: string;
  host: string;
  port: number;
  /** Every request received. */
  requests: RecordedRequest[];
  /** What the server answers; mutable. */
  response: { status: number; headers: Record<string, string>; body: Buffer };
  stop(): Promise<void>;
}

/**
 * A plain HTTP server on a free 127.0.0.1 port that records requests and serves a fixed body
 * (default 200 "echo\n"), e.g. the "other origin" a registry redirects blob downloads to.
 */
export async function startEchoServer(
  opts: { status?: number; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<EchoServer> {
  const requests: RecordedRequest[] = [];
  const response = {
    status: opts.status ?? 200,
    headers: { 'content-type': 'application/octet-stream', ...(opts.headers ?? {}) },
    body: Buffer.from(opts.body ?? 'echo\n'),
  };
  const server = http.createServer((req, res) => {
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: { ...req.headers },
      bodyBytes: 0,
      responseBytes: 0,
      time: Date.now(),
    };
    requests.push(rec);
    req.on('data', (c: Buffer) => (rec.bodyBytes += c.length));
    req.on('end', () => {
      rec.status = response.status;
      res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
      res.end(req.method === 'HEAD' ? undefined : response.body);
    });
  });
  const port = await listen(server);
  const host = `127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}`,
    host,
    port,
    requests,
    response,
    stop: () => (stopped ??= closeServer(server)),
  };
}

// ---------------------------------------------------------------------------------------------

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      // A forgotten stop() must not keep the test process alive.
      server.unref();
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
