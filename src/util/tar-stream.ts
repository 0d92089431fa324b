import { subjectError } from '../errors.js';
import { decodeTarHeader, parsePaxRecords, tarChecksumOk, type RawTarHeader } from './tar.js';

/** What a tar member is. 'other' covers types a reader may skip (sockets, GNU sparse, ...). */
export type TarKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

/**
 * One member of a tar stream, PAX and GNU long names/links applied: `name` as stored (not
 * cleaned), `mode` the permission bits with setuid/setgid/sticky, `mtime` in seconds (PAX
 * keeps its fraction), `size` the data size (0 for links, directories and devices).
 */
export interface TarStreamEntry extends RawTarHeader {
  kind: TarKind;
  /** Extended attributes from PAX `SCHILY.xattr.NAME` (raw bytes) and `LIBARCHIVE.xattr.NAME` (base64). */
  xattrs: Map<string, Buffer>;
  /**
   * The member's data as chunks (views into the input's buffers: copy what you keep). Read it
   * before asking for the next entry; data not read is skipped.
   */
  data(): AsyncGenerator<Buffer>;
}

const KINDS: Record<string, TarKind> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'dir',
  '2': 'symlink',
  '1': 'hardlink',
  '3': 'char',
  '4': 'block',
  '6': 'fifo',
};

/** Largest PAX or GNU long-name member read into memory. */
const MAX_META = 1 << 20;

/** Reads exact byte counts from an async iterable of chunks without copying where it can. */
class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;
  constructor(
    src: AsyncIterable<Buffer>,
    private readonly what: string,
  ) {
    this.it = src[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.buf.length === 0) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      this.buf = r.value;
    }
    return true;
  }

  /** Exactly n bytes; undefined at a clean end of input before any byte; INVALID_ARCHIVE when cut short. */
  async exact(n: number): Promise<Buffer | undefined> {
    if (this.buf.length >= n) {
      const b = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      return b;
    }
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n && (await this.fill())) {
      const take = Math.min(n - have, this.buf.length);
      parts.push(this.buf.subarray(0, take));
      this.buf = this.buf.subarray(take);
      have += take;
    }
    if (have === 0) return undefined;
    if (have < n) throw truncated(this.what);
    return Buffer.concat(parts, n);
  }

  /** Up to n bytes as chunks (views); INVALID_ARCHIVE when the input ends first. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw truncated(this.what);
      const take = Math.min(left, this.buf.length);
      const b = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      yield b;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.take(n)) {
      /* discard */
    }
  }

  /** Read the rest of the input (so upstream verifiers and decompressors finish). */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
    }
  }

  /** Stop reading early (the input is closed). */
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

function truncated(what: string) {
  return subjectError('INVALID_ARCHIVE', what, 'unexpected end of tar data (the layer is truncated)');
}

const pad = (n: number) => (512 - (n % 512)) % 512;

/**
 * Read a tar stream member by member, never holding more than one chunk of file data (plus
 * PAX/long-name records of at most 1 MiB). The input is read to its end, so digest verifiers
 * and decompressors upstream see all of it; bad headers fail with INVALID_ARCHIVE naming `what`.
 */
export async function* readTarStream(src: AsyncIterable<Buffer>, what: string): AsyncGenerator<TarStreamEntry> {
  const r = new ChunkReader(src, what);
  let ok = false;
  try {
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax = new Map<string, Buffer>();
    for (;;) {
      const hdr = await r.exact(512);
      if (!hdr || hdr.every((b) => b === 0)) break;
      if (!tarChecksumOk(hdr)) throw subjectError('INVALID_ARCHIVE', what, 'invalid tar header (not a tar archive, or corrupt)');
      const raw = decodeTarHeader(hdr);
      if (!Number.isSafeInteger(raw.size) || raw.size < 0) throw subjectError('INVALID_ARCHIVE', what, 'invalid size in a tar header');
      const t = raw.typeflag;
      if (t === 'L' || t === 'K' || t === 'x' || t === 'g') {
        if (raw.size > MAX_META)
          throw subjectError('INVALID_ARCHIVE', what, `oversized tar ${t === 'x' || t === 'g' ? 'pax' : 'long name'} header`);
        const body = raw.size > 0 ? Buffer.from((await r.exact(raw.size)) ?? []) : Buffer.alloc(0);
        if (body.length !== raw.size) throw truncated(what);
        await r.skip(pad(raw.size));
        if (t === 'L') longName = body.toString('utf8').replace(/\0+$/, '');
        else if (t === 'K') longLink = body.toString('utf8').replace(/\0+$/, '');
        else if (t === 'x') pax = parsePaxRecords(body);
        continue;
      }
      const str = (k: string) => pax.get(k)?.toString('utf8');
      const num = (k: string, dflt: number, real = false) => {
        const v = str(k);
        if (v === undefined) return dflt;
        if (!(real ? /^-?\d+(\.\d+)?$/ : /^\d+$/).test(v))
          throw subjectError('INVALID_ARCHIVE', what, `invalid pax ${k} ${JSON.stringify(v)}`);
        return Number(v);
      };
      const size = num('size', raw.size);
      if (!Number.isSafeInteger(size)) throw subjectError('INVALID_ARCHIVE', what, 'invalid size in a pax header');
      const xattrs = new Map<string, Buffer>();
      for (const [k, v] of pax) {
        if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
        else if (k.startsWith('LIBARCHIVE.xattr.')) xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(v.toString('ascii'), 'base64'));
      }
      const kind = KINDS[t] ?? 'other';
      let consumed = false;
      let read = 0;
      // as Go's archive/tar: links, directories, devices and FIFOs carry no data whatever their size field says
      const dataSize = kind === 'file' || kind === 'other' ? size : 0;
      const entry: TarStreamEntry = {
        name: str('path') ?? longName ?? raw.name,
        kind,
        typeflag: t,
        mode: (Number.isFinite(raw.mode) ? raw.mode : 0) & 0o7777,
        uid: num('uid', Number.isFinite(raw.uid) ? raw.uid : 0),
        gid: num('gid', Number.isFinite(raw.gid) ? raw.gid : 0),
        size: dataSize,
        mtime: num('mtime', Number.isFinite(raw.mtime) ? raw.mtime : 0, true),
        linkname: str('linkpath') ?? longLink ?? raw.linkname,
        devmajor: Number.isFinite(raw.devmajor) ? raw.devmajor : 0,
        devminor: Number.isFinite(raw.devminor) ? raw.devminor : 0,
        xattrs,
        data: () => {
          if (consumed) throw new Error('tar member data read twice');
          consumed = true;
          return (async function* () {
            for await (const b of r.take(dataSize)) {
              read += b.length;
              yield b;
            }
          })();
        },
      };
      longName = longLink = undefined;
      pax = new Map();
      yield entry;
      await r.skip(dataSize - read + pad(dataSize));
    }
    await r.drain();
    ok = true;
  } finally {
    if (!ok) await r.close().catch(() => undefined);
  }
}
