import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { log } from '../log.js';
import type { Digest } from '../digest/digest.js';
import { HashSink } from '../digest/verifier.js';
import { Coalesce, GROUP_BYTES } from '../util/streams.js';
import { createDecompressor, programFailure, type Algorithm } from './compression.js';
import { findInPath, gzipArgs, gzipCodec } from './gzip-codec.js';

/**
 * The sha256 digest and size of what a compressed stream decompresses to (a layer's diffID),
 * computed while the compressed bytes stream by.
 *
 * When gzip is decompressed by a program (igzip, pigz) and `openssl` and `dd` are installed,
 * the decompressed bytes never enter this process: `igzip -dc | dd | openssl dgst -sha256`
 * run as one chain of processes, on another core (dd counts the bytes, openssl hashes), and
 * this thread, which also moves the compressed bytes, neither reads nor hashes the (2-4x
 * larger) decompressed stream nor allocates buffers for it. Otherwise the stream is
 * decompressed and hashed here. Either way the caller compares the result with the diffID the
 * image config names, so a program that misbehaves cannot make wrong content pass.
 */
export interface ContentDigest {
  /** Write the compressed bytes here and end it; 'drain' and 'close' pace the writer. */
  readonly input: Writable;
  /** Digest and size (-1 when not counted: `count: false`) of the decompressed content; rejects when a step failed. */
  readonly done: Promise<{ digest: Digest; bytes: number }>;
  /** Stop early: kills the programs. */
  destroy(): void;
}

export interface ContentDigestOptions {
  /** Output chunk size of an in-process decompressor (bytes). */
  chunkSize?: number;
  /**
   * Whether the size is needed (default true). Without it the programs' chain has no `dd`
   * (the decompressed bytes cross one pipe fewer) and `bytes` may be -1: for a check against a
   * known digest, where a match implies the size.
   */
  count?: boolean;
}

export function decompressedDigest(alg: Algorithm, opts: ContentDigestOptions = {}): ContentDigest {
  const chain = alg === 'gzip' ? externalChain(opts.count !== false) : undefined;
  if (chain) return new ProgramChain(chain);
  const dec = createDecompressor(alg, { chunkSize: opts.chunkSize });
  // network-sized chunks regrouped: a zlib stream does one thread-pool round trip per write
  const input = new Coalesce(GROUP_BYTES);
  const sink = new HashSink();
  const done = pipeline(input, dec, sink).then(() => ({ digest: sink.digest, bytes: sink.bytes }));
  done.catch(() => {
    /* the caller awaits it */
  });
  return { input, done, destroy: () => input.destroy() };
}

interface Chain {
  decompress: { path: string; args: string[] };
  /** Counts the bytes; left out when the size is not needed. */
  dd?: string;
  openssl: string;
}

const chains = new Map<string, Chain | undefined>();

/**
 * The programs of the chain, when all are present (looked up once per PATH and BERTH_GZIP).
 * `dd` is looked up (and probed, a synchronous run) only for a chain that counts: a check
 * against a known digest needs none.
 */
function externalChain(count: boolean): Chain | undefined {
  const key = `${count ? 'n' : '-'}\0${process.env.BERTH_GZIP ?? ''}\0${process.env.PATH ?? ''}`;
  if (chains.has(key)) return chains.get(key);
  const codec = gzipCodec('decompress');
  const openssl = codec.path && findInPath('openssl');
  const dd = codec.path && openssl && count ? countingDd() : undefined;
  const chain =
    codec.path && openssl && (dd || !count)
      ? { decompress: { path: codec.path, args: gzipArgs(codec, 'decompress', 0, 1) }, ...(dd ? { dd } : {}), openssl }
      : undefined;
  chains.set(key, chain);
  log.debug(
    () =>
      `gzip ${count ? 'diffID' : 'check'}: ${chain ? [chain.decompress.path, chain.dd, `${chain.openssl} dgst -sha256`].filter(Boolean).join(' | ') : 'hashed in process'}`,
  );
  return chain;
}

/** A `dd` that reports the bytes it copied the way ProgramChain reads it (GNU, busybox). */
function countingDd(): string | undefined {
  const dd = findInPath('dd');
  if (!dd) return undefined;
  const r = spawnSync(dd, ['bs=1M'], { input: 'abc', env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && r.stdout === 'abc' && /^3 bytes/m.test(r.stderr) ? dd : undefined;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

function ran(child: ChildProcess, name: string): Promise<Ran> {
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    if (stdout.length < 2000) stdout += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new BerthError('UNSUPPORTED', `cannot run ${name}: ${e.message}`, { hint: `install ${name}` })));
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
}

class ProgramChain implements ContentDigest {
  readonly input: Writable;
  readonly done: Promise<{ digest: Digest; bytes: number }>;
  private readonly children: ChildProcess[];

  constructor(c: Chain) {
    const name = basename(c.decompress.path);
    const dec = spawn(c.decompress.path, c.decompress.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const dd = c.dd ? spawn(c.dd, ['bs=1M'], { stdio: [dec.stdout, 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } }) : undefined;
    const hash = spawn(c.openssl, ['dgst', '-sha256', '-r'], { stdio: [(dd ?? dec).stdout, 'pipe', 'pipe'] });
    // the programs hold the pipes between them now: without our copies, each sees its
    // neighbour's end (EOF, EPIPE) when that one exits
    dec.stdout.destroy();
    dd?.stdout?.destroy();
    this.children = dd ? [dec, dd, hash] : [dec, hash];
    this.input = dec.stdin;
    // EPIPE when the decompressor stopped reading: its exit status tells why
    dec.stdin.on('error', () => {});
    const counted = dd ? ran(dd, 'dd') : undefined;
    this.done = Promise.all([ran(dec, name), counted, ran(hash, 'openssl')]).then(([d, n, h]) => {
      if (d.code !== 0) throw programFailure(name, 'gzip', 'decompress', d.code, d.signal, d.stderr);
      for (const [r, what] of [
        [n, 'dd'],
        [h, 'openssl'],
      ] as const) {
        if (!r) continue;
        if (r.code !== 0) {
          const said = r.stderr.trim().split('\n')[0]?.trim();
          const why = said
            ? said.startsWith(`${what}:`)
              ? said
              : `${what}: ${said}`
            : r.code !== null
              ? `${what} exited with status ${r.code}`
              : `${what} was killed by ${r.signal}`;
          throw new BerthError('IO', `hashing decompressed gzip data failed: ${why}`);
        }
      }
      const hex = /^([0-9a-f]{64})\b/.exec(h.stdout)?.[1];
      const bytes = n ? /^(\d+) bytes/m.exec(n.stderr)?.[1] : '-1';
      if (!hex || bytes === undefined)
        throw new BerthError('IO', `hashing decompressed gzip data: unexpected output from ${hex ? 'dd' : 'openssl'}`);
      return { digest: `sha256:${hex}` as Digest, bytes: Number(bytes) };
    });
    this.done.catch(() => {
      this.destroy();
    });
  }

  destroy(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill();
  }
}
