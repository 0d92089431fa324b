import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { openTarInput, readMember, memberStream, type TarFile } from '../../util/archive-input.js';
import { TarMembers, cleanMemberName, indexTarFile, type TarEntry } from '../../util/tar.js';
import type { LayoutFiles } from '../oci/layout-files.js';

/**
 * The files of an OCI layout served straight out of a tar by offset (no extraction).
 * Compressed archives and streams are spooled to a temporary tar first (openTarInput).
 * Member lookups go through TarMembers.resolve: no absolute paths, no "..", at most one
 * symlink hop that stays inside, regular files only.
 */
export class TarLayoutFiles implements LayoutFiles {
  private readonly names: Set<string>;

  private constructor(
    private readonly tar: TarFile,
    private readonly members: TarMembers,
    readonly what: string,
  ) {
    this.names = new Set(members.entries.map((e) => e.name));
  }

  static async open(input: string | Readable, what: string): Promise<TarLayoutFiles> {
    const tar = await openTarInput(input, what);
    try {
      const entries = indexTarFile(tar.path, what);
      return new TarLayoutFiles(tar, new TarMembers(entries, what), what);
    } catch (e) {
      await tar.cleanup();
      throw e;
    }
  }

  private lookup(rel: string, role: string): TarEntry | undefined {
    if (!this.names.has(cleanMemberName(rel))) return undefined;
    return this.members.resolve(rel, role);
  }

  async readFile(rel: string, max: number, role: string): Promise<Buffer | undefined> {
    const e = this.lookup(rel, role);
    if (!e) return undefined;
    if (e.size > max) throw new BerthError('TOO_LARGE', `${this.what}: ${role} ${rel} is ${e.size} bytes, over the ${max}-byte limit`);
    return readMember(this.tar.path, e.offset, e.size);
  }

  async openFile(rel: string, role: string, offset = 0): Promise<{ stream: Readable; size: number } | undefined> {
    const e = this.lookup(rel, role);
    if (!e) return undefined;
    const off = Math.min(offset, e.size);
    return { stream: memberStream(this.tar.path, e.offset + off, e.size - off), size: e.size };
  }

  async close(): Promise<void> {
    await this.tar.cleanup();
  }
}
