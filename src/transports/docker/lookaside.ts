/**
 * Lookaside storage of simple signatures (containers/image docs/signature-protocols.md): the
 * signatures of manifest D of repository R live at BASE/R@sha256=HEX/signature-1, -2, ... and
 * are read in order until the first missing one (404 over http(s), no file for file://).
 * Writing is to file:// only (a "lookaside-staging" location for http lookasides); the base
 * URLs come from registries.d through the context, so this module reads no configuration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../../errors.js';
import { type Digest, digestAlgorithm, digestHex, parseDigest } from '../../digest/digest.js';
import { readCapped, discard, errorDetail } from './body.js';
import { HttpTransport, redact } from './http.js';
import { sendWithRetry } from './request.js';
import { resolveRetry } from './retry.js';
import { DEFAULT_USER_AGENT } from './client.js';
import type { DockerTransportOptions } from './options.js';

/** Where one repository's signatures are read from and written to (base URLs with the repository path). */
export interface LookasideLocation {
  read: URL;
  write: URL;
}

/** containers/image stops there: more is taken as a server error. */
export const MAX_LOOKASIDE_SIGNATURES = 128;
/** The largest signature accepted (containers/image's limit). */
export const MAX_SIGNATURE_SIZE = 4 << 20;

/** The URL of signature `index` (0-based) of `manifestDigest` under `base`. */
export function lookasideSignatureURL(base: URL, manifestDigest: Digest, index: number): URL {
  const d = parseDigest(manifestDigest, 'manifest digest');
  const u = new URL(base.href);
  u.pathname = `${base.pathname}@${digestAlgorithm(d)}=${digestHex(d)}/signature-${index + 1}`;
  return u;
}

function unsupported(u: URL, doing: string): BerthError {
  return new BerthError('UNSUPPORTED', `Unsupported scheme when ${doing} signature ${doing === 'reading' ? 'from' : 'to'} ${redact(u)}`);
}

/**
 * Every signature of `manifestDigest` in the lookaside, in order. `http` options (TLS, retries)
 * are the registry's; no credentials are ever sent to a lookaside server.
 */
export async function readLookasideSignatures(base: URL, manifestDigest: Digest, o: DockerTransportOptions = {}): Promise<Buffer[]> {
  const out: Buffer[] = [];
  if (base.protocol === 'file:') {
    for (let i = 0; ; i++) {
      if (i >= MAX_LOOKASIDE_SIGNATURES)
        throw new BerthError(
          'INVALID_SIGNATURE',
          `server provided ${MAX_LOOKASIDE_SIGNATURES} signatures, assuming that's unreasonable and a server error`,
        );
      const p = fileURLToPath(lookasideSignatureURL(base, manifestDigest, i));
      let data: Buffer;
      try {
        data = fs.readFileSync(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return out;
        throw new BerthError('IO', `reading signature ${p}: ${(e as Error).message}`, { subject: p });
      }
      if (data.length > MAX_SIGNATURE_SIZE)
        throw new BerthError('TOO_LARGE', `signature ${p} is larger than the ${MAX_SIGNATURE_SIZE}-byte limit`);
      out.push(data);
    }
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw unsupported(base, 'reading');
  const timeoutMs = o.timeoutMs ?? 30_000;
  const http = new HttpTransport({
    skipTlsVerify: o.insecure ?? false,
    allowHttp: true,
    tls: o.tls,
    timeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? timeoutMs,
    maxRedirects: o.maxRedirects ?? 10,
    userAgent: o.userAgent ?? DEFAULT_USER_AGENT,
  });
  try {
    const retry = resolveRetry(o.retry);
    for (let i = 0; ; i++) {
      if (i >= MAX_LOOKASIDE_SIGNATURES)
        throw new BerthError(
          'INVALID_SIGNATURE',
          `server provided ${MAX_LOOKASIDE_SIGNATURES} signatures, assuming that's unreasonable and a server error`,
        );
      const url = lookasideSignatureURL(base, manifestDigest, i);
      const what = `signature ${redact(url)}`;
      const res = await sendWithRetry(http, async () => ({ method: 'GET', url }), {
        what: `reading ${what}`,
        retry,
        replayable: true,
        signal: o.signal,
        onRetry: o.onRetry,
      });
      if (res.status === 404) {
        await discard(res);
        return out;
      }
      if (res.status !== 200) {
        const detail = await errorDetail(res);
        throw new BerthError(
          'REGISTRY_ERROR',
          `reading signature from ${redact(url)}: received unexpected HTTP status: ${res.status}${detail ? ` ${detail}` : ''}`,
        );
      }
      out.push(await readCapped(res, MAX_SIGNATURE_SIZE, what));
    }
  } finally {
    await http.close();
  }
}

/** Write a file so that a reader sees the old content or the new, never a part. */
function writeFileAtomic(p: string, data: Buffer): void {
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, data, { mode: 0o644 });
    fs.renameSync(tmp, p);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function ioError(e: unknown, p: string): BerthError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return new BerthError('IO', `writing signature ${p}: read-only file system`, { subject: p });
  if (code === 'EACCES' || code === 'EPERM') return new BerthError('IO', `writing signature ${p}: permission denied`, { subject: p });
  if (code === 'ENOSPC') return new BerthError('IO', `writing signature ${p}: no space left on device`, { subject: p });
  return new BerthError('IO', `writing signature ${p}: ${(e as Error).message}`, { subject: p });
}

/**
 * Replace the signatures of `manifestDigest` in a file:// lookaside by `sigs` (signature-1..N),
 * removing any later ones left from before. Writing to http(s) is refused as containers/image
 * does: such a lookaside needs a "lookaside-staging" location.
 */
export async function writeLookasideSignatures(base: URL, manifestDigest: Digest, sigs: Buffer[]): Promise<void> {
  if (sigs.length === 0) return;
  if (base.protocol === 'http:' || base.protocol === 'https:') {
    throw new BerthError(
      'UNSUPPORTED',
      `Writing directly to a ${base.protocol.slice(0, -1)} lookaside ${redact(base)} is not supported. Configure a lookaside-staging: location`,
    );
  }
  if (base.protocol !== 'file:') throw unsupported(base, 'writing');
  for (let i = 0; i < sigs.length; i++) {
    const p = fileURLToPath(lookasideSignatureURL(base, manifestDigest, i));
    try {
      fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
      writeFileAtomic(p, sigs[i]!);
    } catch (e) {
      throw ioError(e, p);
    }
  }
  for (let i = sigs.length; ; i++) {
    const p = fileURLToPath(lookasideSignatureURL(base, manifestDigest, i));
    try {
      fs.unlinkSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw ioError(e, p);
    }
  }
}

/**
 * Add one signature after the existing ones (podman's `image sign`): written as the first free
 * signature-N, and returned as the path written.
 */
export function appendLookasideSignature(base: URL, manifestDigest: Digest, sig: Buffer): string {
  if (base.protocol !== 'file:') {
    throw new BerthError('UNSUPPORTED', `writing to ${base.href} is not supported. Use a supported scheme`);
  }
  const dir = path.dirname(fileURLToPath(lookasideSignatureURL(base, manifestDigest, 0)));
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o751 });
    const have = new Set(fs.readdirSync(dir));
    let n = 1;
    while (have.has(`signature-${n}`)) n++;
    const p = path.join(dir, `signature-${n}`);
    // 'wx': a concurrent signer that took the same number makes this one fail instead of overwriting
    fs.writeFileSync(p, sig, { mode: 0o644, flag: 'wx' });
    return p;
  } catch (e) {
    throw ioError(e, dir);
  }
}
