// Usage: node bench/pull-push-summary.mjs OUT_DIR IMAGES.txt
// Prints the medians of bench/pull-push.sh's hyperfine exports, the ratios of medians (all from
// the same run), berth's peak RSS, and checks the targets: pull <= 0.25x podman and <= 2x
// skopeo, push <= 0.2x podman, peak RSS <= 150 MB.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, imagesFile] = process.argv.slice(2);
const load = (f) => Object.fromEntries(JSON.parse(readFileSync(join(out, f), 'utf8')).results.map((r) => [r.command, r]));
const images = Object.fromEntries(
  readFileSync(imagesFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [tag, , , bytes] = l.split(' ');
      return [tag, Number(bytes)];
    }),
);
const rss = Object.fromEntries(
  readFileSync(join(out, 'pull-push-rss.tsv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [k, v] = l.split('\t');
      return [k, Number(v)];
    }),
);

const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
const row = (name, r) =>
  `  ${name.padEnd(18)} median ${ms(r.median).padStart(8)}   mean ${ms(r.mean).padStart(8)} ± ${ms(r.stddev ?? 0).padStart(7)}   min ${ms(r.min).padStart(8)}   (${r.times.length} runs)`;
const checks = [];
const check = (label, value, limit, unit) => {
  const pass = value <= limit;
  checks.push(
    `  ${label.padEnd(34)} ${value.toFixed(unit === 'x' ? 2 : 0).padStart(7)}${unit}   target <= ${limit}${unit}   ${pass ? 'OK' : 'MISSED'}`,
  );
  return pass;
};
let ok = true;
for (const img of ['text', 'random']) {
  const mb = (images[img] / (1 << 20)).toFixed(0);
  const pull = load(`pull-${img}.json`);
  const push = load(`push-${img}.json`);
  console.log(`pull ${img} (${mb} MB compressed) into an empty store:`);
  for (const k of ['berth pull', 'podman pull', 'skopeo copy']) console.log(row(k, pull[k]));
  // the same pull with each gzip codec forced (rows present when the codec was installed)
  for (const k of Object.keys(pull).filter((c) => c.startsWith('berth pull (')))
    console.log(`${row(k, pull[k])}   ${(pull[k].median / pull['berth pull'].median).toFixed(2)}x berth pull`);
  console.log(`push ${img} to an empty registry:`);
  for (const k of ['berth push', 'podman push']) console.log(row(k, push[k]));
  ok = check(`pull ${img}: berth / podman`, pull['berth pull'].median / pull['podman pull'].median, 0.25, 'x') && ok;
  ok = check(`pull ${img}: berth / skopeo`, pull['berth pull'].median / pull['skopeo copy'].median, 2, 'x') && ok;
  ok = check(`push ${img}: berth / podman`, push['berth push'].median / push['podman push'].median, 0.2, 'x') && ok;
}
console.log('berth peak RSS (max of 3 runs):');
for (const [k, v] of Object.entries(rss)) {
  console.log(`  ${k.padEnd(18)} ${(v / 1024).toFixed(0).padStart(6)} MB`);
  ok = check(`${k} peak RSS`, v / 1024, 150, ' MB') && ok;
}
console.log('ratios of medians (same run) and targets:');
for (const c of checks) console.log(c);
process.exitCode = ok ? 0 : 1;
