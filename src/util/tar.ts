import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError, subjectError } from '../errors.js';

/** `data` of the errors that say the input is not a tar archive at all (rather than a damaged one). */
export const NOT_TAR = { notTar: true } as const;

/** One member of an uncompressed tar file, located by byte offset (no extraction). */
export interface TarEntry {
  name: string; // as stored, normalized with path.posix.normalize, no leading "./" or "/"
  rawName: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  linkname: string;
  offset: number; // data start
  size: number;
}

/** A number field of a tar header: octal text, or GNU base-256 (high bit set) for large values. */
export function parseOctal(buf: Buffer, off: number, len: number): number {
  // GNU base-256 for large sizes
  if (buf[off]! & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  const s = buf
    .toString('ascii', off, off + len)
    .replace(/\0.*$/s, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

function cstr(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

/** PAX extended header records, values as raw bytes (xattr values are binary). */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.toString('ascii', i, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > data.length) break;
    const rec = data.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    i += len;
  }
  return out;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of parsePaxRecords(data)) out[k] = v.toString('utf8');
  return out;
}

/** The fields of one 512-byte tar header block (before PAX/GNU long names are applied). */
export interface RawTarHeader {
  name: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** Whether the header's checksum is right (the unsigned sum, or the signed one old tars wrote). */
export function tarChecksumOk(hdr: Buffer): boolean {
  let sum = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 32 : hdr[i]!;
    sum += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = parseOctal(hdr, 148, 8);
  return want === sum || want === signed;
}

/** Decode a header block (the checksum is checked separately with tarChecksumOk). */
export function decodeTarHeader(hdr: Buffer): RawTarHeader {
  let name = cstr(hdr, 0, 100);
  const magic = hdr.toString('ascii', 257, 263);
  if (magic.startsWith('ustar')) {
    const prefix = cstr(hdr, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    typeflag: String.fromCharCode(hdr[156]!),
    mode: parseOctal(hdr, 100, 8),
    uid: parseOctal(hdr, 108, 8),
    gid: parseOctal(hdr, 116, 8),
    size: parseOctal(hdr, 124, 12),
    mtime: parseOctal(hdr, 136, 12),
    linkname: cstr(hdr, 157, 100),
    devmajor: parseOctal(hdr, 329, 8),
    devminor: parseOctal(hdr, 337, 8),
  };
}

/** Clean a member name like Go's path.Clean relative to the archive root; '' for the root. */
export function cleanMemberName(name: string): string {
  let n = posix.normalize('/' + name).slice(1);
  if (n.endsWith('/')) n = n.slice(0, -1);
  return n;
}

/**
 * Scan an uncompressed tar file's headers (seeking over data) and return its members.
 * Truncated archives and corrupt headers fail with INVALID_ARCHIVE.
 */
export function indexTarFile(path: string, what: string): TarEntry[] {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const entries: TarEntry[] = [];
    const hdr = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    let sawEnd = false;
    while (pos + 512 <= fileSize) {
      if (readSync(fd, hdr, 0, 512, pos) !== 512) break;
      if (hdr.every((b) => b === 0)) {
        sawEnd = true;
        break;
      }
      if (!tarChecksumOk(hdr))
        throw subjectError('INVALID_ARCHIVE', what, `invalid tar header at offset ${pos} (not a tar archive, or corrupt)`, {
          data: NOT_TAR,
        });
      const size = parseOctal(hdr, 124, 12);
      if (!Number.isFinite(size) || size < 0) throw subjectError('INVALID_ARCHIVE', what, `invalid size in tar header at offset ${pos}`);
      const typeflag = String.fromCharCode(hdr[156]!);
      const dataOff = pos + 512;
      const next = dataOff + Math.ceil(size / 512) * 512;
      if (dataOff + size > fileSize)
        throw subjectError('INVALID_ARCHIVE', what, `archive is truncated (member at offset ${pos} needs ${size} bytes)`, {
          hint: 'the file is incomplete; create or download it again',
        });
      const readData = () => {
        const b = Buffer.alloc(size);
        readSync(fd, b, 0, size, dataOff);
        return b;
      };
      if (typeflag === 'L') {
        longName = readData().toString('utf8').replace(/\0+$/, '');
        pos = next;
        continue;
      }
      if (typeflag === 'K') {
        longLink = readData().toString('utf8').replace(/\0+$/, '');
        pos = next;
        continue;
      }
      if (typeflag === 'x') {
        if (size > 1 << 20) throw subjectError('INVALID_ARCHIVE', what, `oversized pax header`);
        pax = parsePax(readData());
        pos = next;
        continue;
      }
      if (typeflag === 'g') {
        pos = next;
        continue;
      }
      const raw = decodeTarHeader(hdr);
      const name = pax.path ?? longName ?? raw.name;
      const linkname = pax.linkpath ?? longLink ?? raw.linkname;
      const realSize = pax.size !== undefined ? (/^\d+$/.test(pax.size) ? Number(pax.size) : NaN) : size;
      if (!Number.isSafeInteger(realSize)) throw subjectError('INVALID_ARCHIVE', what, `invalid size in the pax header at offset ${pos}`);
      if (dataOff + realSize > fileSize)
        throw subjectError('INVALID_ARCHIVE', what, `archive is truncated (member at offset ${pos} needs ${realSize} bytes)`, {
          hint: 'the file is incomplete; create or download it again',
        });
      longName = longLink = undefined;
      pax = {};
      const type: TarEntry['type'] =
        typeflag === '0' || typeflag === '\0' || typeflag === '7'
          ? 'file'
          : typeflag === '5'
            ? 'dir'
            : typeflag === '2'
              ? 'symlink'
              : typeflag === '1'
                ? 'hardlink'
                : 'other';
      entries.push({ name: cleanMemberName(name), rawName: name, type, linkname, offset: dataOff, size: realSize });
      pos = dataOff + Math.ceil(realSize / 512) * 512;
      if (pos > fileSize) throw subjectError('INVALID_ARCHIVE', what, `archive is truncated`);
    }
    if (entries.length === 0 && !sawEnd) throw subjectError('INVALID_ARCHIVE', what, `empty or not a tar archive`, { data: NOT_TAR });
    if (!sawEnd && pos < fileSize) throw subjectError('INVALID_ARCHIVE', what, `archive is truncated`);
    if (entries.length === 0) throw subjectError('INVALID_ARCHIVE', what, `empty or not a tar archive`, { data: NOT_TAR });
    return entries;
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolve a member name the way a careful reader must: clean it, refuse absolute paths and
 * "..", follow at most one symlink (which must stay inside), and require a regular file.
 * Duplicate names: the first one wins (as containers/image).
 */
export class TarMembers {
  private byName = new Map<string, TarEntry>();
  constructor(
    readonly entries: TarEntry[],
    private readonly what: string,
  ) {
    for (const e of entries) if (!this.byName.has(e.name)) this.byName.set(e.name, e);
  }

  has(name: string): boolean {
    try {
      this.resolve(name);
      return true;
    } catch {
      return false;
    }
  }

  resolve(name: string, role = 'member'): TarEntry {
    if (typeof name !== 'string' || name === '') throw subjectError('INVALID_ARCHIVE', this.what, `empty ${role} path`);
    if (name.startsWith('/')) throw subjectError('INVALID_ARCHIVE', this.what, `${role} path ${JSON.stringify(name)} is absolute`);
    const norm = posix.normalize(name);
    if (norm === '..' || norm.startsWith('../'))
      throw subjectError('INVALID_ARCHIVE', this.what, `${role} path ${JSON.stringify(name)} points outside the archive`);
    let e = this.byName.get(cleanMemberName(norm));
    if (!e) throw subjectError('INVALID_ARCHIVE', this.what, `${role} ${JSON.stringify(name)} is missing from the archive`);
    if (e.type === 'symlink' || e.type === 'hardlink') {
      const target = e.type === 'symlink' && !e.linkname.startsWith('/') ? posix.join(posix.dirname(e.name), e.linkname) : e.linkname;
      const t = posix.normalize(target);
      if (e.linkname.startsWith('/') || t === '..' || t.startsWith('../'))
        throw subjectError('INVALID_ARCHIVE', this.what, `${role} ${JSON.stringify(name)} is a link leading outside the archive`);
      e = this.byName.get(cleanMemberName(t));
      if (!e) throw subjectError('INVALID_ARCHIVE', this.what, `${role} ${JSON.stringify(name)} links to a missing member`);
    }
    if (e.type !== 'file') throw subjectError('INVALID_ARCHIVE', this.what, `${role} ${JSON.stringify(name)} is not a regular file`);
    return e;
  }
}

// ---- writing ------------------------------------------------------------------------------

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

/** Every field of one member's header (tar type flags: 0 file, 1 hard link, 2 symlink, 3 char, 4 block, 5 dir, 6 FIFO). */
export interface TarHeaderFields {
  name: string;
  type: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  size: number;
  /** As stored in the header (permission bits, and file type bits where the writer adds them). */
  mode: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  /** Written when given (Go's writer gives them for every member). */
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as PAX `SCHILY.xattr.NAME` records (values are raw bytes). */
  xattrs?: ReadonlyMap<string, Buffer>;
}

const MAX_OCTAL_7 = 0o7777777;

/** One PAX record: "LEN key=value\n", LEN counting the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  const len = n + String(n + String(n).length).length;
  return `${len}${body}`;
}

/** One PAX record with a binary value (LEN counts bytes). */
function paxRecordBytes(key: string, value: Buffer): Buffer {
  const head = Buffer.from(` ${key}=`, 'utf8');
  const n = head.length + value.length + 1;
  const len = n + String(n + String(n).length).length;
  return Buffer.concat([Buffer.from(String(len)), head, value, Buffer.from('\n')]);
}

/** Split a name into ustar's prefix (<= 155 bytes) and name (<= 100 bytes) at a '/', if possible. */
function ustarSplit(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let cut = name.lastIndexOf('/'); cut > 0; cut = name.lastIndexOf('/', cut - 1)) {
    const prefix = name.slice(0, cut);
    const rest = name.slice(cut + 1);
    if (Buffer.byteLength(rest) > 100 || rest === '') return undefined;
    if (Buffer.byteLength(prefix) <= 155) return [prefix, rest];
  }
  return undefined;
}

function headerBlock(f: TarHeaderFields, name: string, prefix: string, linkname: string, uid: number, gid: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(f.mode, 8), 100, 'ascii');
  h.write(octal(uid, 8), 108, 'ascii');
  h.write(octal(gid, 8), 116, 'ascii');
  if (f.size > 0o77777777777) {
    h[124] = 0x80;
    let v = f.size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else h.write(octal(f.size, 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.trunc(f.mtime ?? 0)), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(f.type, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  // (left empty unless given, as the archives berth wrote before; export gives them, as Go does)
  if (f.devmajor !== undefined) h.write(octal(f.devmajor, 8), 329, 'ascii');
  if (f.devminor !== undefined) h.write(octal(f.devminor, 8), 337, 'ascii');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/**
 * The header block(s) of one member: a ustar header, preceded by a PAX extended header when
 * the name, link name, uid or gid does not fit ustar or there are extended attributes (as Go's
 * archive/tar writes them).
 */
export function tarHeaderBlocks(f: TarHeaderFields): Buffer {
  const pax: string[] = [];
  const split = ustarSplit(f.name);
  let [prefix, name] = split ?? ['', ''];
  if (!split) {
    pax.push(paxRecord('path', f.name));
    name = Buffer.from(f.name)
      .subarray(0, 100)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    prefix = '';
  }
  let linkname = f.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) {
    pax.push(paxRecord('linkpath', linkname));
    linkname = '';
  }
  let uid = f.uid ?? 0;
  let gid = f.gid ?? 0;
  if (uid > MAX_OCTAL_7) {
    pax.push(paxRecord('uid', String(uid)));
    uid = 0;
  }
  if (gid > MAX_OCTAL_7) {
    pax.push(paxRecord('gid', String(gid)));
    gid = 0;
  }
  const main = headerBlock(f, name, prefix, linkname, uid, gid);
  if (pax.length === 0 && !f.xattrs?.size) return main;
  // records in key order, as Go's archive/tar writes them
  const records: [string, Buffer][] = pax.map((r) => {
    const m = /^\d+ ([^=]*)=/.exec(r)!;
    return [m[1]!, Buffer.from(r, 'utf8')];
  });
  for (const [k, v] of f.xattrs ?? []) records.push([`SCHILY.xattr.${k}`, paxRecordBytes(`SCHILY.xattr.${k}`, v)]);
  records.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const data = Buffer.concat(records.map(([, r]) => r));
  // Go's path.Join(dir, "PaxHeaders.0", file) of path.Split(name): a directory "a/b/" gives "a/b/PaxHeaders.0"
  const slash = f.name.lastIndexOf('/');
  const file = f.name.slice(slash + 1);
  const paxName = `${f.name.slice(0, slash + 1)}PaxHeaders.0${file ? `/${file}` : ''}`.slice(0, 100);
  const ext = headerBlock(
    // Go's archive/tar gives the extended header mode 0 and time 0
    { name: paxName, type: 'x' as TarHeaderFields['type'], size: data.length, mode: 0, mtime: 0 },
    paxName,
    '',
    '',
    0,
    0,
  );
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([ext, padded, main]);
}

export function tarHeader(name: string, size: number, type: '0' | '5' = '0', mode = 0o644, mtime = 0): Buffer {
  if (!ustarSplit(name)) throw new BerthError('INTERNAL', `tar member name too long: ${name}`);
  return tarHeaderBlocks({ name, size, type, mode, mtime });
}

/** Minimal sequential tar writer (regular files and directories) over a Writable. */
export class TarWriter {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set by the first failed entry or output error: the archive is broken from then on. */
  private failure?: unknown;
  constructor(private readonly out: Writable) {
    // never leave an output error unhandled (e.g. a write racing an abort that destroyed it)
    out.on('error', (e) => {
      this.failure ??= e;
    });
  }

  private write(buf: Buffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.out.destroyed || this.out.writableEnded) return Promise.reject(new BerthError('IO', 'the archive output was closed'));
    return new Promise((resolve, reject) => {
      if (this.out.write(buf)) resolve();
      else {
        const onDrain = () => {
          this.out.off('error', onErr);
          resolve();
        };
        const onErr = (e: Error) => {
          this.out.off('drain', onDrain);
          reject(e);
        };
        this.out.once('drain', onDrain);
        this.out.once('error', onErr);
      }
    });
  }

  /** Queue entries so concurrent callers are written one after another. */
  private enqueue(fn: () => Promise<void>): Promise<void> {
    // after a failure (a member may be half written) nothing more is written
    const p = this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return fn();
    });
    this.chain = p.catch((e: unknown) => {
      this.failure ??= e;
    });
    return p;
  }

  addBuffer(name: string, data: Buffer, mode = 0o644): Promise<void> {
    return this.enqueue(async () => {
      await this.write(tarHeader(name, data.length, '0', mode));
      await this.write(data);
      await this.pad(data.length);
    });
  }

  addDir(name: string): Promise<void> {
    return this.enqueue(() => this.write(tarHeader(name.endsWith('/') ? name : name + '/', 0, '5', 0o755)));
  }

  /** Stream exactly `size` bytes from `src` as one member; fails if the stream is shorter or longer. */
  addStream(name: string, size: number, src: Readable): Promise<void> {
    const p = this.enqueue(async () => {
      await this.write(tarHeader(name, size));
      let n = 0;
      for await (const chunk of src as AsyncIterable<Buffer>) {
        n += chunk.length;
        if (n > size) throw new BerthError('SIZE_MISMATCH', `${name}: more data than the expected ${size} bytes`);
        await this.write(chunk);
      }
      if (n !== size) throw new BerthError('SIZE_MISMATCH', `${name}: got ${n} bytes, expected ${size}`);
      await this.pad(size);
    });
    // a source that was never (fully) read must not stay open
    p.catch(() => {
      if (!src.destroyed) src.destroy();
    });
    return p;
  }

  /**
   * One member with every header field; `src` streams exactly `f.size` bytes of a regular
   * file's data (no data for other types).
   */
  addEntry(f: TarHeaderFields, src?: Readable): Promise<void> {
    const p = this.enqueue(async () => {
      await this.write(tarHeaderBlocks(f));
      if (!src) return;
      let n = 0;
      for await (const chunk of src as AsyncIterable<Buffer>) {
        n += chunk.length;
        if (n > f.size) throw new BerthError('SIZE_MISMATCH', `${f.name}: more data than the expected ${f.size} bytes`);
        await this.write(chunk);
      }
      if (n !== f.size) throw new BerthError('SIZE_MISMATCH', `${f.name}: got ${n} bytes, expected ${f.size}`);
      await this.pad(f.size);
    });
    p.catch(() => {
      if (src && !src.destroyed) src.destroy();
    });
    return p;
  }

  private pad(size: number): Promise<void> {
    const r = size % 512;
    return r === 0 ? Promise.resolve() : this.write(Buffer.alloc(512 - r));
  }

  /** Write the end-of-archive marker and end the output. */
  finish(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.write(Buffer.alloc(1024));
      await new Promise<void>((resolve, reject) => {
        this.out.once('error', reject);
        this.out.end(resolve);
      });
    });
  }
}
