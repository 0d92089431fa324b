/**
 * Error answers of the registry, in the distribution spec's JSON form
 * (`{"errors":[{"code","message","detail"}]}`) with the spec's codes.
 */
import type { ServerResponse } from 'node:http';

export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'UNAUTHORIZED'
  | 'UNSUPPORTED'
  | 'UNKNOWN';

/** An answer a handler gives by throwing: status, spec code, one-line message. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Write an error answer (no body for HEAD, as HTTP wants). */
export function sendError(res: ServerResponse, head: boolean, e: RegistryError): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code: e.code, message: e.message, detail: e.detail ?? null }] }) + '\n');
  res.writeHead(e.status, { ...e.headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(head ? undefined : body);
}

export const nameUnknown = (name: string) =>
  new RegistryError(404, 'NAME_UNKNOWN', `repository name not known to registry: ${JSON.stringify(name)}`, { name });

export const digestInvalid = (value: string) =>
  new RegistryError(400, 'DIGEST_INVALID', `invalid digest ${JSON.stringify(value)}: expected ALGORITHM:HEX, e.g. sha256:<64 hex digits>`, {
    digest: value,
  });
