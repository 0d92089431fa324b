// Usage: node bench/images-summary.mjs LIST.json FILTER.json JSON.json STARTUP.json
// Prints medians from hyperfine's JSON exports (all measured in one bench run), the
// berth/podman ratios of medians, and the start-up overhead of `berth inspect` / `berth tag`
// over `node -e 0` (target: at most 40 ms).
import { readFileSync } from 'node:fs';

const results = {};
for (const f of process.argv.slice(2)) for (const r of JSON.parse(readFileSync(f, 'utf8')).results) results[r.command] = r;
const med = (name) => {
  const r = results[name];
  if (!r) throw new Error(`no result for ${name}`);
  return r.median * 1000;
};
const ms = (v) => `${v.toFixed(1)} ms`.padStart(10);
const row = (name) => {
  const r = results[name];
  return `  ${name.padEnd(34)} median ${ms(r.median * 1000)}   mean ${ms(r.mean * 1000)} ± ${ms((r.stddev ?? 0) * 1000)}   (${r.times.length} runs)`;
};

console.log('listing (berth vs podman, same images):');
for (const n of Object.keys(results)) if (n !== 'node -e 0' && !n.startsWith('berth tag') && !n.includes('inspect')) console.log(row(n));
console.log('ratios of medians (berth / podman; lower is better):');
for (const v of ['images', 'images --filter label', 'images --filter reference', 'images --format json']) {
  const b = `berth ${v}`;
  const p = `podman ${v}`;
  if (results[b] && results[p])
    console.log(`  ${v.padEnd(30)} ${(med(b) / med(p)).toFixed(2)}x   (${(med(p) / med(b)).toFixed(1)}x faster)`);
}
console.log('start-up:');
for (const n of ['node -e 0', 'berth inspect', 'berth tag', 'podman image inspect']) if (results[n]) console.log(row(n));
let ok = true;
for (const n of ['berth inspect', 'berth tag']) {
  const over = med(n) - med('node -e 0');
  const pass = over <= 40;
  ok &&= pass;
  console.log(`  ${`${n} - node -e 0`.padEnd(30)} ${over.toFixed(1).padStart(6)} ms   target <= 40 ms   ${pass ? 'OK' : 'MISSED'}`);
}
process.exitCode = ok ? 0 : 1;
