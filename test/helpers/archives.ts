/**
 * Builders for docker-archives (the `docker save` / `podman save` format), good and malicious,
 * for the load/save tests and the benchmark. Everything is deterministic unless a random
 * layer is asked for, so digests can be asserted.
 *
 *   const img = makeImage({ repoTags: ['example.com/a:1'], layers: [makeTar({ 'a.txt': 'a' })] });
 *   const tar = dockerArchive([img]);                       // a good archive
 *   const bad = dockerArchive([img], { mutate: (m) => { m[0].Layers = ['../x']; } });
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Store, storeInternals } from '../../src/store/store.js';
import assert from 'node:assert/strict';
import { makeTar, run, type RunOptions, type RunResult } from './tools.js';

export { makeTar };

export function sha256(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

export function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

// ---------------------------------------------------------------------------------------------
// Generic tar writing (regular files, directories, symlinks, hardlinks).

export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch (default 0). */
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** PAX records written in an extended header before the entry (e.g. `SCHILY.xattr.user.x`). */
  pax?: Record<string, string | Buffer>;
}

const TYPEFLAG = { file: '0', dir: '5', symlink: '2', hardlink: '1', char: '3', block: '4', fifo: '6' } as const;

/** The body of a PAX extended header holding `records`. */
function paxBody(records: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const rest = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    parts.push(Buffer.from(String(len)), rest);
  }
  return Buffer.concat(parts);
}

/** One ustar header block (names up to 100 bytes, or prefix/name split up to 255). */
export function tarHeaderBlock(e: TarEntrySpec, size: number, typeflag?: string): Buffer {
  const h = Buffer.alloc(512);
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tarHeaderBlock: name too long: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const type = e.type ?? 'file';
  h.write(name, 0, 100, 'utf8');
  h.write((e.mode ?? (type === 'dir' ? 0o755 : 0o644)).toString(8).padStart(7, '0') + '\0', 100, 8, 'ascii');
  h.write((e.uid ?? 0).toString(8).padStart(7, '0') + '\0', 108, 8, 'ascii');
  h.write((e.gid ?? 0).toString(8).padStart(7, '0') + '\0', 116, 8, 'ascii');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'ascii');
  h.write((e.mtime ?? 0).toString(8).padStart(11, '0') + '\0', 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(typeflag ?? TYPEFLAG[type], 156, 1, 'ascii');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write((e.devmajor ?? 0).toString(8).padStart(7, '0') + '\0', 329, 8, 'ascii');
  h.write((e.devminor ?? 0).toString(8).padStart(7, '0') + '\0', 337, 8, 'ascii');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function padTo512(n: number): Buffer {
  const r = n % 512;
  return r === 0 ? Buffer.alloc(0) : Buffer.alloc(512 - r);
}

/** A tar archive of the given entries, with the two zero blocks at the end unless `endMarker: false`. */
export function tarBuffer(entries: TarEntrySpec[], opts: { endMarker?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body =
      e.type === 'file' || e.type === undefined
        ? typeof e.data === 'string'
          ? Buffer.from(e.data)
          : (e.data ?? Buffer.alloc(0))
        : Buffer.alloc(0);
    if (e.pax) {
      const pax = paxBody(e.pax);
      parts.push(tarHeaderBlock({ name: 'PaxHeader' }, pax.length, 'x'), pax, padTo512(pax.length));
    }
    parts.push(tarHeaderBlock(e, body.length), body, padTo512(body.length));
  }
  if (opts.endMarker !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Images and docker-archives.

export interface BuiltImage {
  /** Image ID: the config digest's hex. */
  id: string;
  configDigest: string;
  config: Buffer;
  /** Uncompressed layer tars, bottom first. */
  layers: Buffer[];
  diffIDs: string[];
  repoTags: string[] | null;
}

export interface ImageSpec {
  repoTags?: string[] | null;
  /** Uncompressed layer tars (default: one small layer whose content depends on `seed`). */
  layers?: Buffer[];
  /** Makes the default layer (and so the image ID) unique. */
  seed?: string;
  /** Merged over the generated config object (e.g. `{ rootfs: ... }` to lie about diff_ids). */
  config?: Record<string, unknown>;
  /** Use these exact config bytes. */
  configBytes?: Buffer;
}

/** A deterministic image: config with the layers' diff_ids, architecture amd64, os linux. */
export function makeImage(spec: ImageSpec = {}): BuiltImage {
  const layers = spec.layers ?? [makeTar({ [`${spec.seed ?? 'hello'}.txt`]: `content of ${spec.seed ?? 'hello'}\n` })];
  const diffIDs = layers.map((l) => sha256(l));
  const cfgObj = {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `berth test layer ${i}` })),
    ...(spec.config ?? {}),
  };
  const config = spec.configBytes ?? Buffer.from(JSON.stringify(cfgObj));
  const configDigest = sha256(config);
  return { id: hexOf(configDigest), configDigest, config, layers, diffIDs, repoTags: spec.repoTags === undefined ? [] : spec.repoTags };
}

export interface ManifestItem {
  Config: unknown;
  RepoTags: unknown;
  Layers: unknown;
  [k: string]: unknown;
}

export interface ArchiveOptions {
  /** Edit manifest.json's items before it is serialized. */
  mutate?: (items: ManifestItem[]) => void;
  /** Use this manifest.json text verbatim (after `mutate` would have run). */
  manifestText?: string | Buffer;
  /** Leave manifest.json out. */
  noManifest?: boolean;
  /** Extra members, appended before manifest.json. */
  extra?: TarEntrySpec[];
  /** Members (by name) to leave out of the archive. */
  omit?: string[];
  /** Store layer members gzip-compressed (as some tools do). */
  gzipLayers?: boolean;
  /** Layout of layer members: "flat" (podman/berth: <hex>.tar) or "legacy" (docker: <hex>/layer.tar). */
  layout?: 'flat' | 'legacy';
}

/** A docker-archive holding `images`, members in podman's order: layers, config, manifest.json. */
export function dockerArchive(images: BuiltImage[], opts: ArchiveOptions = {}): Buffer {
  const entries: TarEntrySpec[] = [];
  const seen = new Set<string>();
  const add = (e: TarEntrySpec) => {
    if (seen.has(e.name) || opts.omit?.includes(e.name)) return;
    seen.add(e.name);
    entries.push(e);
  };
  const items: ManifestItem[] = images.map((img) => {
    const layerNames = img.layers.map((l, i) => {
      const data = opts.gzipLayers ? gzipSync(l) : l;
      const hex = hexOf(opts.gzipLayers ? sha256(data) : img.diffIDs[i]!);
      const name = opts.layout === 'legacy' ? `${hex}/layer.tar` : `${hex}.tar`;
      add({ name, data });
      return name;
    });
    const cfgName = `${img.id}.json`;
    add({ name: cfgName, data: img.config });
    return { Config: cfgName, RepoTags: img.repoTags, Layers: layerNames };
  });
  opts.mutate?.(items);
  for (const e of opts.extra ?? []) add(e);
  if (!opts.noManifest) add({ name: 'manifest.json', data: opts.manifestText ?? JSON.stringify(items) });
  return tarBuffer(entries);
}

// ---------------------------------------------------------------------------------------------
// Big archives, written as a stream (never held in memory).

export interface BigArchive {
  path: string;
  id: string;
  configDigest: string;
  diffIDs: string[];
  size: number;
}

/**
 * Write a docker-archive with one image whose layers each hold one file of `layerBytes[i]`
 * bytes. `content: 'random'` is incompressible; `'text'` is compressible, realistic-looking
 * text (lines of words) for benchmarks that should not be dominated by random data.
 */
export async function writeBigDockerArchive(
  path: string,
  opts: { layerBytes: number[]; repoTag?: string; content?: 'random' | 'text' },
): Promise<BigArchive> {
  const fd = await fsp.open(path, 'w');
  let pos = 0;
  const write = async (b: Buffer) => {
    await fd.write(b, 0, b.length, pos);
    pos += b.length;
  };
  const diffIDs: string[] = [];
  try {
    const members: string[] = [];
    for (let i = 0; i < opts.layerBytes.length; i++) {
      const fileBytes = opts.layerBytes[i]!;
      // the layer tar: one header + data + padding + end marker
      const fileHeader = tarHeaderBlock({ name: `data/blob-${i}.bin` }, fileBytes);
      const layerSize = 512 + fileBytes + padTo512(fileBytes).length + 1024;
      const hash = createHash('sha256');
      const name = `layer-${i}.tar`; // renamed in manifest.json: members need not be named by digest
      await write(tarHeaderBlock({ name }, layerSize));
      hash.update(fileHeader);
      await write(fileHeader);
      let left = fileBytes;
      const chunkSize = 4 << 20;
      const textChunk = opts.content === 'text' ? textBlock(chunkSize, i) : undefined;
      while (left > 0) {
        const n = Math.min(chunkSize, left);
        const chunk = textChunk ? textChunk.subarray(0, n) : randomBytes(n);
        hash.update(chunk);
        await write(chunk);
        left -= n;
      }
      const tail = Buffer.concat([padTo512(fileBytes), Buffer.alloc(1024)]);
      hash.update(tail);
      await write(tail);
      await write(padTo512(layerSize));
      diffIDs.push('sha256:' + hash.digest('hex'));
      members.push(name);
    }
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: { Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: diffIDs },
        history: diffIDs.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `big layer ${i}` })),
      }),
    );
    const configDigest = sha256(config);
    const cfgName = `${hexOf(configDigest)}.json`;
    await write(tarHeaderBlock({ name: cfgName }, config.length));
    await write(config);
    await write(padTo512(config.length));
    const manifest = Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: opts.repoTag ? [opts.repoTag] : null, Layers: members }]));
    await write(tarHeaderBlock({ name: 'manifest.json' }, manifest.length));
    await write(manifest);
    await write(padTo512(manifest.length));
    await write(Buffer.alloc(1024));
    return { path, id: hexOf(configDigest), configDigest, diffIDs, size: pos };
  } finally {
    await fd.close();
  }
}

/** Deterministic compressible text: varied lines of words. */
function textBlock(size: number, seed: number): Buffer {
  const words = [
    'container',
    'image',
    'layer',
    'digest',
    'manifest',
    'config',
    'registry',
    'berth',
    'podman',
    'skopeo',
    'lib',
    'usr',
    'bin',
    'share',
    'locale',
    'include',
    'python3',
    'site-packages',
    '__init__',
    'return',
    'import',
    'def',
  ];
  const out = Buffer.alloc(size);
  let x = 2463534242 + seed;
  let off = 0;
  while (off < size) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const w = words[x % words.length]!;
    const s = (x % 7 === 0 ? '\n' : ' ') + w + (x % 11 === 0 ? String(x % 1000) : '');
    off += out.write(s, off, 'ascii');
  }
  return out;
}

/** Sorted names of the files in a directory (empty when it does not exist). */
export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Running berth and looking at its store.

/** The `berth` executable (dist/cli/berth.cjs), next to this compiled helper (dist/test/helpers). */
export const BERTH_MAIN = fileURLToPath(new URL('../../cli/berth.cjs', import.meta.url));

/** Run `node dist/cli/berth.cjs --root ROOT args...`. */
export function berth(root: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [BERTH_MAIN, '--root', root, ...args], opts);
}

/** Spawn berth without waiting (for kill and concurrency tests); stdin from `stdinFile` if given. */
export function spawnBerth(root: string, args: string[], opts: { stdinFile?: string; env?: Record<string, string> } = {}): ChildProcess {
  const stdin = opts.stdinFile ? fs.openSync(opts.stdinFile, 'r') : 'ignore';
  try {
    return spawn(process.execPath, [BERTH_MAIN, '--root', root, ...args], {
      stdio: [stdin, 'pipe', 'pipe'],
      env: { ...process.env, ...(opts.env ?? {}) },
    });
  } finally {
    if (typeof stdin === 'number') fs.closeSync(stdin);
  }
}

export interface StoreSnapshot {
  blobs: string[];
  tmp: string[];
  images: unknown[];
  leases: number;
  check: { code: number | null; stdout: string; stderr: string };
}

/**
 * Everything a failed command must leave unchanged: the sorted blob list, the temp dir, the
 * index's image list (through the library), open leases, and `berth system check`'s output.
 */
export async function storeSnapshot(root: string): Promise<StoreSnapshot> {
  const blobs: string[] = [];
  for (const alg of listDir(path.join(root, 'blobs')))
    for (const hex of listDir(path.join(root, 'blobs', alg))) blobs.push(`${alg}:${hex}`);
  const store = Store.open({ root, access: 'read' }); // it may be full: reading never takes its reserve
  let images: unknown[];
  let leases: number;
  try {
    images = store.listImages().sort((a, b) => a.id.localeCompare(b.id));
    leases = (storeInternals(store).index.db.prepare('SELECT count(*) AS n FROM leases').get() as { n: number }).n;
  } finally {
    store.close();
  }
  const c = await berth(root, ['system', 'check']);
  return {
    blobs: blobs.sort(),
    tmp: listDir(path.join(root, 'tmp')),
    images,
    leases,
    check: { code: c.code, stdout: c.stdout, stderr: c.stderr },
  };
}

/** Image IDs and names in a store, through the library: [{ id, names }] sorted by id. */
export function storeImages(root: string): { id: string; names: string[] }[] {
  const store = Store.open({ root });
  try {
    return store
      .listImages()
      .map((i) => ({ id: i.id, names: [...i.names].sort() }))
      .sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    store.close();
  }
}

/** Blob digests referenced by images in the store (library view). */
export function referencedBlobs(root: string): string[] {
  const store = Store.open({ root });
  try {
    return [...storeInternals(store).index.referencedBlobs()].sort();
  } finally {
    store.close();
  }
}

/** Blob digests present on disk. */
export function blobsOnDisk(root: string): string[] {
  const out: string[] = [];
  for (const alg of listDir(path.join(root, 'blobs'))) for (const hex of listDir(path.join(root, 'blobs', alg))) out.push(`${alg}:${hex}`);
  return out.sort();
}

const PAYLOAD = 'Error: payload does not match any of the supported image formats:';

/** The progress lines containers/image prints without a terminal before a copy fails (podman prints them too). */
const PROGRESS_LINE =
  /^(Getting image (source|list) signatures|Copying (blob|config) sha256:[0-9a-f]{64}|Writing manifest (list )?to image destination|Storing (list )?signatures)$/;

/**
 * Assert the one-line error contract and return the message. A payload that is no archive at
 * all gets podman's words: that line, then one " * FORMAT: reason" line per format (joined here).
 * Progress lines of the copy that failed may come first, as podman's do; the error is one line.
 */
export function assertOneLineError(r: RunResult, mentions: string, pattern: RegExp): string {
  assert.notEqual(r.code, 0, `expected failure, got exit 0; stdout: ${r.stdout}`);
  assert.equal(r.signal, null);
  let lines = r.stderr.split('\n').filter((l) => l !== '');
  const firstOther = lines.findIndex((l) => !PROGRESS_LINE.test(l));
  if (firstOther > 0) lines = lines.slice(firstOther);
  if (lines[0] === PAYLOAD) {
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(':')[0]),
      [' * oci-archive', ' * docker-archive'],
      r.stderr,
    );
    lines = [lines.join('')];
  }
  assert.equal(lines.length, 1, `stderr must be exactly one line, got:\n${r.stderr}`);
  const line = lines[0]!;
  assert.match(line, /^Error: /);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(line, /internal error/i);
  assert.ok(line.includes(mentions), `error should name ${mentions}: ${line}`);
  assert.match(line, pattern);
  return line;
}
