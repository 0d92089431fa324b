import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback, type TransformOptions } from 'node:stream';
import { autoDecompress } from '../compression/compression.js';
import type { Digest } from '../digest/digest.js';
import { BerthError, subjectError } from '../errors.js';
import { readTarStream } from '../util/tar-stream.js';
import { storeFsError } from '../store/store-errors.js';
import { TreeWriter, type LayerMeta } from './tree-writer.js';

export interface UnpackOptions {
  /**
   * `apply` (default): the layer goes on top of what `dir` holds (whiteouts remove from it).
   * `record`: `dir` is the layer's own (empty) directory; whiteouts and links into lower
   * layers are returned in the LayerMeta for prepareRootfs.
   */
  whiteouts?: 'apply' | 'record';
  /** The uncompressed tar's digest: verified while unpacking (DIGEST_MISMATCH at the end). */
  diffID?: Digest;
  /** Names the layer in errors (default: "layer"). */
  what?: string;
  /** Whether ownership and devices can be written; default: running as root. */
  privileged?: boolean;
  signal?: AbortSignal;
}

export interface UnpackResult {
  meta: LayerMeta;
  /** Members read. */
  entries: number;
  /** Bytes of the uncompressed tar. */
  size: number;
}

/** A file system failure while writing the tree as a one-line error (a full disk is STORE_FULL). */
function unpackError(e: unknown, what: string, dir: string): unknown {
  if (e instanceof BerthError || !(e instanceof Error) || typeof (e as NodeJS.ErrnoException).code !== 'string') return e;
  const err = e as NodeJS.ErrnoException;
  if (['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES'].includes(err.code!)) return storeFsError(e, err.path ?? dir, true, 'cannot write');
  return new BerthError('IO', `${what}: ${err.message}`, { cause: e });
}

/** Hashes the uncompressed bytes flowing through. */
class Hasher extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  constructor(
    opts: TransformOptions,
    private readonly hashing: boolean,
  ) {
    super(opts);
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.hashing) this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

/**
 * Unpack one layer (gzip, zstd or plain tar, sniffed) into `dir`, streaming: entries are
 * written as they arrive and nothing is buffered. All paths stay inside `dir` (see
 * TreeWriter). The caller owns `dir`: on failure it holds a partial tree, which the caller
 * removes (the layer cache unpacks into a temporary directory for that reason).
 */
export async function unpackLayer(stream: Readable, dir: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const what = opts.what ?? 'layer';
  const { algorithm, stream: plain } = await autoDecompress(stream);
  if (algorithm === 'xz' || algorithm === 'bzip2') {
    stream.destroy();
    throw subjectError('UNSUPPORTED', what, `${algorithm} compressed layers are not supported`);
  }
  const hasher = new Hasher({ highWaterMark: 1 << 20 }, opts.diffID !== undefined);
  plain.on('error', (e) => hasher.destroy(e));
  plain.pipe(hasher);
  const onAbort = () => hasher.destroy(new BerthError('ABORTED', 'operation cancelled'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const w = new TreeWriter(dir, { whiteouts: opts.whiteouts ?? 'apply', what, privileged: opts.privileged });
  try {
    for await (const e of readTarStream(hasher, what)) {
      await w.add(e, e.kind === 'file' ? e.data() : undefined);
    }
  } catch (e) {
    hasher.destroy();
    plain.destroy();
    stream.destroy();
    throw unpackError(e, what, dir);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const got = opts.diffID && (`sha256:${hasher.hash.digest('hex')}` as Digest);
  if (opts.diffID && got !== opts.diffID)
    throw subjectError('DIGEST_MISMATCH', what, `uncompressed content has digest ${got}, expected ${opts.diffID}`);
  return { meta: w.finish(), entries: w.entries, size: hasher.size };
}
