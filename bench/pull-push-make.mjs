// Usage: node bench/pull-push-make.mjs DIR
// Writes an OCI image layout at DIR with two images (gzip layers, written by streaming):
//   text:1    ~300 MB uncompressed, 3 layers of many files of word-like text (compresses ~3x)
//   random:1  ~270 MB uncompressed, 4 layers of random bytes (incompressible)
// Prints one line per image: "TAG MANIFEST_DIGEST CONFIG_DIGEST COMPRESSED_BYTES".
import { createHash, randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/pull-push-make.mjs DIR');
  process.exit(2);
}
const blobs = path.join(dir, 'blobs', 'sha256');
fs.mkdirSync(blobs, { recursive: true });
const MB = 1 << 20;

// A 4 MiB pool of word-like text; files are slices of it at random offsets.
const words = Array.from(
  { length: 4000 },
  () =>
    randomBytes(2 + randomInt(8))
      .toString('base64')
      .replace(/[^a-z]/gi, '')
      .toLowerCase() || 'x',
);
function textPool(size) {
  const parts = [];
  let n = 0;
  while (n < size) {
    const line = Array.from({ length: 6 + randomInt(10) }, () => words[randomInt(words.length)]).join(' ') + '\n';
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}
const pool = textPool(4 * MB);

function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 8, 'ascii');
  h.write('0000000\0', 108, 8, 'ascii');
  h.write('0000000\0', 116, 8, 'ascii');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'ascii');
  h.write('14536151000\0', 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** Stream one layer (tar -> gzip -> file) computing diffID and digest; `files` yields [name, Buffer]. */
async function writeLayer(files) {
  const tmp = path.join(blobs, `.tmp-${process.pid}-${randomInt(1e9)}`);
  const out = fs.createWriteStream(tmp);
  const gz = createGzip({ level: 6 });
  const tarHash = createHash('sha256');
  const gzHash = createHash('sha256');
  let gzSize = 0;
  let tarSize = 0;
  gz.on('data', (c) => {
    gzHash.update(c);
    gzSize += c.length;
    if (!out.write(c)) {
      gz.pause();
      out.once('drain', () => gz.resume());
    }
  });
  const gzEnd = once(gz, 'end');
  const put = async (b) => {
    tarHash.update(b);
    tarSize += b.length;
    if (!gz.write(b)) await once(gz, 'drain');
  };
  for (const [name, body] of files) {
    await put(tarHeader(name, body.length));
    await put(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) await put(Buffer.alloc(pad));
  }
  await put(Buffer.alloc(1024));
  gz.end();
  await gzEnd;
  out.end();
  await once(out, 'finish');
  const digest = `sha256:${gzHash.digest('hex')}`;
  fs.renameSync(tmp, path.join(blobs, digest.slice(7)));
  return { digest, size: gzSize, diffID: `sha256:${tarHash.digest('hex')}`, tarSize };
}

function* textFiles(prefix, total) {
  let n = 0;
  let i = 0;
  while (n < total) {
    const size = Math.min(total - n, 8 * 1024 + randomInt(400 * 1024));
    const off = randomInt(pool.length - size);
    yield [`${prefix}/f${i++}.txt`, pool.subarray(off, off + size)];
    n += size;
  }
}

function* randomFiles(prefix, total) {
  let n = 0;
  let i = 0;
  while (n < total) {
    const size = Math.min(total - n, 4 * MB + randomInt(4 * MB));
    yield [`${prefix}/r${i++}.bin`, randomBytes(size)];
    n += size;
  }
}

function writeJson(doc) {
  const b = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash('sha256').update(b).digest('hex')}`;
  fs.writeFileSync(path.join(blobs, digest.slice(7)), b);
  return { digest, size: b.length };
}

async function makeImage(tag, layers) {
  const done = [];
  for (const l of layers) done.push(await writeLayer(l));
  const cfg = writeJson({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'], Labels: { bench: tag } },
    rootfs: { type: 'layers', diff_ids: done.map((l) => l.diffID) },
    history: done.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'berth bench' })),
  });
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: done.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  };
  const m = writeJson(manifest);
  const compressed = done.reduce((a, l) => a + l.size, 0);
  const uncompressed = done.reduce((a, l) => a + l.tarSize, 0);
  console.error(
    `${tag}: ${layers.length} layers, ${(uncompressed / MB).toFixed(0)} MB uncompressed, ${(compressed / MB).toFixed(0)} MB compressed`,
  );
  console.log(`${tag} ${m.digest} ${cfg.digest} ${compressed}`);
  return { mediaType: manifest.mediaType, ...m, annotations: { 'org.opencontainers.image.ref.name': tag } };
}

const text = await makeImage('text', [
  textFiles('usr/share/a', 100 * MB),
  textFiles('usr/share/b', 100 * MB),
  textFiles('opt/c', 100 * MB),
]);
const rand = await makeImage('random', [
  randomFiles('data/a', 67 * MB),
  randomFiles('data/b', 67 * MB),
  randomFiles('data/c', 68 * MB),
  randomFiles('data/d', 68 * MB),
]);
fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [text, rand] }));
