/**
 * BerthError: every failure a user can cause or see carries a stable `code`, a one-line
 * `message` (what failed and on which input), an optional `hint` (what to do), and the
 * underlying `cause`. The CLI prints `Error: message` (+ hint) and never a stack trace
 * for these. Messages must never contain credentials or whole manifests. `subject` names the
 * input the error is about (an image name, a file, a registry) and `data` holds structured
 * details, so callers never take messages apart.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT' // a flag, option or positional argument is malformed
  | 'INVALID_REFERENCE' // an image reference does not parse
  | 'IMAGE_NOT_FOUND' // lookup found nothing
  | 'AMBIGUOUS_IMAGE' // a short ID prefix or short name matches several images
  | 'IMAGE_IN_USE' // removal refused: image has several names (needs -f) or is used
  | 'CONTAINER_NOT_FOUND' // no container has that name or ID
  | 'NAME_IN_USE' // a container name is taken by another container
  | 'INVALID_DIGEST' // a digest string is malformed or uses an unsupported algorithm
  | 'DIGEST_MISMATCH' // content does not hash to the expected digest
  | 'SIZE_MISMATCH' // content length differs from the expected size
  | 'INVALID_MANIFEST' // manifest/index/config JSON is invalid or ambiguous
  | 'TOO_LARGE' // a document exceeds its size cap
  | 'INVALID_ARCHIVE' // an archive or layout is malformed, truncated or unsafe
  | 'UNSUPPORTED' // a valid but unsupported format, transport or option
  | 'NO_MATCHING_PLATFORM' // an index has no entry for the requested platform
  | 'STORE_CORRUPT' // the local store is damaged (unreadable, missing or malformed index)
  | 'STORE_LOCKED' // another process held the store's write lock past the timeout
  | 'STORE_FULL' // no space left on the store's file system
  | 'STORE_READONLY' // the store cannot be written (read-only file system, no write permission)
  | 'PERMISSION' // the store's files cannot be read by this user
  | 'REGISTRY_ERROR' // the registry answered with an error
  | 'UNAUTHORIZED' // authentication failed or was refused
  | 'NETWORK' // a connection failed, timed out or was reset
  | 'POLICY_DENIED' // signature policy refused the image
  | 'INVALID_SIGNATURE' // a signature is malformed, does not verify, or was not made by a trusted key
  | 'SIGNING_FAILED' // a signature could not be made (no such key, wrong passphrase, gpg failed)
  | 'BLOCKED_REGISTRY' // registries.conf blocks the registry
  | 'SHORT_NAME' // short-name resolution failed (ambiguous, no TTY, no search registries)
  | 'CONFIG' // a configuration file is invalid
  | 'IO' // filesystem error
  | 'ABORTED' // the caller's AbortSignal fired
  | 'INTERNAL'; // a bug: printed with details

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** The input the error is about, as the caller gave it (image name, file, registry). */
  readonly subject?: string;
  /** Structured details (e.g. `candidates` of an ambiguous name); keys depend on `code`. */
  readonly data?: Readonly<Record<string, unknown>>;
  override readonly cause?: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; subject?: string; data?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'BerthError';
    this.code = code;
    this.hint = opts.hint;
    this.cause = opts.cause;
    if (opts.subject !== undefined) this.subject = opts.subject;
    if (opts.data !== undefined) this.data = opts.data;
  }

  /**
   * What went wrong, without the subject in front: `data.reason` when the error was made by
   * `subjectError`, else the whole message.
   */
  get reason(): string {
    const r = this.data?.reason;
    return typeof r === 'string' ? r : this.message;
  }

  /** Exit code used by the CLI (podman: 125 for generic errors; `image exists` uses 1). */
  get exitCode(): number {
    return 125;
  }
}

/**
 * An error about one input, worded "SUBJECT: REASON"; `subject` and `data.reason` keep the
 * parts, so a caller that rewords it for its own context never takes the message apart.
 */
export function subjectError(
  code: ErrorCode,
  subject: string,
  reason: string,
  opts: { hint?: string; cause?: unknown; data?: Record<string, unknown> } = {},
): BerthError {
  return new BerthError(code, `${subject}: ${reason}`, { ...opts, subject, data: { ...opts.data, reason } });
}

/** The reason of any error: a BerthError's `reason`, another error's message. */
export function reasonOf(e: unknown): string {
  return e instanceof BerthError ? e.reason : e instanceof Error ? e.message : String(e);
}

export function isBerthError(e: unknown, code?: ErrorCode): e is BerthError {
  return e instanceof BerthError && (code === undefined || e.code === code);
}

/**
 * Whether `e` is a NETWORK error that retrying may cure (a connection refused, reset, timed out or
 * lost: `data.transient` on it or on an error it wraps). The hints of such errors name no setting;
 * a caller that offers one (the CLI's --retry) may name it.
 */
export function isTransientNetworkError(e: unknown): boolean {
  if (!isBerthError(e, 'NETWORK')) return false;
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 10; x = x.cause, depth++)
    if (x instanceof BerthError && x.data?.transient === true) return true;
  return false;
}

/** Whether `e` is what an aborted AbortSignal makes operations throw (or our ABORTED). */
export function isAbortError(e: unknown): boolean {
  if (e instanceof BerthError) return e.code === 'ABORTED';
  const x = e as { name?: unknown; code?: unknown } | null;
  return typeof x === 'object' && x !== null && (x.name === 'AbortError' || x.code === 'ABORT_ERR');
}

/** The error for an operation stopped by its AbortSignal; a reason the caller gave is kept as `cause`. */
export function abortedError(reason?: unknown): BerthError {
  if (reason instanceof BerthError && reason.code === 'ABORTED') return reason;
  const own = reason instanceof Error && !isAbortError(reason) ? `: ${reason.message}` : '';
  return new BerthError('ABORTED', `operation cancelled${own}`, { cause: reason });
}

/**
 * Run `fn`; when `signal` has fired by the time it fails, the failure is ABORTED whatever the
 * layer that noticed it made of it (a broken stream, a failed write, a network error).
 */
export async function abortable<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw abortedError(signal.reason);
  try {
    return await fn();
  } catch (e) {
    if (signal?.aborted) throw abortedError(signal.reason);
    if (isAbortError(e)) throw abortedError(e);
    throw e;
  }
}

/** Wrap an unknown error as a BerthError unless it already is one (an abort stays ABORTED). */
export function wrapError(e: unknown, code: ErrorCode, message: string, hint?: string): BerthError {
  if (e instanceof BerthError) return e;
  if (isAbortError(e)) return abortedError(e);
  const detail = e instanceof Error ? e.message : String(e);
  return new BerthError(code, `${message}: ${detail}`, { hint, cause: e });
}
