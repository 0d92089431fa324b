/**
 * Go durations/times and go-units human formats. Expected values follow Go's documented
 * behaviour (time.ParseDuration, time.Time.String, RFC3339Nano), containers/common
 * pkg/timetype GetTimestamp, and docker/go-units HumanDuration / HumanSizeWithPrecision
 * (e.g. the well-known "1e+03kB" of %.3g for 999999 bytes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration } from '../../../src/go/duration.js';
import { formatFloatG as formatG } from '../../../src/go/fmt.js';
import { GoTime, parseRFC3339, parseTimestampFilter } from '../../../src/go/time.js';
import { humanDuration, humanSize, humanSizeSpaced } from '../../../src/go/units.js';
import { expectError } from '../../helpers/expect-error.js';

test('formatGoDuration: Go time.Duration.String', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [5000, '5s'],
    [1001, '1.001s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [3_661_500, '1h1m1.5s'],
    [-2000, '-2s'],
  ];
  for (const [ms, want] of cases) assert.equal(formatGoDuration(ms), want, String(ms));
});

test('parseGoDuration', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['1ns', 1],
    ['1us', 1e3],
    ['1µs', 1e3],
    ['1μs', 1e3],
    ['1.5ms', 1.5e6],
    ['2s', 2e9],
    ['1m', 60e9],
    ['1h', 3600e9],
    ['1h30m', 5400e9],
    ['1.5h', 5400e9],
    ['.5s', 0.5e9],
    ['5.s', 5e9],
    ['-1.5h', -5400e9],
    ['+3m', 180e9],
    ['2h45m10s', (2 * 3600 + 45 * 60 + 10) * 1e9],
    ['24h', 86400e9],
    ['1h0m30s', 3630e9],
  ];
  for (const [s, ns] of ok) assert.equal(parseGoDuration(s), ns, s);
  for (const bad of ['', '1', '1x', 'h', '.s', '-', '1h2', 'one hour', '1 h']) {
    assert.throws(() => parseGoDuration(bad), expectError('INVALID_ARGUMENT'), bad);
  }
});

test('GoTime parsing and formatting', () => {
  const t = parseRFC3339('2024-01-02T03:04:05Z')!;
  assert.equal(t.unix(), Date.UTC(2024, 0, 2, 3, 4, 5) / 1000);
  assert.equal(t.toString(), '2024-01-02 03:04:05 +0000 UTC');
  assert.equal(t.rfc3339(), '2024-01-02T03:04:05Z');
  const n = parseRFC3339('2024-01-02T03:04:05.123450000Z')!;
  assert.equal(n.rfc3339(), '2024-01-02T03:04:05.12345Z', 'RFC3339Nano drops trailing zeros');
  assert.equal(n.rfc3339(false), '2024-01-02T03:04:05Z');
  assert.equal(n.toString(), '2024-01-02 03:04:05.12345 +0000 UTC');
  const o = parseRFC3339('2024-01-02T03:04:05.5+02:00')!;
  assert.equal(o.unix(), Date.UTC(2024, 0, 2, 1, 4, 5) / 1000);
  assert.equal(o.rfc3339(), '2024-01-02T03:04:05.5+02:00');
  assert.equal(o.toString(), '2024-01-02 03:04:05.5 +0200 +0200');
  assert.equal(o.inUTC().rfc3339(), '2024-01-02T01:04:05.5Z');
  const z = GoTime.zero();
  assert.equal(z.rfc3339(), '0001-01-01T00:00:00Z');
  assert.equal(z.unix(), -62135596800);
  assert.equal(JSON.stringify({ t: parseRFC3339('1999-12-31T23:59:59Z') }), '{"t":"1999-12-31T23:59:59Z"}');
  for (const bad of ['2024-01-02', '2024-13-02T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T00:00:00', 'x']) {
    assert.equal(parseRFC3339(bad), undefined, bad);
  }
  assert.ok(parseRFC3339('2024-02-29T00:00:00Z'), 'leap day');
  assert.ok(parseRFC3339('2024-01-01T00:00:00Z')!.before(parseRFC3339('2024-01-01T00:00:00.000000001Z')!));
});

test('GoTime prints the same on both sides of the years Date writes in ISO form (0000-9999), and round-trips through parsing', () => {
  const cases: [GoTime, string, string][] = [
    [new GoTime(-62167219200, 0), '0000-01-01T00:00:00Z', '0000-01-01 00:00:00 +0000 UTC'],
    [new GoTime(-62167219201, 0), '-0001-12-31T23:59:59Z', '-0001-12-31 23:59:59 +0000 UTC'],
    [new GoTime(253402300799, 7), '9999-12-31T23:59:59.000000007Z', '9999-12-31 23:59:59.000000007 +0000 UTC'],
    [new GoTime(253402300800, 0), '10000-01-01T00:00:00Z', '10000-01-01 00:00:00 +0000 UTC'],
    // the shown zone moves the date across the boundary either way
    [new GoTime(253402300799, 0, 3600, false), '10000-01-01T00:59:59+01:00', '10000-01-01 00:59:59 +0100 +0100'],
    [new GoTime(-62167219200, 0, -60, false), '-0001-12-31T23:59:00-00:01', '-0001-12-31 23:59:00 -0001 -0001'],
    [new GoTime(951782400, 0, -7 * 3600, false), '2000-02-28T17:00:00-07:00', '2000-02-28 17:00:00 -0700 -0700'],
  ];
  for (const [t, rfc, str] of cases) {
    assert.equal(t.rfc3339(), rfc);
    assert.equal(t.toString(), str);
  }
  let seed = 5;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 2000; i++) {
    const sec = -62167219200 + Math.floor((next() / 2 ** 31) * (253402300799 + 62167219200));
    const offset = ((next() % 57) - 28) * 1800;
    const t = new GoTime(sec, next() % 3 ? 0 : next() % 1_000_000_000, offset, offset === 0);
    const back = parseRFC3339(t.rfc3339());
    if (back === undefined) continue; // a shown year outside 0000-9999 does not parse back
    assert.equal(back.compare(t), 0, t.rfc3339());
    assert.equal(back.rfc3339(), t.rfc3339());
  }
});

test('until= values (timetype.GetTimestamp + ParseTimestamps)', () => {
  const now = new Date(Date.UTC(2024, 5, 15, 12, 0, 0, 700));
  const nowSec = Math.floor(now.getTime() / 1000);
  assert.equal(parseTimestampFilter('24h', now).unix(), nowSec - 86400);
  assert.equal(parseTimestampFilter('90m', now).unix(), nowSec - 5400);
  assert.equal(parseTimestampFilter('1.5s', now).unix(), Math.floor((now.getTime() - 1500) / 1000), 'truncated to whole seconds');
  assert.equal(parseTimestampFilter('2024-02-15T10:30:00Z', now).unix(), Date.UTC(2024, 1, 15, 10, 30) / 1000);
  assert.equal(parseTimestampFilter('2024-02-15T10:30:00+01:00', now).unix(), Date.UTC(2024, 1, 15, 9, 30) / 1000);
  assert.equal(parseTimestampFilter('2024-02-15T10:30:00.25Z', now).nsec, 250_000_000);
  assert.equal(parseTimestampFilter('2024-02-15T10Z', now).unix(), Date.UTC(2024, 1, 15, 10) / 1000);
  assert.equal(parseTimestampFilter('2024-02-15T10:30Z', now).unix(), Date.UTC(2024, 1, 15, 10, 30) / 1000);
  assert.equal(parseTimestampFilter('2024-02-15Z', now).unix(), Date.UTC(2024, 1, 15) / 1000);
  // without a zone: the local zone of "now" (compare against Date's own local parsing)
  assert.equal(parseTimestampFilter('2024-02-15', now).unix(), new Date(2024, 1, 15).getTime() / 1000);
  assert.equal(parseTimestampFilter('2024-02-15T10:30:00', now).unix(), new Date(2024, 1, 15, 10, 30).getTime() / 1000);
  assert.equal(parseTimestampFilter('1700000000', now).unix(), 1700000000);
  const f = parseTimestampFilter('1700000000.5', now);
  assert.deepEqual([f.unix(), f.nsec], [1700000000, 500_000_000]);
  assert.equal(parseTimestampFilter('0', now).unix(), 0, '"0" is Unix time 0, not a duration');
  for (const bad of ['yesterday', '2024-13-01', '2024-02-30T00:00:00Z', '1h2', 'now']) {
    assert.throws(() => parseTimestampFilter(bad, now), expectError('INVALID_ARGUMENT'), bad);
  }
});

test('humanDuration (go-units HumanDuration)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const t: [number, string][] = [
    [-5 * s, 'Less than a second'],
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [s, '1 second'],
    [2 * s, '2 seconds'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [2 * m, '2 minutes'],
    [59 * m, '59 minutes'],
    [60 * m, 'About an hour'],
    [89 * m, 'About an hour'],
    [90 * m, '2 hours'],
    [47 * h, '47 hours'],
    [48 * h, '2 days'],
    [13 * d, '13 days'],
    [14 * d, '2 weeks'],
    [59 * d, '8 weeks'],
    [60 * d, '2 months'],
    [729 * d, '24 months'],
    [730 * d, '2 years'],
    [3650 * d, '10 years'],
  ];
  for (const [ms, want] of t) assert.equal(humanDuration(ms), want, String(ms));
});

test('humanSize (go-units HumanSizeWithPrecision) and the images SIZE column', () => {
  const t: [number, number, string][] = [
    [0, 3, '0B'],
    [1, 3, '1B'],
    [999, 3, '999B'],
    [1000, 3, '1kB'],
    [1024, 3, '1.02kB'],
    [11352, 3, '11.4kB'],
    [10240, 3, '10.2kB'],
    [999999, 3, '1e+03kB'],
    [1_000_000, 3, '1MB'],
    [5_830_000, 3, '5.83MB'],
    [331_000_000, 3, '331MB'],
    [11352, 4, '11.35kB'],
    [10240, 4, '10.24kB'],
    [2_500_000_000, 3, '2.5GB'],
  ];
  for (const [b, p, want] of t) assert.equal(humanSize(b, p), want, `${b}/${p}`);
  assert.equal(humanSizeSpaced(11352), '11.4 kB');
  assert.equal(humanSizeSpaced(999999), '1e+03 kB');
  assert.equal(humanSizeSpaced(0), '0 B');
  assert.equal(formatG(0.0001234, 3), '0.000123');
  assert.equal(formatG(0.00001234, 3), '1.23e-05');
  assert.equal(formatG(123456, 3), '1.23e+05');
  // Exact halves round to even, as Go's strconv does (100.5 and 1.125 are exact doubles).
  assert.equal(humanSize(100_500), '100kB');
  assert.equal(humanSize(1125), '1.12kB');
  assert.equal(humanSize(1375), '1.38kB');
});
