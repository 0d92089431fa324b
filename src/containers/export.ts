/**
 * podman export: a container's root filesystem as one tar archive, the way containers/storage
 * writes it — members in directory-walk order (names sorted), directories with a trailing
 * "/", no entry for the root, file type bits in the mode field, numeric owners without user
 * names, modification times truncated to seconds, a file seen again through another hard
 * link as a link to its first name, sockets left out. Extended attributes go in PAX
 * `SCHILY.xattr.` records: security.capability, security.ima and user.* (see rootfs/xattrs.ts).
 *
 * Ownership: as root the tree carries the image's own owners. Without privileges every file
 * belongs to the user; the image's uid:gid:mode the unpacker recorded then takes their place
 * (`owners`), and files made in the container afterwards belong to root, as in a rootless
 * podman container.
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import { TarWriter, type TarHeaderFields } from '../util/tar.js';
import { checkOutputPath, openOutputFile, outputWriteError } from '../util/output-file.js';
import { lookupContainer } from './lookup.js';
import { ensureLayer } from '../rootfs/layer-cache.js';
import { readTreeXattrs } from '../rootfs/xattrs.js';

export interface ExportContainerOptions {
  /** A file path, or a stream (e.g. stdout) that is written and ended. */
  output: string | Writable;
  /**
   * The image's own [uid, gid, mode] per path ('' the root) for a tree unpacked without
   * privileges; paths not listed belong to root. Default: as root, owners and modes as on
   * disk; otherwise what the unpacker recorded for the image's layers.
   */
  owners?: Map<string, [number, number, number]>;
  signal?: AbortSignal;
}

const TYPE_BITS = 0o170000;

function typeFlag(st: Stats): TarHeaderFields['type'] | undefined {
  if (st.isFile()) return '0';
  if (st.isDirectory()) return '5';
  if (st.isSymbolicLink()) return '2';
  if (st.isCharacterDevice()) return '3';
  if (st.isBlockDevice()) return '4';
  if (st.isFIFO()) return '6';
  return undefined; // a socket: not archived
}

/** Linux's major/minor of a device number. */
function devParts(rdev: number): [number, number] {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return [((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0), (lo & 0xff) | ((lo >>> 12) & 0xfff00)];
}

/** Names of a directory in byte order (Go's os.ReadDir order). */
function sortedNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Write the root filesystem at `root` as a tar archive to `tar`. */
async function writeTree(root: string, tar: TarWriter, owners: ExportContainerOptions['owners'], signal?: AbortSignal): Promise<void> {
  const links = new Map<string, string>();
  const xattrs = readTreeXattrs(root);
  const unprivileged = owners !== undefined;
  const walk = async (rel: string): Promise<void> => {
    for (const name of sortedNames(join(root, rel))) {
      if (signal?.aborted) throw new BerthError('ABORTED', 'operation cancelled');
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const st = lstatSync(abs);
      const type = typeFlag(st);
      if (!type) continue;
      const own = owners?.get(path);
      const perm = (own ? own[2] : st.mode) & 0o7777;
      const f: TarHeaderFields = {
        name: type === '5' ? `${path}/` : path,
        type,
        size: type === '0' ? st.size : 0,
        mode: perm | (st.mode & TYPE_BITS),
        uid: own ? own[0] : unprivileged ? 0 : st.uid,
        gid: own ? own[1] : unprivileged ? 0 : st.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
        devmajor: 0,
        devminor: 0,
      };
      const x = xattrs.get(path);
      if (x) f.xattrs = x;
      if (type === '2') f.linkname = readlinkSync(abs);
      if (type === '3' || type === '4') [f.devmajor, f.devminor] = devParts(st.rdev);
      if (type === '0' && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = links.get(key);
        if (first !== undefined) {
          await tar.addEntry({ ...f, type: '1', size: 0, linkname: first, xattrs: undefined });
          continue;
        }
        links.set(key, path);
      }
      if (type === '0') await tar.addEntry(f, createReadStream(abs, { highWaterMark: 1 << 20 }));
      else await tar.addEntry(f);
      if (type === '5') await walk(path);
    }
  };
  await walk('');
  await tar.finish();
}

/**
 * The image's own [uid, gid, mode] per path, as its layers were unpacked without privileges
 * (each layer's record, applied in order: whiteouts and opaque directories hide what lower
 * layers recorded).
 */
async function imageOwners(store: Store, imageId: string, signal?: AbortSignal): Promise<Map<string, [number, number, number]>> {
  const owners = new Map<string, [number, number, number]>();
  const image = store.getImage(imageId);
  if (!image) return owners;
  const under = (dir: string) => (dir === '' ? () => true : (p: string) => p.startsWith(`${dir}/`));
  for (const l of store.manifestLayers(image.manifestDigest)) {
    const { meta } = await ensureLayer(store, l, signal);
    for (const w of meta.whiteouts) {
      const inside = under(w);
      for (const p of owners.keys()) if (p === w || inside(p)) owners.delete(p);
    }
    for (const o of meta.opaque) {
      const inside = under(o);
      for (const p of owners.keys()) if (inside(p)) owners.delete(p);
    }
    for (const [p, own] of Object.entries(meta.owners)) owners.set(p, own);
  }
  return owners;
}

/** Export the container `nameOrId` as a tar archive (see the module comment). */
export async function exportContainer(store: Store, nameOrId: string, opts: ExportContainerOptions): Promise<void> {
  if (typeof opts.output === 'string') checkOutputPath(opts.output, 'output path', 'give a file name, or leave out -o to write to stdout');
  const c = lookupContainer(store, nameOrId);
  const owners = opts.owners ?? (process.getuid?.() === 0 ? undefined : await imageOwners(store, c.imageId, opts.signal));
  const root = store.containerPath(c.rootfs);
  try {
    if (!lstatSync(root).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new BerthError('STORE_CORRUPT', `container ${c.id.slice(0, 12)}: root filesystem ${root} is missing`, {
      hint: 'remove the container ("berth system check --repair" removes its record)',
    });
  }
  const what = `cannot write the archive to ${typeof opts.output === 'string' ? opts.output : 'stdout'}`;
  if (typeof opts.output !== 'string') {
    try {
      await writeTree(root, new TarWriter(opts.output), owners, opts.signal);
    } catch (e) {
      throw outputWriteError(e, what);
    }
    return;
  }
  const out = await openOutputFile(opts.output, what);
  try {
    await writeTree(root, new TarWriter(out.stream), owners, opts.signal);
    await out.commit();
  } catch (e) {
    await out.discard();
    throw outputWriteError(e, what);
  }
}
