/**
 * Go's time.Time as podman prints and parses it: `GoTime` is an instant with nanosecond
 * precision and the zone offset it was written with (what Go keeps after parsing a config's
 * "created" field), printable like `Time.String()` and `Format(time.RFC3339Nano)`;
 * `parseRFC3339` reads such a field; `parseTimestampFilter` reads an `until=` filter value as
 * containers/common `pkg/timetype.GetTimestamp` + `ParseTimestamps` do (a Go duration before
 * now, RFC 3339 in several precisions, a date, or Unix seconds[.fraction]).
 *
 * Written from the documented behaviour of those Go functions; no Go code was copied.
 */
import { BerthError } from '../errors.js';
import { parseGoDuration } from './duration.js';
import { goQuote } from './quote.js';

const INT64_MAX = (1n << 63n) - 1n;

const NS_PER_SEC = 1_000_000_000;

// ---------------------------------------------------------------------------------------
// Civil date <-> days since 1970-01-01 (proleptic Gregorian), valid for any year.

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the instants Date's ISO form writes as Go does. */
const MIN_ISO_SEC = -62167219200;
const MAX_ISO_SEC = 253402300799;

/**
 * An instant (Unix seconds + nanoseconds) plus the zone it is shown in: UTC (Go prints
 * "Z" / "+0000 UTC") or a fixed offset in seconds (Go prints "+02:00" / "+0200 +0200").
 */
export class GoTime {
  constructor(
    readonly sec: number,
    readonly nsec: number,
    readonly offset = 0,
    readonly utc = true,
  ) {}

  /** Go's zero time.Time (0001-01-01T00:00:00Z), what a missing "created" decodes to. */
  static zero(): GoTime {
    return new GoTime(-62135596800, 0);
  }

  static fromUnix(sec: number, nsec = 0): GoTime {
    return new GoTime(sec, nsec);
  }

  static fromDate(d: Date): GoTime {
    const ms = d.getTime();
    const sec = Math.floor(ms / 1000);
    return new GoTime(sec, (ms - sec * 1000) * 1_000_000);
  }

  get isZero(): boolean {
    return this.sec === -62135596800 && this.nsec === 0;
  }

  /** Milliseconds since the epoch (for durations against Date.now()). */
  get ms(): number {
    return this.sec * 1000 + Math.floor(this.nsec / 1_000_000);
  }

  /** Go's Time.Unix(): seconds, rounded toward minus infinity. */
  unix(): number {
    return this.sec;
  }

  compare(o: GoTime): number {
    return this.sec !== o.sec ? (this.sec < o.sec ? -1 : 1) : this.nsec - o.nsec;
  }
  before(o: GoTime): boolean {
    return this.compare(o) < 0;
  }
  after(o: GoTime): boolean {
    return this.compare(o) > 0;
  }

  /** Same instant shown in UTC (Go's t.UTC()). */
  inUTC(): GoTime {
    return new GoTime(this.sec, this.nsec);
  }

  /** Same instant shown in the local zone of this process (Go's time.Local). */
  inLocal(): GoTime {
    const off = -new Date(this.ms).getTimezoneOffset() * 60;
    return off === 0 ? new GoTime(this.sec, this.nsec, 0, true) : new GoTime(this.sec, this.nsec, off, false);
  }

  /** Date and clock as "YYYY-MM-DDTHH:MM:SS" in the shown zone (Date's ISO form for years 0-9999). */
  private isoFields(): string {
    const local = this.sec + this.offset;
    if (local >= MIN_ISO_SEC && local <= MAX_ISO_SEC) return new Date(local * 1000).toISOString().slice(0, 19);
    const f = this.fields();
    return `${this.year(f.y)}-${p2(f.m)}-${p2(f.d)}T${p2(f.hh)}:${p2(f.mm)}:${p2(f.ss)}`;
  }

  private fields(): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
    const local = this.sec + this.offset;
    const days = Math.floor(local / 86400);
    const rem = local - days * 86400;
    const { y, m, d } = civilFromDays(days);
    return { y, m, d, hh: Math.floor(rem / 3600), mm: Math.floor((rem % 3600) / 60), ss: rem % 60 };
  }

  private year(y: number): string {
    return y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  }

  private frac(): string {
    if (this.nsec === 0) return '';
    return `.${String(this.nsec).padStart(9, '0').replace(/0+$/, '')}`;
  }

  private offsetString(colon: boolean): string {
    const o = Math.abs(this.offset);
    const s = `${this.offset < 0 ? '-' : '+'}${p2(Math.floor(o / 3600))}${colon ? ':' : ''}${p2(Math.floor((o % 3600) / 60))}`;
    return o % 60 && colon ? `${s}:${p2(o % 60)}` : s;
  }

  /** Format(time.RFC3339Nano) (nano=true) or Format(time.RFC3339). */
  rfc3339(nano = true): string {
    const zone = this.offset === 0 ? 'Z' : this.offsetString(true);
    return `${this.isoFields()}${nano ? this.frac() : ''}${zone}`;
  }

  /** Go's Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
  toString(): string {
    const iso = this.isoFields();
    const name = this.utc && this.offset === 0 ? 'UTC' : this.offsetString(false);
    return `${iso.slice(0, -9)} ${iso.slice(-8)}${this.frac()} ${this.offsetString(false)} ${name}`;
  }

  /** encoding/json form of a time.Time. */
  toJSON(): string {
    return this.rfc3339(true);
  }
}

// ---------------------------------------------------------------------------------------
// Parsing times

interface Civil {
  y: number;
  m: number;
  d: number;
  hh: number;
  mm: number;
  ss: number;
  nsec: number;
}

function civilToTime(c: Civil, offset: number, utc: boolean): GoTime | undefined {
  if (c.m < 1 || c.m > 12 || c.d < 1 || c.d > daysIn(c.y, c.m) || c.hh > 23 || c.mm > 59 || c.ss > 59) return undefined;
  const sec = daysFromCivil(c.y, c.m, c.d) * 86400 + c.hh * 3600 + c.mm * 60 + c.ss - offset;
  return new GoTime(sec, c.nsec, offset, utc);
}

function fracToNanos(frac: string | undefined): number {
  if (!frac) return 0;
  const digits = frac.slice(1, 10).padEnd(9, '0');
  return Number(digits);
}

/** "Z" → 0 (UTC); "+hh:mm" → seconds. Undefined on a bad zone. */
function parseZone(z: string): { offset: number; utc: boolean } | undefined {
  if (z === 'Z') return { offset: 0, utc: true };
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(z);
  if (!m) return undefined;
  const h = Number(m[2]);
  const mi = Number(m[3]);
  if (h > 23 || mi > 59) return undefined;
  const off = (m[1] === '-' ? -1 : 1) * (h * 3600 + mi * 60);
  // Go records an offset that equals the local zone's as the local zone; for the usual
  // UTC hosts a "+00:00" therefore prints as UTC.
  return { offset: off, utc: off === 0 };
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parse an RFC 3339 time with optional fraction (what Go's time.Time JSON decoding
 * accepts for config "created" fields). Undefined when malformed.
 */
export function parseRFC3339(s: string): GoTime | undefined {
  const m = RFC3339_RE.exec(s);
  if (!m) return undefined;
  const zone = parseZone(m[8]!);
  if (!zone) return undefined;
  return civilToTime(
    { y: +m[1]!, m: +m[2]!, d: +m[3]!, hh: +m[4]!, mm: +m[5]!, ss: +m[6]!, nsec: fracToNanos(m[7]) },
    zone.offset,
    zone.utc,
  );
}

// ---------------------------------------------------------------------------------------
// The until= filter (containers/common pkg/timetype GetTimestamp + ParseTimestamps)

/** Offset in seconds of the local zone at `at` (Go's time.FixedZone(reference.Zone())). */
function localOffset(at: Date): number {
  return -at.getTimezoneOffset() * 60;
}

/**
 * Turn an `until=` value into an instant: a Go duration counts back from `now` (truncated
 * to whole seconds, as podman does); otherwise an RFC 3339 time or date (in the local zone
 * when it carries no zone), otherwise Unix seconds with an optional fraction.
 */
export function parseTimestampFilter(value: string, now: Date = new Date()): GoTime {
  if (value !== '0') {
    let d: number | undefined;
    try {
      d = parseGoDuration(value);
    } catch {
      d = undefined;
    }
    if (d !== undefined) {
      const nowNs = now.getTime() * 1e6;
      return GoTime.fromUnix(Math.floor((nowNs - d) / NS_PER_SEC));
    }
  }
  const inLocation = !/[zZ+]/.test(value) && (value.match(/-/g)?.length ?? 0) !== 3;
  const t = parseLayoutTime(value, inLocation, localOffset(now));
  if (t) return t;
  if (value.includes('-')) {
    throw new BerthError(
      'INVALID_ARGUMENT',
      `cannot parse ${JSON.stringify(value)} as a time: expected a Go duration (e.g. 24h), an RFC 3339 time (e.g. 2006-01-02T15:04:05Z) or Unix seconds`,
    );
  }
  const m = /^([+-]?\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) throw new BerthError('INVALID_ARGUMENT', `failed to parse value as time or duration: ${JSON.stringify(value)}`);
  // strconv.ParseInt(_, 10, 64) for both parts, as containers/common's ParseTimestamps
  for (const part of [m[1]!, m[2]]) {
    if (part !== undefined && (BigInt(part) > INT64_MAX || BigInt(part) < -INT64_MAX - 1n)) {
      throw new BerthError('INVALID_ARGUMENT', `strconv.ParseInt: parsing ${goQuote(part)}: value out of range`);
    }
  }
  const sec = Number(m[1]);
  const nsStr = m[2] ?? '';
  const nsec = nsStr ? Math.trunc(Number(nsStr) * 10 ** (9 - nsStr.length)) : 0;
  return GoTime.fromUnix(sec, nsec);
}

/** The layouts GetTimestamp picks from, by the shape of the value. */
function parseLayoutTime(value: string, inLocation: boolean, localOff: number): GoTime | undefined {
  const date = '(\\d{4})-(\\d{2})-(\\d{2})';
  let re: RegExp;
  if (value.includes('.')) {
    re = inLocation
      ? new RegExp(`^${date}T(\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?$`)
      : new RegExp(`^${date}T(\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$`);
  } else if (value.includes('T')) {
    let colons = (value.match(/:/g) ?? []).length;
    if (!inLocation && !/[zZ]/.test(value) && colons > 0) colons--;
    const time = colons === 0 ? '(\\d{2})()()' : colons === 1 ? '(\\d{2}):(\\d{2})()' : '(\\d{2}):(\\d{2}):(\\d{2})';
    re = new RegExp(`^${date}T${time}(\\.\\d+)?${inLocation ? '' : '(Z|[+-]\\d{2}:\\d{2})'}$`);
  } else {
    re = inLocation ? new RegExp(`^${date}()()()()$`) : new RegExp(`^${date}()()()()(Z|[+-]\\d{2}:\\d{2})$`);
  }
  const m = re.exec(value);
  if (!m) return undefined;
  let offset = localOff;
  let utc = localOff === 0;
  if (!inLocation) {
    const z = parseZone(m[8]!);
    if (!z) return undefined;
    offset = z.offset;
    utc = z.utc;
  }
  const num = (s: string | undefined): number => (s ? Number(s) : 0);
  return civilToTime(
    { y: +m[1]!, m: +m[2]!, d: +m[3]!, hh: num(m[4]), mm: num(m[5]), ss: num(m[6]), nsec: fracToNanos(m[7]) },
    offset,
    utc,
  );
}
