// Usage: node bench/service-summary.mjs BERTH_JSON PODMAN_JSON
// The goal table of bench/service.sh: warm listing over 1,000 names (goal: berth p50 <= 5 ms),
// and 50 concurrent clients listing/inspecting while a pull runs (goal: no error; p50/p99
// reported beside podman's, with the ratio of p99s).
import { readFileSync } from 'node:fs';
import { ms, printGoals } from './goals.mjs';

const [berthFile, podmanFile] = process.argv.slice(2);
const b = JSON.parse(readFileSync(berthFile, 'utf8'));
const p = JSON.parse(readFileSync(podmanFile, 'utf8'));
console.log('Docker API service (GET /v1.41/images/json and /images/{name}/json):');
console.log(
  `  warm listing, 1,000 names: berth p50 ${ms(b.warm.p50)} p99 ${ms(b.warm.p99)}; podman p50 ${ms(p.warm.p50)} p99 ${ms(p.warm.p99)}`,
);
console.log(
  `  50 clients during a pull:  berth p50 ${ms(b.load.p50)} p99 ${ms(b.load.p99)} (${b.load.n} requests, ${b.load.errors} errors, ${b.load.seconds.toFixed(1)} s); ` +
    `podman p50 ${ms(p.load.p50)} p99 ${ms(p.load.p99)} (${p.load.n} requests, ${p.load.errors} errors, ${p.load.seconds.toFixed(1)} s)`,
);
if (b.load.firstError) console.log(`  berth's first error: ${b.load.firstError}`);
if (p.load.firstError) console.log(`  podman's first error: ${p.load.firstError}`);
console.log();
const ok = printGoals([
  {
    work: 'warm listing p50, 1,000 names',
    cells: [
      ['berth', ms(b.warm.p50)],
      ['podman', ms(p.warm.p50)],
    ],
    value: b.warm.p50,
    limit: 5,
    unit: 'ms',
  },
  {
    work: 'listing p50 berth/podman',
    cells: [
      ['berth', ms(b.warm.p50)],
      ['podman', ms(p.warm.p50)],
    ],
    value: b.warm.p50 / p.warm.p50,
    limit: 1,
    unit: 'x',
  },
  {
    work: 'errors, 50 clients during a pull',
    cells: [
      ['berth', String(b.load.errors)],
      ['podman', String(p.load.errors)],
    ],
    value: b.load.errors,
    limit: 0,
    unit: 'errors',
  },
  {
    work: 'p99 under load berth/podman',
    cells: [
      ['berth', ms(b.load.p99)],
      ['podman', ms(p.load.p99)],
    ],
    value: b.load.p99 / p.load.p99,
    limit: 1,
    unit: 'x',
  },
]);
process.exitCode = ok ? 0 : 1;
