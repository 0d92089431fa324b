/**
 * A two-layer test image for the container tests: directories, files with several owners and
 * modes (setuid, sticky, private), a symlink, a hard link, a FIFO, then a second layer that
 * changes a file, removes one (whiteout) and empties a directory (opaque whiteout). A file has
 * security.capability and user.* xattrs, a directory a binary user.* one. Every
 * member has an explicit entry and a fixed modification time, so two tools that unpack it
 * produce byte-identical exports.
 */
import { writeFileSync } from 'node:fs';
import { tarHeaderBlocks, type TarHeaderFields } from '../../src/util/tar.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { berth, dockerArchive, makeImage, type BuiltImage } from './archives.js';

export type LayerEntry = Omit<TarHeaderFields, 'size' | 'mode'> & { mode?: number; data?: string };

const MTIME = 1_700_000_000;

/** An uncompressed layer tar of `entries` (uid/gid 0, mode 0755/0644 unless given). */
export function layerTar(entries: LayerEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const mode = e.mode ?? (e.type === '5' ? 0o755 : e.type === '2' ? 0o777 : 0o644);
    parts.push(tarHeaderBlocks({ mtime: MTIME, uid: 0, gid: 0, ...e, mode, size: e.type === '0' ? data.length : 0 }));
    if (data.length) parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const LAYER1: LayerEntry[] = [
  { name: 'bin/', type: '5' },
  {
    name: 'bin/tool',
    type: '0',
    mode: 0o755,
    data: '#!/bin/sh\necho tool\n',
    xattrs: new Map([
      // cap_net_raw+ep (vfs_cap_data revision 2)
      ['security.capability', Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64')],
      ['user.note', Buffer.from('a tool')],
    ]),
  },
  { name: 'bin/su', type: '0', mode: 0o4755, data: 'setuid\n' },
  { name: 'etc/', type: '5', xattrs: new Map([['user.dir', Buffer.from([0, 1, 2, 255])]]) },
  { name: 'etc/hello', type: '0', data: 'hello\n' },
  { name: 'etc/hard', type: '1', linkname: 'etc/hello' },
  { name: 'etc/link', type: '2', linkname: 'hello' },
  { name: 'etc/services', type: '0', data: 'ssh 22/tcp\n' },
  { name: 'home/', type: '5' },
  { name: 'home/u/', type: '5', mode: 0o750, uid: 1000, gid: 1000 },
  { name: 'home/u/.profile', type: '0', mode: 0o600, uid: 1000, gid: 1000, data: 'export A=1\n' },
  { name: 'opt/', type: '5' },
  { name: 'opt/owned', type: '0', mode: 0o640, uid: 123, gid: 456, data: 'owned\n' },
  { name: 'opt/cache/', type: '5' },
  { name: 'opt/cache/old', type: '0', data: 'old\n' },
  { name: 'run/', type: '5' },
  { name: 'run/fifo', type: '6', mode: 0o600 },
  { name: 'tmp/', type: '5', mode: 0o1777 },
  { name: `usr/`, type: '5' },
  { name: `usr/share/`, type: '5' },
  { name: `usr/share/${'long-directory-name-'.repeat(4)}/`, type: '5' },
  { name: `usr/share/${'long-directory-name-'.repeat(4)}/${'a-file-with-a-long-name-'.repeat(3)}.txt`, type: '0', data: 'long\n' },
];

export const LAYER2: LayerEntry[] = [
  { name: 'etc/', type: '5' },
  { name: 'etc/hello', type: '0', data: 'hello again\n' },
  { name: 'opt/', type: '5' },
  { name: 'opt/.wh.owned', type: '0' },
  { name: 'opt/cache/', type: '5', mode: 0o700 },
  { name: 'opt/cache/.wh..wh..opq', type: '0' },
  { name: 'opt/cache/new', type: '0', data: 'new\n' },
  { name: 'srv/', type: '5', uid: 33, gid: 33 },
  { name: 'srv/index.html', type: '0', uid: 33, gid: 33, data: '<p>hi</p>\n' },
];

/** The test image (named `name`) as a docker-archive at `path`; returns the built image. */
export function writeContainerTestArchive(path: string, name = 'localhost/ctr-test:1'): BuiltImage {
  const img = makeImage({
    repoTags: [name],
    layers: [layerTar(LAYER1), layerTar(LAYER2)],
    config: { config: { Entrypoint: ['/bin/tool'], Cmd: ['--serve'] } },
  });
  writeFileSync(path, dockerArchive([img]));
  return img;
}

/** Run berth on store `root`: it must exit 0 and write nothing to stderr; returns stdout. */
export async function berthOk(root: string, args: string[]): Promise<string> {
  const r = await berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, '', `berth ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}

/** A new store `dir/name` with the test archive loaded; returns its root. */
export async function loadedStore(dir: string, name: string, archive: string): Promise<string> {
  const root = join(dir, name);
  await berthOk(root, ['load', '-q', '-i', archive]);
  return root;
}
