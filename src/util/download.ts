import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';

/** Whether `input` names an http(s) URL rather than a file (load and import accept both, as podman's). */
export function isHttpUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/** The body of an http(s) URL as a stream; a failed request or a status other than 200 is a NETWORK error naming the URL. */
export async function download(url: string): Promise<Readable> {
  const [{ fetch }, { Readable: R }] = await Promise.all([import('undici'), import('node:stream')]);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new BerthError('NETWORK', `downloading from ${JSON.stringify(url)}: ${cause?.message ?? (e as Error).message}`, { cause: e });
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new BerthError('NETWORK', `downloading from ${JSON.stringify(url)}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  return R.fromWeb(res.body as import('node:stream/web').ReadableStream);
}
