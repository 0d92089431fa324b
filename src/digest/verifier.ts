import { createHash, type Hash } from 'node:crypto';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { BerthError } from '../errors.js';
import { type Digest, digestAlgorithm } from './digest.js';

export interface VerifyExpectation {
  /** Expected digest; when absent the digest is only computed. */
  digest?: Digest;
  /** Expected exact size; when absent only `maxSize` limits. */
  size?: number;
  /** Hard cap on bytes (defaults to size when known). */
  maxSize?: number;
  /** Names the input in errors, e.g. "layer sha256:ab12… from docker-archive:x.tar". */
  what: string;
  /** Called with the running byte count (for progress); must not throw. */
  onBytes?: (bytes: number) => void;
}

/**
 * Pass-through stream that hashes and counts bytes, failing the stream as soon as the
 * size limit is crossed and at EOF when the size or digest differ. Consumers must treat
 * content as trusted only after 'finish'/'end' without error.
 */
export class DigestVerifier extends Transform {
  private hash: Hash;
  private count = 0;
  private result?: Digest;
  readonly algorithm: string;

  constructor(private readonly expect: VerifyExpectation) {
    super();
    this.algorithm = expect.digest ? digestAlgorithm(expect.digest) : 'sha256';
    this.hash = createHash(this.algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    const limit = this.expect.size ?? this.expect.maxSize;
    if (limit !== undefined && this.count > limit) {
      cb(
        new BerthError(
          this.expect.size !== undefined ? 'SIZE_MISMATCH' : 'TOO_LARGE',
          `${this.expect.what}: more than the expected ${limit} bytes`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    this.expect.onBytes?.(this.count);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.expect.size !== undefined && this.count !== this.expect.size) {
      cb(new BerthError('SIZE_MISMATCH', `${this.expect.what}: got ${this.count} bytes, expected ${this.expect.size} (truncated input?)`));
      return;
    }
    const got = `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
    this.result = got;
    if (this.expect.digest && got !== this.expect.digest) {
      cb(new BerthError('DIGEST_MISMATCH', `${this.expect.what}: content digest ${got} does not match expected ${this.expect.digest}`));
      return;
    }
    cb();
  }

  /** Digest of everything that passed; only valid after the stream ended. */
  get digest(): Digest {
    if (!this.result) throw new BerthError('INTERNAL', `digest of ${this.expect.what} read before end of stream`);
    return this.result;
  }
  get bytes(): number {
    return this.count;
  }
  /** What this verifier enforces (lets a consumer that would verify the same skip re-hashing). */
  get expectedDigest(): Digest | undefined {
    return this.expect.digest;
  }
  get expectedSize(): number | undefined {
    return this.expect.size;
  }
}

/** A sink that only hashes (for computing diffIDs of a decompressed side-stream). */
export class HashSink extends Writable {
  private hash = createHash('sha256');
  private n = 0;
  private result?: Digest;
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.hash.update(chunk);
    this.n += chunk.length;
    cb();
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.result = `sha256:${this.hash.digest('hex')}` as Digest;
    cb();
  }
  get digest(): Digest {
    if (!this.result) throw new BerthError('INTERNAL', 'hash read before end of stream');
    return this.result;
  }
  get bytes(): number {
    return this.n;
  }
}
