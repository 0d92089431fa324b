// Usage: node bench/summarize.mjs LOAD.json SAVE.json RSS.tsv
// Prints every measurement from hyperfine's JSON exports and the peak RSS, then the goal table
// (medians of one bench run): load <= 0.25x podman, save <= 0.5x podman, berth peak RSS <= 150 MB.
import { hyperfineResults, median, rssTable, printRuns, printGoals, ms } from './goals.mjs';

const [loadFile, saveFile, rssFile] = process.argv.slice(2);
const load = hyperfineResults(loadFile);
const save = hyperfineResults(saveFile);
const rss = rssTable(rssFile);
printRuns('load (into an empty store)', load);
printRuns('save (to a new file)', save);
console.log('peak RSS (max of the measured runs):');
for (const [k, v] of Object.entries(rss)) console.log(`  ${k.padEnd(12)} ${v.toFixed(0).padStart(6)} MB`);

const vsPodman = (work, res, cmd, limit) => {
  const b = median(res, `berth ${cmd}`);
  const p = median(res, `podman ${cmd}`);
  return {
    work,
    cells: [
      ['berth', ms(b)],
      ['podman', ms(p)],
    ],
    value: b / p,
    limit,
    unit: 'x',
  };
};
console.log('goals (medians of this run):');
const ok = printGoals([
  vsPodman('load', load, 'load', 0.25),
  vsPodman('save', save, 'save', 0.5),
  {
    work: 'berth load peak RSS',
    cells: [['podman', `${rss['podman load'].toFixed(0)} MB`]],
    value: rss['berth load'],
    limit: 150,
    unit: 'MB',
  },
  {
    work: 'berth save peak RSS',
    cells: [['podman', `${rss['podman save'].toFixed(0)} MB`]],
    value: rss['berth save'],
    limit: 150,
    unit: 'MB',
  },
]);
process.exitCode = ok ? 0 : 1;
