// Usage: node bench/rootfs-summary.mjs OUT_DIR
// Prints the medians of bench/rootfs.sh's hyperfine exports and the ratio of medians (same run)
// of berth pull + image mount to podman pull, against the goal (<= 0.7x), and the CPU time of each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const GOAL = 0.7;
const [out] = process.argv.slice(2);
const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
let ok = true;
for (const img of ['text', 'random']) {
  const results = Object.fromEntries(JSON.parse(readFileSync(join(out, `rootfs-${img}.json`), 'utf8')).results.map((r) => [r.command, r]));
  console.log(`${img}:`);
  for (const [name, r] of Object.entries(results))
    console.log(
      `  ${name.padEnd(26)} median ${ms(r.median).padStart(8)}   min ${ms(r.min).padStart(8)}   cpu (user+sys, mean) ${ms(r.user + r.system).padStart(8)}   (${r.times.length} runs)`,
    );
  const ratio = results['berth pull + image mount'].median / results['podman pull'].median;
  const pass = ratio <= GOAL;
  ok &&= pass;
  console.log(`  ratio (berth pull + image mount) / (podman pull): ${ratio.toFixed(2)}x   goal <= ${GOAL}x   ${pass ? 'OK' : 'MISSED'}`);
}
process.exitCode = ok ? 0 : 1;
