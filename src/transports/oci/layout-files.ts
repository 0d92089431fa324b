import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { errnoCode, handleStream, openInside, readHandle } from './fs-util.js';

/**
 * Read access to the files of an OCI layout, wherever they live (a directory, a tar file).
 * Paths are layout-relative ("index.json", "blobs/sha256/<hex>"). Implementations refuse
 * entries that escape the layout and anything that is not a regular file.
 */
export interface LayoutFiles {
  /** Names the layout in messages, e.g. "oci:/tmp/img" (never contains credentials). */
  readonly what: string;
  /** A whole small file; undefined when it does not exist. */
  readFile(rel: string, max: number, role: string): Promise<Buffer | undefined>;
  /** A file as a stream from `offset`; undefined when it does not exist. `size` is the whole file's. */
  openFile(rel: string, role: string, offset?: number): Promise<{ stream: Readable; size: number } | undefined>;
  close(): Promise<void>;
}

/** An OCI layout directory on disk. */
export class DirLayoutFiles implements LayoutFiles {
  private constructor(
    readonly root: string,
    private readonly rootReal: string,
    readonly what: string,
  ) {}

  static async open(root: string, what: string): Promise<DirLayoutFiles> {
    let real: string;
    try {
      real = await fsp.realpath(root);
      if (!(await fsp.stat(real)).isDirectory()) throw new BerthError('INVALID_ARGUMENT', `cannot open ${what}: not a directory`);
    } catch (e) {
      if (e instanceof BerthError) throw e;
      if (errnoCode(e) === 'ENOENT') throw new BerthError('INVALID_ARGUMENT', `cannot open ${what}: no such directory`);
      throw new BerthError('IO', `cannot open ${what}: ${(e as Error).message}`, { cause: e });
    }
    return new DirLayoutFiles(root, real, what);
  }

  async readFile(rel: string, max: number, role: string): Promise<Buffer | undefined> {
    const h = await openInside(this.root, this.rootReal, rel, this.what, role);
    return h && readHandle(h, max, `${this.what}: ${role} ${rel}`);
  }

  async openFile(rel: string, role: string, offset = 0): Promise<{ stream: Readable; size: number } | undefined> {
    const h = await openInside(this.root, this.rootReal, rel, this.what, role);
    if (!h) return undefined;
    return { stream: handleStream(h, Math.min(offset, h.size)), size: h.size };
  }

  async close(): Promise<void> {}
}
