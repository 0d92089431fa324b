// Usage: node bench/merge-hyperfine.mjs OUT.json ROUND.json...
// Merges hyperfine's --export-json files of the same commands (rounds of one interleaved
// measurement, bench/images.sh) into one file of the same shape: each command's runs put
// together, its median, mean, spread, min and max computed again over all of them, and its
// user and system means weighted by the runs of each round.
import { readFileSync, writeFileSync } from 'node:fs';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: node bench/merge-hyperfine.mjs OUT.json ROUND.json...');
  process.exit(2);
}
/** @type {Map<string, { command: string, times: number[], exit_codes: number[], user: number, system: number }>} */
const merged = new Map();
for (const file of inputs) {
  for (const r of JSON.parse(readFileSync(file, 'utf8')).results) {
    const m = merged.get(r.command) ?? { command: r.command, times: [], exit_codes: [], user: 0, system: 0 };
    // user and system are means over the round's runs: weigh them by its runs
    m.user += r.user * r.times.length;
    m.system += r.system * r.times.length;
    m.times.push(...r.times);
    m.exit_codes.push(...(r.exit_codes ?? []));
    merged.set(r.command, m);
  }
}
const results = [...merged.values()].map((m) => {
  const t = [...m.times].sort((a, b) => a - b);
  const n = t.length;
  const mean = t.reduce((s, x) => s + x, 0) / n;
  const median = n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
  const stddev = n > 1 ? Math.sqrt(t.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return {
    command: m.command,
    mean,
    stddev,
    median,
    user: m.user / n,
    system: m.system / n,
    min: t[0],
    max: t[n - 1],
    times: m.times,
    exit_codes: m.exit_codes,
  };
});
writeFileSync(out, `${JSON.stringify({ results }, null, 2)}\n`);
