import { spawnSync } from 'node:child_process';
import { BerthError } from '../errors.js';
import { log } from '../log.js';
import { OVERRIDE_XATTR } from './tree-writer.js';

/**
 * The extended attributes a root file system carries over into archives and diffs, as
 * containers/storage reads them: `security.capability`, `security.ima` and `user.*` (not
 * `user.overlay.*`, the overlay driver's own, nor `user.containers.override_stat`, which
 * stands for the image's ownership and is turned back into owners instead).
 */
const PATTERN = '^(security\\.capability|security\\.ima|user\\..*)$';

/** Whether an xattr name is one a tree's archive or diff carries. */
export function carriedXattr(name: string): boolean {
  return (
    (name === 'security.capability' || name === 'security.ima' || name.startsWith('user.')) &&
    !name.startsWith('user.overlay.') &&
    name !== OVERRIDE_XATTR
  );
}

/** Undo getfattr's octal escapes ("\\134" for a backslash, bytes outside printable ASCII). */
function unquote(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString('latin1'))) {
      bytes.push(parseInt(raw.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

export type TreeXattrs = Map<string, Map<string, Buffer>>;

let getfattrMissing = false;

/**
 * The carried xattrs of every path under `root` (relative paths, '' for the root itself), read
 * with one `getfattr` walk (Node has no xattr calls; package attr). Symlinks are not followed.
 * Without getfattr the tree is reported as having none (debug log).
 */
export function readTreeXattrs(root: string): TreeXattrs {
  const out: TreeXattrs = new Map();
  if (getfattrMissing) return out;
  const r = spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', PATTERN, '-e', 'base64', '.'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      getfattrMissing = true;
      log.debug(`cannot run getfattr (${r.error.message}): extended attributes are left out`);
      return out;
    }
    throw new BerthError('IO', `cannot read the extended attributes of ${root}: ${r.error.message}`);
  }
  // a file that vanished or refuses (exit 1) still leaves the others listed
  if (r.status !== 0 && r.stderr.trim()) log.debug(`getfattr ${root}: ${r.stderr.trim().split('\n').slice(0, 3).join('; ')}`);
  let cur: Map<string, Buffer> | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      const p = unquote(line.slice(8));
      const rel = p === '.' ? '' : p.startsWith('./') ? p.slice(2) : p;
      cur = new Map();
      out.set(rel, cur);
      continue;
    }
    if (!cur || line === '') continue;
    // an empty value may be printed as the name alone
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    if (!carriedXattr(name)) continue;
    const v = eq < 0 ? '' : line.slice(eq + 1);
    cur.set(
      name,
      v.startsWith('0s') ? Buffer.from(v.slice(2), 'base64') : v.startsWith('"') ? Buffer.from(v.slice(1, -1)) : Buffer.alloc(0),
    );
  }
  for (const [k, v] of out) if (v.size === 0) out.delete(k);
  return out;
}

/** Whether two xattr sets are equal (names and values). */
export function sameXattrs(a: ReadonlyMap<string, Buffer> | undefined, b: ReadonlyMap<string, Buffer> | undefined): boolean {
  const as = a?.size ?? 0;
  if (as !== (b?.size ?? 0)) return false;
  if (as === 0) return true;
  for (const [k, v] of a!) {
    const w = b!.get(k);
    if (!w || !w.equals(v)) return false;
  }
  return true;
}
