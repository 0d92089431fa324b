/** Transport failures as one-line BerthError('NETWORK') messages, with a TLS-specific hint. */
import { BerthError, abortedError, isAbortError } from '../../errors.js';

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|ERR_SSL|EPROTO/;

export function networkError(e: unknown, what: string, url?: URL): BerthError {
  if (e instanceof BerthError) return e;
  if (isAbortError(e)) return abortedError(e);
  const code = (e as { code?: unknown }).code;
  const host = url ? url.host : '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    // what podman reports as "http: server gave HTTP response to HTTPS client"
    return new BerthError('NETWORK', `${what}: ${host} answered an HTTPS request with plain HTTP (${code})`, {
      cause: e,
      hint: 'for a plain-HTTP registry you trust use --tls-verify=false, or set insecure = true for it in registries.conf',
    });
  }
  if (typeof code === 'string' && TLS_CODES.test(code)) {
    return new BerthError('NETWORK', `${what}: TLS connection to ${host} failed: ${describeError(e)}`, {
      cause: e,
      hint: 'pass the registry CA (--cert-dir / certs.d), or use --tls-verify=false for a registry you trust',
    });
  }
  return new BerthError('NETWORK', `${what}: ${host ? `cannot talk to ${host}: ` : ''}${describeError(e)}`, {
    cause: e,
    hint: 'check the network and the registry address',
    data: { transient: true },
  });
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  let msg = e.message.split('\n')[0]!;
  // OpenSSL: "80FC...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/..."
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(msg);
  if (ssl) msg = ssl[1]!;
  msg = msg.slice(0, 200);
  return typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
}
