// Usage: node bench/summarize.mjs LOAD.json SAVE.json RSS.txt
// Prints medians from hyperfine's JSON exports, berth/podman ratios and peak RSS, and checks
// the targets: load <= 0.3x podman, save <= 1.0x podman, berth peak RSS <= 150 MB.
import { readFileSync } from 'node:fs';

const [loadFile, saveFile, rssFile] = process.argv.slice(2);
const medians = (f) => Object.fromEntries(JSON.parse(readFileSync(f, 'utf8')).results.map((r) => [r.command, r]));
const load = medians(loadFile);
const save = medians(saveFile);
const rss = Object.fromEntries(
  readFileSync(rssFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [k, v] = l.split('\t');
      return [k, Number(v)];
    }),
);

const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
const row = (name, r) =>
  `  ${name.padEnd(12)} median ${ms(r.median).padStart(8)}   mean ${ms(r.mean).padStart(8)} ± ${ms(r.stddev ?? 0).padStart(6)}   (${r.times.length} runs)`;
let ok = true;
const check = (label, value, limit, unit) => {
  const pass = value <= limit;
  ok &&= pass;
  return `  ${label.padEnd(28)} ${value.toFixed(unit === 'x' ? 2 : 0).padStart(7)}${unit}   target <= ${limit}${unit}   ${pass ? 'OK' : 'MISSED'}`;
};
const loadRatio = load['berth load'].median / load['podman load'].median;
const saveRatio = save['berth save'].median / save['podman save'].median;
const mb = (kb) => kb / 1024;
console.log('load (into an empty store):');
console.log(row('berth load', load['berth load']));
console.log(row('podman load', load['podman load']));
console.log('save (to a new file):');
console.log(row('berth save', save['berth save']));
console.log(row('podman save', save['podman save']));
console.log('peak RSS (max of the measured runs):');
for (const [k, v] of Object.entries(rss)) console.log(`  ${k.padEnd(12)} ${mb(v).toFixed(0).padStart(6)} MB`);
console.log('ratios of medians (same run) and targets:');
console.log(check('berth load / podman load', loadRatio, 0.3, 'x'));
console.log(check('berth save / podman save', saveRatio, 1.0, 'x'));
console.log(check('berth load peak RSS', mb(rss['berth load']), 150, ' MB'));
console.log(check('berth save peak RSS', mb(rss['berth save']), 150, ' MB'));
process.exitCode = ok ? 0 : 1;
