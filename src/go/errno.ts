/**
 * Go's text for a failed system call's error number (what podman prints after "open FILE: "),
 * so every message about a file or socket uses the same words; Node's own message otherwise.
 */
const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
};

export function goErrnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const words = code !== undefined ? GO_ERRNO_TEXT[code] : undefined;
  return words ?? (e instanceof Error ? e.message : String(e));
}
