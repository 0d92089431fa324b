/**
 * Docker-style errors: a JSON body `{"message": "..."}` with Docker's status codes. Handlers
 * throw `ApiError` for failures worded for the API, or let library errors (BerthError) through:
 * `errorStatus` maps their codes to the status Docker gives the same failure.
 */
import type { ServerResponse } from 'node:http';
import { isBerthError } from '../../src/errors.js';

/** A failure with the HTTP status and message Docker answers with. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Write Docker's error body (unless the response has started: then the connection is ended). */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message }) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Docker's status for an error: 404 no such image, 400 bad parameter, 409 conflict, 500 otherwise. */
export function errorStatus(e: unknown): number {
  if (e instanceof ApiError) return e.status;
  if (!isBerthError(e)) return 500;
  switch (e.code) {
    case 'IMAGE_NOT_FOUND':
    case 'CONTAINER_NOT_FOUND':
      return 404;
    case 'INVALID_ARGUMENT':
    case 'INVALID_REFERENCE':
    case 'INVALID_DIGEST':
    case 'AMBIGUOUS_IMAGE':
    case 'SHORT_NAME':
    case 'NO_MATCHING_PLATFORM':
      return 400;
    case 'IMAGE_IN_USE':
    case 'NAME_IN_USE':
      return 409;
    case 'UNAUTHORIZED':
      return 401;
    case 'POLICY_DENIED':
    case 'BLOCKED_REGISTRY':
      return 403;
    case 'TOO_LARGE':
      return 413;
    case 'UNSUPPORTED':
      return 501;
    default:
      return 500;
  }
}

/** The message to send for an error: the library's one line (never a stack trace). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
