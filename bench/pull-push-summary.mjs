// Usage: node bench/pull-push-summary.mjs OUT_DIR IMAGES.txt
// Prints the medians of bench/pull-push.sh's hyperfine exports, then the goal table: each row
// with berth's, skopeo's and podman's medians, the ratio of medians (all from the same run) and
// the goal; then berth's peak RSS against its goal. Exit status 1 when a goal is missed.
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
  `  ${name.padEnd(20)} median ${ms(r.median).padStart(8)}   mean ${ms(r.mean).padStart(8)} ± ${ms(r.stddev ?? 0).padStart(7)}   min ${ms(r.min).padStart(8)}   (${r.times.length} runs)`;

const runs = {
  'pull-text': load('pull-text.json'),
  'pull-random': load('pull-random.json'),
  'push-text': load('push-text.json'),
  'push-random': load('push-random.json'),
  'push-archive': load('push-archive.json'),
};
const mb = (img) => `${(images[img] / (1 << 20)).toFixed(0)} MB compressed`;
const titles = {
  'pull-text': `pull text (${mb('text')}) into an empty store`,
  'pull-random': `pull random (${mb('random')}) into an empty store`,
  'push-text': 'push text (pulled: no recompression) to an empty registry',
  'push-random': 'push random (pulled: no recompression) to an empty registry',
  'push-archive': 'push text loaded from a docker-archive (layers compressed on the way) to an empty registry',
};
for (const [k, results] of Object.entries(runs)) {
  console.log(`${titles[k]}:`);
  const base = results['berth pull'] ?? results['berth push'];
  for (const [name, r] of Object.entries(results)) {
    const vs = name.startsWith('berth pull (') ? `   ${(r.median / base.median).toFixed(2)}x berth pull` : '';
    console.log(row(name, r) + vs);
  }
}

// the goal table (issue: berth performance)
const goals = [
  ['pull text: 300 MB, 3 layers, digests+diffIDs verified', 'pull-text', 'berth pull', 'skopeo copy', 1.3],
  ['pull text: 300 MB, 3 layers, digests+diffIDs verified', 'pull-text', 'berth pull', 'podman pull', 0.15],
  ['pull random: 270 MB incompressible', 'pull-random', 'berth pull', 'skopeo copy', 1.2],
  ['push text, pulled (no recompression)', 'push-text', 'berth push', 'skopeo copy', 1.1],
  ['push random, pulled (no recompression)', 'push-random', 'berth push', 'skopeo copy', 1.1],
  ['push text, loaded docker-archive (compressed)', 'push-archive', 'berth push', 'podman push', 0.4],
];
let ok = true;
const cell = (r) => (r ? ms(r.median) : '-').padStart(9);
console.log('\ngoals (medians of this run; ratio = berth / the tool the goal names):');
console.log(`  ${'work'.padEnd(54)} ${'berth'.padStart(9)} ${'skopeo'.padStart(9)} ${'podman'.padStart(9)}   ratio   goal`);
for (const [label, k, mine, theirs, goal] of goals) {
  const r = runs[k];
  const ratio = r[mine].median / r[theirs].median;
  const pass = ratio <= goal;
  ok &&= pass;
  const tool = theirs.split(' ')[0];
  console.log(
    `  ${label.padEnd(54)} ${cell(r[mine])} ${cell(r['skopeo copy'])} ${cell(r[`podman ${k.startsWith('pull') ? 'pull' : 'push'}`])}   ${ratio.toFixed(2).padStart(5)}x  <= ${goal}x ${tool}   ${pass ? 'OK' : 'MISSED'}`,
  );
}
console.log('berth peak RSS (max of 3 runs):');
for (const [k, v] of Object.entries(rss)) {
  const pass = v / 1024 <= 150;
  ok &&= pass;
  console.log(`  ${k.padEnd(20)} ${(v / 1024).toFixed(0).padStart(6)} MB   <= 150 MB   ${pass ? 'OK' : 'MISSED'}`);
}
process.exitCode = ok ? 0 : 1;
