// Usage: node bench/pull-push-summary.mjs OUT_DIR IMAGES.txt
// Prints every measurement of bench/pull-push.sh (hyperfine exports), then the goal table: each
// row with berth's, skopeo's and podman's medians, the ratio of medians (all from the same run)
// and the goal; then berth's peak RSS against its goal. Exit status 1 when a goal is missed.
import { join } from 'node:path';
import { hyperfineResults, median, ms, printGoals, printRuns, rssTable, imageSizes } from './goals.mjs';

const [out, imagesFile] = process.argv.slice(2);
const images = imageSizes(imagesFile);
const mb = (img) => `${(images[img] / (1 << 20)).toFixed(0)} MB compressed`;
const runs = {
  'pull-text': [`pull text (${mb('text')}) into an empty store`, 'pull-text.json'],
  'pull-random': [`pull random (${mb('random')}) into an empty store`, 'pull-random.json'],
  'push-text': ['push text (pulled: no recompression) to an empty registry', 'push-text.json'],
  'push-random': ['push random (pulled: no recompression) to an empty registry', 'push-random.json'],
  'push-archive': ['push text loaded from a docker-archive (layers compressed on the way) to an empty registry', 'push-archive.json'],
};
const results = {};
for (const [k, [title, file]] of Object.entries(runs)) {
  results[k] = hyperfineResults(join(out, file));
  printRuns(title, results[k]);
}

// the goal table (issue: berth performance); ratio = berth / the tool the goal names
const goals = [
  ['pull text: 300 MB, 3 layers, digests+diffIDs verified', 'pull-text', 'berth pull', 'skopeo copy', 1.3],
  ['pull text: 300 MB, 3 layers, digests+diffIDs verified', 'pull-text', 'berth pull', 'podman pull', 0.15],
  ['pull random: 270 MB incompressible', 'pull-random', 'berth pull', 'skopeo copy', 1.2],
  ['push text, pulled (no recompression)', 'push-text', 'berth push', 'skopeo copy', 1.1],
  ['push random, pulled (no recompression)', 'push-random', 'berth push', 'skopeo copy', 1.1],
  ['push text, loaded docker-archive (compressed)', 'push-archive', 'berth push', 'podman push', 0.4],
];
const cell = (r, name) => (r[name] ? ms(median(r, name)) : '-');
const rows = goals.map(([work, k, mine, theirs, limit]) => {
  const r = results[k];
  const verb = k.startsWith('pull') ? 'pull' : 'push';
  return {
    work: `${work} (vs ${theirs.split(' ')[0]})`,
    cells: [
      ['berth', cell(r, mine)],
      ['skopeo', cell(r, 'skopeo copy')],
      ['podman', cell(r, `podman ${verb}`)],
    ],
    value: median(r, mine) / median(r, theirs),
    limit,
    unit: 'x',
  };
});
for (const [label, mbs] of Object.entries(rssTable(join(out, 'pull-push-rss.tsv'))))
  rows.push({ work: `${label}: peak RSS (max of 3 runs)`, cells: [], value: mbs, limit: 150, unit: 'MB' });
console.log('\ngoals (medians of this run):');
process.exitCode = printGoals(rows) ? 0 : 1;

// CPU time (user + system of the command and every program it started, mean of the runs):
// steadier than wall time on a shared machine, and what bounds wall time when both tools keep
// every core busy (see bench/transfer-profile.md). Informative: the goals are on wall time.
const cpu = (r, name) => (r[name] ? (r[name].user + r[name].system) * 1000 : undefined);
console.log('\nCPU time (user + system incl. child programs, mean of runs; informative):');
for (const [work, k, mine, theirs] of goals) {
  const r = results[k];
  const a = cpu(r, mine);
  const b = cpu(r, theirs);
  if (a === undefined || b === undefined) continue;
  console.log(
    `  ${`${work} (vs ${theirs.split(' ')[0]})`.padEnd(72)} berth ${ms(a).padStart(10)}  ${theirs.split(' ')[0]} ${ms(b).padStart(10)}  ${(a / b).toFixed(2)}x`,
  );
}
