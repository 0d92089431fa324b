// Usage: node bench/serve-summary.mjs OUT_DIR IMAGES.txt
// Prints every measurement of bench/serve.sh (hyperfine exports), then per image and client the
// medians from docker-registry and from berth serve and their ratio (berth serve / registry; below
// 1 is faster). All from the same run.
import { join } from 'node:path';
import { hyperfineResults, median, ms, printRuns, imageSizes } from './goals.mjs';

const [out, imagesFile] = process.argv.slice(2);
const sizes = imageSizes(imagesFile);
const rows = [['image', 'client', 'docker-registry', 'berth serve', 'ratio']];
for (const img of ['text', 'random']) {
  const res = hyperfineResults(join(out, `serve-${img}.json`));
  printRuns(`${img} (${(sizes[img] / (1 << 20)).toFixed(0)} MB compressed)`, res);
  for (const client of ['podman pull', 'skopeo copy']) {
    const reg = median(res, `${client} (registry)`);
    const srv = median(res, `${client} (berth serve)`);
    rows.push([img, client, ms(reg), ms(srv), `${(srv / reg).toFixed(2)}x`]);
  }
}
console.log('medians of this run (ratio: berth serve / docker-registry):');
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
