/**
 * docker/go-units human-readable output as podman prints it: `HumanDuration` ("3 hours",
 * "About a minute") and `HumanSizeWithPrecision` (decimal units, Go `%.Ng` formatting).
 */
import { formatFloatG } from './fmt.js';
import type { GoTime } from './time.js';

/** go-units HumanDuration of a duration in milliseconds ("3 hours", "About a minute"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "N units ago" for an instant, as podman's CREATED columns print it. */
export function humanSince(t: GoTime, now: number = Date.now()): string {
  return `${humanDuration(now - t.ms)} ago`;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision: decimal units, no space ("11.4kB", "1e+03kB"). */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${formatFloatG(size, precision)}${DECIMAL_UNITS[i]}`;
}

/** podman images' SIZE column: humanSize with precision 3 and a space before the unit ("11.4 kB"). */
export function humanSizeSpaced(bytes: number): string {
  const s = humanSize(bytes, 3);
  let j = s.length - 1;
  while (j >= 0 && !/[0-9]/.test(s[j]!)) j--;
  return `${s.slice(0, j + 1)} ${s.slice(j + 1)}`;
}
