/**
 * Layers with `urls` (foreign / non-distributable layers) are fetched from those URLs with no
 * credentials at all — not the registry's, not anyone's (CVE-2020-15157: a hostile URL answers
 * 401 to harvest credentials). TLS is verified against the system roots; plain http is
 * allowed because the engine verifies the digest of every byte anyway.
 */
import { BerthError } from '../../errors.js';
import type { Digest } from '../../digest/digest.js';
import { DEFAULT_LOW_SPEED } from './body.js';
import { openedBlob, resolveResume, resumingStream } from './blob-stream.js';
import { HttpTransport, redact } from './http.js';
import { describeError } from './net-error.js';
import { sendWithRetry } from './request.js';
import { resolveRetry } from './retry.js';
import { DEFAULT_USER_AGENT, type BlobResult } from './client.js';
import type { DockerTransportOptions } from './options.js';

export class ForeignFetcher {
  private http: HttpTransport;
  constructor(private readonly o: DockerTransportOptions) {
    const timeoutMs = o.timeoutMs ?? 30_000;
    this.http = new HttpTransport({
      skipTlsVerify: false,
      allowHttp: true,
      timeoutMs,
      idleTimeoutMs: o.idleTimeoutMs ?? timeoutMs,
      maxRedirects: o.maxRedirects ?? 10,
      userAgent: o.userAgent ?? DEFAULT_USER_AGENT,
    });
  }

  /** Try each URL in order; the first that answers wins. */
  async fetch(urls: string[], digest: Digest, opts: { offset?: number; size?: number } = {}): Promise<BlobResult> {
    const retry = resolveRetry(this.o.retry);
    const resume = resolveResume(this.o.resume);
    const lowSpeed = this.o.lowSpeed === false ? undefined : (this.o.lowSpeed ?? DEFAULT_LOW_SPEED);
    const failures: string[] = [];
    for (const raw of urls) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        failures.push('invalid URL');
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        failures.push(`unsupported scheme ${url.protocol}`);
        continue;
      }
      const what = `foreign layer ${digest} from ${redact(url)}`;
      const open = async (offset: number, initial: boolean) => {
        const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
        const res = await sendWithRetry(this.http, async () => ({ method: 'GET', url, headers }), {
          what: `fetching ${what}`,
          retry,
          replayable: true,
          signal: this.o.signal,
          onRetry: this.o.onRetry,
        });
        return openedBlob(res, offset, initial, what);
      };
      try {
        const first = await open(opts.offset ?? 0, true);
        const size = first.total ?? opts.size;
        const stream = resumingStream(first, (off) => open(off, false), { what, resume, lowSpeed, signal: this.o.signal, size });
        return { stream, size, offset: first.offset };
      } catch (e) {
        if (this.o.signal?.aborted) throw e;
        failures.push(`${url.host}: ${describeError(e)}`);
      }
    }
    throw new BerthError(
      'NETWORK',
      `foreign layer ${digest}: none of its ${urls.length} URL(s) could be fetched (${failures.join('; ').slice(0, 300)})`,
    );
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
