// Usage: node bench/service-load.mjs SOCKET OUT_JSON IMAGE_NAME PULL_COMMAND [CLIENTS=50] [WARM_RUNS=200]
// Measures one Docker API service on a unix socket (berth system service or podman system
// service), all requests under /v1.41 (podman 4's newest):
//   1. warm listing: 20 unmeasured GET /images/json, then WARM_RUNS sequential ones, timed;
//   2. load: CLIENTS concurrent clients, each alternating GET /images/json and
//      GET /images/NAME/json of a name from the listing, while PULL_COMMAND (run with bash -c)
//      pulls an image into the same store; runs until the pull ends (at least 2 s).
// Writes { warm: {p50, p99, n}, load: {p50, p99, n, errors, firstError, pullMs} } (ms) to OUT_JSON.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';

const [socketPath, out, imageName, pullCommand, clientsArg = '50', warmArg = '200'] = process.argv.slice(2);
if (!pullCommand) {
  console.error('usage: node bench/service-load.mjs SOCKET OUT_JSON IMAGE_NAME PULL_COMMAND [CLIENTS] [WARM_RUNS]');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(clientsArg) });

function get(path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ socketPath, path: `/v1.41${path}`, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// 1. warm listing
for (let i = 0; i < 20; i++) await get('/images/json');
const warm = [];
let names = [];
for (let i = 0; i < Number(warmArg); i++) {
  const r = await get('/images/json');
  if (r.status !== 200) throw new Error(`GET /images/json: ${r.status} ${r.body}`);
  warm.push(r.ms);
  if (i === 0) names = JSON.parse(r.body.toString('utf8')).flatMap((x) => x.RepoTags ?? []);
}
if (names.length === 0) names = [imageName];

// 2. load while a pull runs
const lat = [];
let errors = 0;
let firstError = '';
let pulling = true;
const t0 = Date.now();
const pull = spawn('bash', ['-c', pullCommand], { stdio: ['ignore', 'ignore', 'pipe'] });
let pullErr = '';
pull.stderr.on('data', (b) => (pullErr += b));
const pullDone = new Promise((resolve) => pull.on('exit', (code) => resolve(code)));
void pullDone.then(() => (pulling = false));
async function client(k) {
  let i = k;
  while (pulling || Date.now() - t0 < 2000) {
    const path = i++ % 2 ? `/images/${names[i % names.length]}/json` : '/images/json';
    try {
      const r = await get(path);
      if (r.status !== 200) {
        errors++;
        firstError ||= `${path}: ${r.status} ${r.body.toString('utf8').slice(0, 200)}`;
      }
      lat.push(r.ms);
    } catch (e) {
      errors++;
      firstError ||= `${path}: ${e.message}`;
    }
  }
}
await Promise.all(Array.from({ length: Number(clientsArg) }, (_, k) => client(k)));
const code = await pullDone;
if (code !== 0) throw new Error(`the pull failed (${code}): ${pullErr}`);
const result = {
  warm: { p50: pct(warm, 50), p99: pct(warm, 99), n: warm.length },
  load: { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, errors, firstError, seconds: (Date.now() - t0) / 1000 },
};
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
agent.destroy();
console.error(
  `${socketPath}: warm p50 ${result.warm.p50.toFixed(2)} ms; load p50 ${result.load.p50.toFixed(1)} ms p99 ${result.load.p99.toFixed(1)} ms, ${lat.length} requests, ${errors} errors`,
);
