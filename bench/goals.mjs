// Shared by the bench summaries: hyperfine exports by command name, and the goal table
// (one row per goal: measured figures, the ratio or excess, the goal, OK/MISSED).
import { readFileSync } from 'node:fs';

/** Results of hyperfine JSON exports: { file -> { command -> result } }. */
export function hyperfineResults(file) {
  return Object.fromEntries(JSON.parse(readFileSync(file, 'utf8')).results.map((r) => [r.command, r]));
}

/** Median in ms of `name` in `results`; throws when it was not measured. */
export function median(results, name) {
  const r = results[name];
  if (!r) throw new Error(`no result for ${name}`);
  return r.median * 1000;
}

/** "LABEL<TAB>KB" lines (bench/lib.sh peak) as { label -> MB }. */
export function rssTable(file) {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [k, v] = l.split('\t');
        return [k, Number(v) / 1024];
      }),
  );
}

/** Every measurement, as hyperfine saw it. */
export function printRuns(title, results) {
  console.log(`${title}:`);
  const ms = (v) => `${(v * 1000).toFixed(1)} ms`.padStart(10);
  for (const [n, r] of Object.entries(results))
    console.log(`  ${n.padEnd(34)} median ${ms(r.median)}   mean ${ms(r.mean)} ± ${ms(r.stddev ?? 0)}   (${r.times.length} runs)`);
}

/**
 * Print the goal table. Each row: { work, cells: [[header, text]...], value, limit, unit }
 * where `value <= limit` is the goal. Returns true when every goal is met.
 */
export function printGoals(rows) {
  const headers = [...new Set(rows.flatMap((r) => r.cells.map(([h]) => h)))];
  const fmt = (v, unit) => (unit === 'x' ? `${v.toFixed(2)}x` : `${v.toFixed(1)} ${unit}`);
  const table = [
    ['work', ...headers, 'measured', 'goal', ''],
    ...rows.map((r) => {
      const cells = Object.fromEntries(r.cells);
      const pass = r.value <= r.limit;
      return [r.work, ...headers.map((h) => cells[h] ?? ''), fmt(r.value, r.unit), `<= ${fmt(r.limit, r.unit)}`, pass ? 'OK' : 'MISSED'];
    }),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((l) => l[i].length)));
  for (const l of table) console.log(`  ${l.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
  return rows.every((r) => r.value <= r.limit);
}

/** Compressed bytes per image tag, from the lines bench/pull-push-make.mjs prints ("TAG MANIFEST CONFIG BYTES"). */
export function imageSizes(file) {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [tag, , , bytes] = l.split(' ');
        return [tag, Number(bytes)];
      }),
  );
}

export const ms = (v) => `${v.toFixed(1)} ms`;
