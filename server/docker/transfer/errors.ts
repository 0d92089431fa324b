/**
 * Failures of transfers in the Docker engine's words and statuses: what a client that was
 * written against dockerd looks for (docker CLI, Testcontainers) — "pull access denied",
 * "manifest for X not found", "An image does not exist locally with the tag" — from the
 * library's typed errors (their code and the registry's own error in `data`).
 */
import { isBerthError } from '../../../src/index.js';
import { ApiError, errorMessage, errorStatus } from '../errors.js';

/** The registry's error code and text the library recorded ("MANIFEST_UNKNOWN", "manifest unknown: manifest unknown"). */
function registryError(e: unknown): { code?: string; message?: string } {
  if (!isBerthError(e)) return {};
  const code = e.data?.registryCode;
  const message = e.data?.registryMessage;
  return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
}

/**
 * A pull that failed before anything was streamed, as dockerd answers it: 404 for an unknown
 * repository, tag or digest and for a refusal (Docker cannot tell those apart either), 401
 * when the registry asks for credentials, the library's status otherwise.
 * `shown` is the reference as Docker prints it (`busybox:latest`), `repository` its name.
 */
export function pullError(e: unknown, shown: string, repository: string): ApiError {
  if (e instanceof ApiError) return e;
  const reg = registryError(e);
  const reason = reg.message ?? errorMessage(e);
  if (isBerthError(e, 'IMAGE_NOT_FOUND') || isBerthError(e, 'UNAUTHORIZED')) {
    switch (reg.code) {
      case 'MANIFEST_UNKNOWN':
        return new ApiError(404, `manifest for ${shown} not found: ${reason}`);
      case 'NAME_UNKNOWN':
        return new ApiError(404, `repository ${repository} not found: ${reason}`);
      case 'DENIED':
        return new ApiError(
          404,
          `pull access denied for ${repository}, repository does not exist or may require 'docker login': ${reason}`,
        );
    }
    if (isBerthError(e, 'UNAUTHORIZED')) {
      const status = e.data?.status === 403 ? 404 : 401;
      return status === 404
        ? new ApiError(404, `pull access denied for ${repository}, repository does not exist or may require 'docker login': ${reason}`)
        : new ApiError(401, reason);
    }
    return new ApiError(404, errorMessage(e));
  }
  return transferError(e);
}

/** A push that failed before anything was streamed: 401 for refused credentials, else as any failure. */
export function pushError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isBerthError(e, 'UNAUTHORIZED')) {
    const reg = registryError(e);
    return new ApiError(e.data?.status === 403 ? 403 : 401, reg.message ?? errorMessage(e));
  }
  return transferError(e);
}

/** Any other transfer's failure as an ApiError (status by `transferStatus`). */
export function transferError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(transferStatus(e), errorMessage(e));
}

/** The status of a library failure in a transfer: a bad archive or body is the client's (400). */
export function transferStatus(e: unknown): number {
  if (isBerthError(e, 'INVALID_ARCHIVE') || isBerthError(e, 'INVALID_MANIFEST')) return 400;
  // the registry or the network failed, not the request: Docker answers 500
  if (isBerthError(e, 'NETWORK') || isBerthError(e, 'REGISTRY_ERROR')) return 500;
  return errorStatus(e);
}
