// Usage: node bench/images-summary.mjs 1K.json SINGLE.json 10K.json RSS.tsv
// Prints every measurement, then the goal table of the listing and single-image commands
// (medians of one bench run; `node -e 0` measured in the same hyperfine call):
//   images / images --filter reference= / images --format json, 1,000 names: <= node start + 30 ms
//   images, 10,000 names: <= node start + 150 ms and <= 0.1x podman; <= 150 MB RSS
//   inspect, tag, image exists: <= node start + 20 ms;  peak RSS of any of them <= 150 MB
import { hyperfineResults, median, rssTable, printRuns, printGoals, ms } from './goals.mjs';

const [f1k, fsingle, f10k, frss] = process.argv.slice(2);
const groups = {
  '1,000 names': hyperfineResults(f1k),
  'single image (1,000-name store)': hyperfineResults(fsingle),
  '10,000 names': hyperfineResults(f10k),
};
const rss = rssTable(frss);
for (const [t, r] of Object.entries(groups)) printRuns(t, r);
console.log('peak RSS of berth (max of 3 runs):');
for (const [k, v] of Object.entries(rss)) console.log(`  ${k.padEnd(34)} ${v.toFixed(0).padStart(6)} MB`);

const rows = [];
const overNode = (work, res, cmd, limit) => {
  const b = median(res, `berth ${cmd}`);
  const p = res[`podman ${cmd}`] ? median(res, `podman ${cmd}`) : undefined; // PODMAN_10K=0
  const node = median(res, 'node -e 0');
  rows.push({
    work,
    cells: [
      ['berth', ms(b)],
      ['podman', p === undefined ? 'not run' : ms(p)],
      ['node -e 0', ms(node)],
      ['vs podman', p === undefined ? '' : `${(b / p).toFixed(2)}x`],
    ],
    value: b - node,
    limit,
    unit: 'ms over node',
  });
};
const g1 = groups['1,000 names'];
const gs = groups['single image (1,000-name store)'];
const g10 = groups['10,000 names'];
overNode('images, 1,000 names', g1, 'images', 30);
overNode('images --filter reference=, 1,000', g1, 'images --filter reference', 30);
overNode('images --format json, 1,000', g1, 'images --format json', 30);
overNode('images, 10,000 names', g10, 'images', 150);
if (g10['podman images'])
  rows.push({
    work: 'images, 10,000 names vs podman',
    cells: [
      ['berth', ms(median(g10, 'berth images'))],
      ['podman', ms(median(g10, 'podman images'))],
    ],
    value: median(g10, 'berth images') / median(g10, 'podman images'),
    limit: 0.1,
    unit: 'x',
  });
else console.log('images, 10,000 names vs podman: not measured (PODMAN_10K=0)');
rows.push({ work: 'images, 10,000 names RSS', cells: [], value: rss['images, 10,000 names'], limit: 150, unit: 'MB' });
overNode('inspect', gs, 'inspect', 20);
overNode('tag', gs, 'tag', 20);
overNode('image exists', gs, 'image exists', 20);
const [peakName, peakMB] = Object.entries(rss).sort((a, b) => b[1] - a[1])[0];
rows.push({ work: `peak RSS of any (${peakName})`, cells: [], value: peakMB, limit: 150, unit: 'MB' });
// not a goal of its own; shown beside the others
const lb = median(g1, 'berth images --filter label');
const lp = median(g1, 'podman images --filter label');
console.log(
  `images --filter label=, 1,000 names (no goal): berth ${ms(lb)}, podman ${ms(lp)}, ${(lb / lp).toFixed(2)}x, node start + ${ms(lb - median(g1, 'node -e 0'))}`,
);
console.log('goals (medians of this run):');
process.exitCode = printGoals(rows) ? 0 : 1;
// On a loaded machine wall times wander with the load; CPU time (user + sys, hyperfine's means)
// is what each run costs and moves far less: shown beside the goals, not instead of them.
console.log('CPU time (user + sys, means of this run) over node -e 0:');
for (const [t, res] of Object.entries(groups)) {
  const cpu = (r) => (r.user + r.system) * 1000;
  const node = cpu(res['node -e 0']);
  for (const [name, r] of Object.entries(res))
    if (name.startsWith('berth ')) console.log(`  ${`${name} (${t})`.padEnd(58)} ${ms(cpu(r)).padStart(9)}  node + ${ms(cpu(r) - node)}`);
}
