import {
  closeSync,
  constants as fsc,
  copyFileSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  chmodSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { subjectError } from '../errors.js';
import { log } from '../log.js';
import type { TarKind } from '../util/tar-stream.js';

/**
 * The one place that writes a layer's entries into a directory tree, safely: every name is
 * resolved inside the root (".." that would leave it is an error, a leading "/" is relative
 * to the root), parent directories that are symlinks are followed as if the root were "/"
 * (chroot-style, as containers/storage and umoci do), a final component is never followed
 * (an existing symlink, file or directory there is replaced), files are created with
 * O_EXCL|O_NOFOLLOW, hard links must point at a non-directory inside the root.
 * Directory times are set last, after their contents.
 *
 * Without privileges (not root) ownership cannot be kept: files belong to the user, modes
 * get u+rw (directories u+rwx) so the tree stays readable and removable, and the image's own
 * uid:gid:mode is written to the `user.containers.override_stat` xattr (as rootless podman
 * and fuse-overlayfs do) and returned in the layer record. Devices are skipped (debug log).
 */

/** Everything about one entry but its data. */
export interface EntrySpec {
  /** As in the archive: cleaned here. */
  name: string;
  kind: TarKind;
  /** Permission bits incl. setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
}

/** A regular file's data: streamed chunks, or a file to copy (reflink where supported) or hard-link. */
export type FileData = AsyncIterable<Buffer> | { copyFrom: string; link: boolean };

/**
 * What a layer directory (written in `record` mode) needs besides its files to be applied on
 * top of other layers later. Paths are cleaned names relative to the root ('' is the root).
 */
export interface LayerMeta {
  /** `.wh.NAME` entries: paths removed from the layers below. */
  whiteouts: string[];
  /** Directories with `.wh..wh..opq`: their content from the layers below is hidden. */
  opaque: string[];
  /** Directories created only because entries below them needed a parent (no entry of their own). */
  implicitDirs: string[];
  /** Hard links whose target is in a layer below (resolved when the layers are applied). */
  crossLinks: { path: string; target: string; header: { uid: number; gid: number; mode: number; mtime: number } }[];
  /** Extended attributes per path: name -> base64 value. */
  xattrs: Record<string, Record<string, string>>;
  /** Unprivileged unpacking only: the image's own [uid, gid, mode] per path. */
  owners: Record<string, [number, number, number]>;
  /** Whether the layer had an entry for its root directory ("./"). */
  hasRoot?: boolean;
}

export interface TreeWriterOptions {
  /**
   * `apply`: whiteouts remove what the layers below left in the tree. `record`: the tree is
   * this layer's own directory; whiteouts, opaque directories and links to lower layers are
   * listed in the LayerMeta instead.
   */
  whiteouts: 'apply' | 'record';
  /** Names the input in errors. */
  what: string;
  /** Whether ownership, devices and all xattrs can be written; default: running as root. */
  privileged?: boolean;
  /** Files may be hard links into the layer cache (never change their inode's metadata). */
  sharedInodes?: boolean;
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
export const OVERRIDE_XATTR = 'user.containers.override_stat';

const isRoot = () => process.getuid?.() === 0;

export class TreeWriter {
  readonly meta: LayerMeta = { whiteouts: [], opaque: [], implicitDirs: [], crossLinks: [], xattrs: {}, owners: {} };
  private readonly privileged: boolean;
  /** Real (resolved) paths known to be directories of this tree, until something is removed. */
  private knownDirs = new Set<string>();
  /** Paths this layer created (resolved), and their ancestors: an opaque whiteout keeps them. */
  private created = new Set<string>();
  private ancestors = new Set<string>();
  private implicit = new Set<string>();
  private dirTimes: [string, number][] = [];
  /** The image's uid, gid, mode and mtime (ms) of files this writer wrote, for hard links to them. */
  private inodeMeta = new Map<string, number[]>();
  private xattrQueue: { rel: string; name: string; value: Buffer }[] = [];
  entries = 0;

  constructor(
    readonly root: string,
    private readonly opts: TreeWriterOptions,
  ) {
    this.privileged = opts.privileged ?? isRoot();
  }

  private fail(name: string, reason: string): never {
    throw subjectError('INVALID_ARCHIVE', this.opts.what, `${JSON.stringify(name)}: ${reason}`);
  }

  /** A member name as a path relative to the root: "." and "/" dropped, ".." leaving the root refused. */
  clean(name: string, role = 'path', entry = name): string {
    const parts: string[] = [];
    for (const c of name.split('/')) {
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (parts.length === 0) this.fail(entry, `${role} points outside the root`);
        parts.pop();
      } else parts.push(c);
    }
    return parts.join('/');
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Resolve a directory path inside the root, following symlinks chroot-style; missing
   * directories are created (0755) when `create`, else undefined is returned.
   */
  private resolveDir(rel: string, create: boolean, name: string): string | undefined {
    if (rel === '' || this.knownDirs.has(rel)) return rel;
    const todo = rel.split('/');
    let cur = '';
    let links = 0;
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        cur = cur.includes('/') ? cur.slice(0, cur.lastIndexOf('/')) : '';
        continue;
      }
      const next = cur === '' ? c : `${cur}/${c}`;
      if (this.knownDirs.has(next)) {
        cur = next;
        continue;
      }
      let st: Stats | undefined;
      try {
        st = lstatSync(this.abs(next));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (!st) {
        if (!create) return undefined;
        mkdirSync(this.abs(next), 0o755);
        chmodSync(this.abs(next), 0o755);
        if (this.opts.whiteouts === 'record') this.implicit.add(next);
        this.knownDirs.add(next);
        cur = next;
        continue;
      }
      if (st.isSymbolicLink()) {
        if (++links > 40) this.fail(name, 'too many levels of symbolic links');
        const target = readlinkSync(this.abs(next));
        if (target.startsWith('/')) cur = '';
        todo.unshift(...target.split('/'));
        continue;
      }
      if (!st.isDirectory()) this.fail(name, `${JSON.stringify(next)} is not a directory`);
      this.knownDirs.add(next);
      cur = next;
    }
    return cur;
  }

  private remove(rel: string, st: Stats): void {
    if (st.isDirectory()) {
      rmSync(this.abs(rel), { recursive: true, force: true });
      this.knownDirs.clear();
    } else unlinkSync(this.abs(rel));
  }

  private markCreated(rel: string): void {
    this.created.add(rel);
    let p = rel;
    while (p.includes('/')) {
      p = p.slice(0, p.lastIndexOf('/'));
      if (this.ancestors.has(p)) break;
      this.ancestors.add(p);
    }
  }

  /** Write one entry. `data` is required for regular files (streamed ones are read to their end). */
  async add(e: EntrySpec, data?: FileData): Promise<void> {
    this.entries++;
    const name = this.clean(e.name);
    const slash = name.lastIndexOf('/');
    const base = slash < 0 ? name : name.slice(slash + 1);
    const parentName = slash < 0 ? '' : name.slice(0, slash);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(e.name, parentName, base);
      return;
    }
    if (name === '') {
      if (e.kind !== 'dir') this.fail(e.name, 'only a directory can stand for the root');
      this.meta.hasRoot = true;
      this.metadata('', e, false);
      this.dirTimes.push(['', e.mtime]);
      return;
    }
    const parent = this.resolveDir(parentName, true, e.name)!;
    const rel = parent === '' ? base : `${parent}/${base}`;
    const abs = this.abs(rel);

    let target: string | undefined;
    if (e.kind === 'hardlink') {
      target = this.linkTarget(e, name);
      if (target === undefined) return; // recorded for later
      if (target === rel) return;
    }

    let existing: Stats | undefined;
    try {
      existing = lstatSync(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (existing && !(existing.isDirectory() && e.kind === 'dir')) {
      this.remove(rel, existing);
      existing = undefined;
    }
    this.markCreated(rel);
    this.implicit.delete(rel);

    switch (e.kind) {
      case 'dir':
        if (!existing) mkdirSync(abs, 0o700);
        this.knownDirs.add(rel);
        this.metadata(rel, e, false);
        this.dirTimes.push([rel, e.mtime]);
        return;
      case 'file':
        await this.writeFile(rel, e, data);
        return;
      case 'symlink':
        symlinkSync(e.linkname, abs);
        if (this.privileged) lchownSync(abs, e.uid, e.gid);
        else this.meta.owners[rel] = [e.uid, e.gid, e.mode];
        this.xattrs(rel, e, true);
        lutimesSync(abs, e.mtime, e.mtime);
        return;
      case 'hardlink':
        this.hardlink(rel, target!, e);
        return;
      case 'char':
      case 'block':
      case 'fifo':
        this.special(rel, e);
        return;
      default:
        log.debug(`${this.opts.what}: skipping ${JSON.stringify(e.name)} (unsupported tar type ${JSON.stringify(e.kind)})`);
        this.created.delete(rel);
    }
  }

  /**
   * A hard link. As containers/storage does, the link's own header (owner, mode, time) applies
   * to the inode it shares with its target; when they differ and the inode is shared with the
   * layer cache (`sharedInodes`), the target first gets a private copy so the cache never changes.
   */
  private hardlink(rel: string, target: string, e: EntrySpec): void {
    const tabs = this.abs(target);
    const tst = lstatSync(tabs);
    const symlink = tst.isSymbolicLink();
    const seen = this.privileged ? [tst.uid, tst.gid, tst.mode & 0o7777, tst.mtimeMs] : this.inodeMeta.get(target);
    const want = [e.uid, e.gid, e.mode, e.mtime * 1000];
    const differs =
      !seen ||
      seen[0] !== want[0] ||
      seen[1] !== want[1] ||
      (!symlink && seen[2] !== want[2]) ||
      (!symlink && Math.abs(seen[3]! - want[3]!) >= 1);
    if (differs && this.opts.sharedInodes && tst.isFile() && tst.nlink > 1) {
      const tmp = `${tabs}.berth-copy-up`;
      copyFileSync(tabs, tmp, fsc.COPYFILE_FICLONE);
      renameSync(tmp, tabs);
    }
    linkSync(tabs, this.abs(rel));
    const x = this.meta.xattrs[target];
    if (x) this.meta.xattrs[rel] = x;
    if (!differs) {
      const o = this.meta.owners[target];
      if (o) this.meta.owners[rel] = o;
      return;
    }
    if (this.privileged) {
      lchownSync(tabs, e.uid, e.gid);
      if (!symlink) chmodSync(tabs, e.mode);
    } else {
      if (!symlink) chmodSync(tabs, (e.mode & 0o777) | 0o600);
      this.meta.owners[rel] = this.meta.owners[target] = [e.uid, e.gid, e.mode];
    }
    if (!symlink) lutimesSync(tabs, e.mtime, e.mtime);
    this.inodeMeta.set(rel, want);
    this.inodeMeta.set(target, want);
  }

  /** The resolved target of a hard link, or undefined when it is in a lower layer (record mode). */
  private linkTarget(e: EntrySpec, name: string): string | undefined {
    if (e.linkname === '') this.fail(e.name, 'hard link without a target');
    const tname = this.clean(e.linkname, `hard link target ${JSON.stringify(e.linkname)}`, e.name);
    if (tname === '') this.fail(e.name, 'hard link to the root directory');
    const ts = tname.lastIndexOf('/');
    const tparent = this.resolveDir(ts < 0 ? '' : tname.slice(0, ts), false, e.name);
    const trel = tparent === undefined ? undefined : tparent === '' ? tname.slice(ts + 1) : `${tparent}/${tname.slice(ts + 1)}`;
    let st: Stats | undefined;
    if (trel !== undefined) {
      try {
        st = lstatSync(this.abs(trel));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (!st) {
      if (this.opts.whiteouts === 'record') {
        this.meta.crossLinks.push({ path: name, target: tname, header: { uid: e.uid, gid: e.gid, mode: e.mode, mtime: e.mtime } });
        return undefined;
      }
      this.fail(e.name, `hard link target ${JSON.stringify(e.linkname)} does not exist`);
    }
    if (st.isDirectory()) this.fail(e.name, `hard link target ${JSON.stringify(e.linkname)} is a directory`);
    return trel!;
  }

  private whiteout(raw: string, parentName: string, base: string): void {
    if (base === OPAQUE_WHITEOUT) {
      if (this.opts.whiteouts === 'record') {
        this.meta.opaque.push(parentName);
        this.resolveDir(parentName, true, raw);
        return;
      }
      const dir = this.resolveDir(parentName, true, raw)!;
      this.clearLower(dir);
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
      log.debug(`${this.opts.what}: skipping AUFS metadata ${JSON.stringify(raw)}`);
      return;
    }
    const victim = base.slice(WHITEOUT_PREFIX.length);
    if (victim === '' || victim === '.' || victim === '..') this.fail(raw, 'whiteout names no file (or a parent directory)');
    const path = parentName === '' ? victim : `${parentName}/${victim}`;
    if (this.opts.whiteouts === 'record') {
      this.meta.whiteouts.push(path);
      return;
    }
    const dir = this.resolveDir(parentName, false, raw);
    if (dir === undefined) return;
    const rel = dir === '' ? victim : `${dir}/${victim}`;
    try {
      this.remove(rel, lstatSync(this.abs(rel)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Opaque directory: remove what lower layers put under `dir`, keeping what this layer wrote. */
  private clearLower(dir: string): void {
    for (const child of readdirSync(this.abs(dir))) {
      const rel = dir === '' ? child : `${dir}/${child}`;
      const st = lstatSync(this.abs(rel));
      if (st.isDirectory() && (this.ancestors.has(rel) || this.created.has(rel))) this.clearLower(rel);
      else if (!this.created.has(rel)) this.remove(rel, st);
    }
  }

  private async writeFile(rel: string, e: EntrySpec, data: FileData | undefined): Promise<void> {
    const abs = this.abs(rel);
    if (data && 'copyFrom' in data) {
      if (data.link) {
        linkSync(data.copyFrom, abs);
        this.inodeMeta.set(rel, [e.uid, e.gid, e.mode, e.mtime * 1000]);
        return;
      }
      copyFileSync(data.copyFrom, abs, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE);
      const fd = openSync(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      try {
        this.fileMeta(fd, rel, e);
      } finally {
        closeSync(fd);
      }
      return;
    }
    const fd = openSync(abs, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      if (data) {
        for await (const chunk of data) {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        }
      }
      this.fileMeta(fd, rel, e);
    } finally {
      closeSync(fd);
    }
  }

  private fileMeta(fd: number, rel: string, e: EntrySpec): void {
    this.inodeMeta.set(rel, [e.uid, e.gid, e.mode, e.mtime * 1000]);
    if (this.privileged) {
      fchownSync(fd, e.uid, e.gid);
      fchmodSync(fd, e.mode); // after chown, which clears setuid
    } else {
      fchmodSync(fd, (e.mode & 0o777) | 0o600);
      this.meta.owners[rel] = [e.uid, e.gid, e.mode];
    }
    this.xattrs(rel, e, false);
    futimesSync(fd, e.mtime, e.mtime);
  }

  /** Owner and mode of a directory (or the root), by path: the parents are this tree's own directories. */
  private metadata(rel: string, e: EntrySpec, _symlink: boolean): void {
    const abs = this.abs(rel);
    if (this.privileged) {
      lchownSync(abs, e.uid, e.gid);
      chmodSync(abs, e.mode);
    } else {
      chmodSync(abs, (e.mode & 0o777) | 0o700);
      this.meta.owners[rel] = [e.uid, e.gid, e.mode];
    }
    this.xattrs(rel, e, false);
  }

  private special(rel: string, e: EntrySpec): void {
    const abs = this.abs(rel);
    const args =
      e.kind === 'fifo'
        ? ['mkfifo', ['-m', (e.mode & 0o777).toString(8), abs]]
        : this.privileged
          ? ['mknod', ['-m', (e.mode & 0o777).toString(8), abs, e.kind === 'char' ? 'c' : 'b', String(e.devmajor), String(e.devminor)]]
          : undefined;
    if (!args) {
      log.debug(`${this.opts.what}: skipping device ${JSON.stringify(e.name)} (creating devices needs root)`);
      this.created.delete(rel);
      return;
    }
    const r = spawnSync(args[0] as string, args[1] as string[], { encoding: 'utf8' });
    if (r.status !== 0) {
      log.debug(`${this.opts.what}: skipping ${e.kind} ${JSON.stringify(e.name)}: ${(r.stderr || r.error?.message || '').trim()}`);
      this.created.delete(rel);
      return;
    }
    if (this.privileged) {
      lchownSync(abs, e.uid, e.gid);
      chmodSync(abs, e.mode);
    } else this.meta.owners[rel] = [e.uid, e.gid, e.mode];
    lutimesSync(abs, e.mtime, e.mtime);
  }

  private xattrs(rel: string, e: EntrySpec, symlink: boolean): void {
    if (e.xattrs.size === 0) return;
    const rec: Record<string, string> = {};
    for (const [name, value] of e.xattrs) {
      if (name === OVERRIDE_XATTR) continue; // ours to write, never the archive's
      rec[name] = value.toString('base64');
      // user.* xattrs are not allowed on symlinks; other namespaces need privileges
      if (this.privileged ? true : name.startsWith('user.') && !symlink) this.xattrQueue.push({ rel, name, value });
    }
    if (Object.keys(rec).length) this.meta.xattrs[rel] = rec;
  }

  /** Queue the xattrs a LayerMeta lists for `rel` (applying a recorded layer to another tree). */
  queueXattrs(rel: string, values: Record<string, string>): void {
    for (const [name, v] of Object.entries(values))
      if (this.privileged || name.startsWith('user.')) this.xattrQueue.push({ rel, name, value: Buffer.from(v, 'base64') });
  }

  /** After the last entry: xattrs and override records, then directory times (deepest last-written first). */
  finish(): LayerMeta {
    const sets = [...this.xattrQueue];
    if (!this.privileged)
      for (const [rel, [uid, gid, mode]] of Object.entries(this.meta.owners)) {
        let st: Stats;
        try {
          st = lstatSync(this.abs(rel));
        } catch {
          continue;
        }
        if (st.isSymbolicLink()) continue;
        sets.push({ rel, name: OVERRIDE_XATTR, value: Buffer.from(overrideValue(uid, gid, mode, st)) });
      }
    if (sets.length) setXattrs(this.root, sets, this.opts.what, (rel) => this.parentsAreDirs(rel));
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [rel, t] = this.dirTimes[i]!;
      try {
        lutimesSync(this.abs(rel), t, t);
      } catch {
        /* removed or replaced later in the layer */
      }
    }
    this.meta.implicitDirs = [...this.implicit];
    return this.meta;
  }

  /** Whether every parent of `rel` is a real directory (no symlink planted since the entry was written). */
  private parentsAreDirs(rel: string): boolean {
    let p = rel;
    while (p.includes('/')) {
      p = p.slice(0, p.lastIndexOf('/'));
      if (this.knownDirs.has(p)) continue;
      try {
        if (!lstatSync(this.abs(p)).isDirectory()) return false;
      } catch {
        return false;
      }
      this.knownDirs.add(p);
    }
    return true;
  }
}

/** The `user.containers.override_stat` value: "uid:gid:0mode:type" (containers/storage's format). */
export function overrideValue(uid: number, gid: number, mode: number, st: Stats): string {
  const rdev = st.rdev;
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const type = st.isDirectory()
    ? 'dir'
    : st.isSymbolicLink()
      ? 'symlink'
      : st.isFIFO()
        ? 'pipe'
        : st.isSocket()
          ? 'socket'
          : st.isBlockDevice()
            ? `block-${major}-${minor}`
            : st.isCharacterDevice()
              ? `char-${major}-${minor}`
              : 'file';
  return `${uid}:${gid}:${(mode & 0o7777).toString(8).padStart(4, '0')}:${type}`;
}

/** Escape a path for `setfattr --restore` (octal escapes, as getfattr writes them). */
function quotePath(rel: string): string {
  let out = '';
  for (const b of Buffer.from(rel, 'utf8'))
    out += b <= 0x20 || b >= 0x7f || b === 0x5c ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
  return out;
}

let setfattrMissing = false;

/**
 * Set many xattrs with one `setfattr --restore` run (Node has no xattr calls). Without setfattr
 * (package attr) or where the file system refuses, the values stay in the layer record only.
 */
function setXattrs(root: string, sets: { rel: string; name: string; value: Buffer }[], what: string, safe: (rel: string) => boolean): void {
  if (setfattrMissing) return;
  let dump = '';
  let last = '';
  for (const s of sets) {
    if (!safe(s.rel)) continue;
    if (s.rel !== last) {
      dump += `\n# file: ${quotePath(s.rel === '' ? '.' : `./${s.rel}`)}\n`;
      last = s.rel;
    }
    dump += `${s.name}=0s${s.value.toString('base64')}\n`;
  }
  const r = spawnSync('setfattr', ['-h', '--restore=-'], { cwd: root, input: dump, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) {
    setfattrMissing = true;
    log.debug(`${what}: cannot run setfattr (${r.error.message}); extended attributes are kept in the layer record only`);
    return;
  }
  if (r.status !== 0) log.debug(`${what}: some extended attributes were not set: ${r.stderr.trim().split('\n').slice(0, 3).join('; ')}`);
}
