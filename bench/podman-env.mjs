// Prints shell assignments for a scratch podman (private vfs store, scratch config), from the
// test helper: eval "$(node bench/podman-env.mjs)". Remove $PODMAN_DIR afterwards.
import { scratchPodman } from '../dist/test/helpers/tools.js';

const p = await scratchPodman();
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const lines = Object.entries(p.env).map(([k, v]) => `export ${k}=${q(v)}`);
lines.push(`PODMAN_DIR=${q(p.dir)}`, `PODMAN_ROOT=${q(p.root)}`, `PODMAN_RUNROOT=${q(p.runroot)}`);
lines.push(`PODMAN_ARGS=(${p.globalArgs.map(q).join(' ')})`);
process.stdout.write(lines.join('\n') + '\n');
