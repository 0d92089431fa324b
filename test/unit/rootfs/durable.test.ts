/**
 * syncTree: a tree of files, directories, symlinks (also dangling) and a FIFO is made durable
 * both ways (one syncfs; an fsync per file and directory), never opening a FIFO (which would
 * block) nor following a symlink; xattrs read back by readTreeXattrs (getfattr).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncTree } from '../../../src/rootfs/durable.js';
import { carriedXattr, readTreeXattrs, sameXattrs } from '../../../src/rootfs/xattrs.js';

function tree(t: { after: (f: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-durable-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'a/b'), { recursive: true });
  writeFileSync(join(d, 'a/b/f'), 'x');
  writeFileSync(join(d, 'top'), 'y');
  symlinkSync('/nowhere', join(d, 'dangling'));
  symlinkSync('/dev', join(d, 'a/dev-link'));
  assert.equal(spawnSync('mkfifo', [join(d, 'a/fifo')]).status, 0);
  return d;
}

for (const how of ['syncfs', 'fsync']) {
  test(`syncTree (${how}) returns for a tree with a FIFO and symlinks`, (t) => {
    const d = tree(t);
    const saved = process.env.BERTH_SYNC_TREE;
    if (how === 'fsync') process.env.BERTH_SYNC_TREE = 'fsync';
    try {
      syncTree(d);
    } finally {
      if (saved === undefined) delete process.env.BERTH_SYNC_TREE;
      else process.env.BERTH_SYNC_TREE = saved;
    }
  });
}

const hasAttr = spawnSync('getfattr', ['--version']).status === 0 && spawnSync('setfattr', ['--version']).status === 0;

test(
  'readTreeXattrs: user.* with binary values and odd names, relative paths, the root as ""',
  { skip: !hasAttr && 'attr missing' },
  (t) => {
    const d = tree(t);
    const odd = 'sp ace\\back\u00e9=eq';
    writeFileSync(join(d, 'a', odd), 'z');
    const set = (p: string, n: string, v: string) => assert.equal(spawnSync('setfattr', ['-n', n, '-v', v, p]).status, 0);
    set(join(d, 'a', odd), 'user.bin', '0sAAEC/w==');
    set(join(d, 'a/b/f'), 'user.text', 'hello');
    set(join(d, 'a/b/f'), 'user.containers.override_stat', '0:0:0644:file');
    set(d, 'user.root', '1');
    const x = readTreeXattrs(d);
    assert.deepEqual([...x.keys()].sort(), ['', 'a/b/f', `a/${odd}`]);
    assert.deepEqual(x.get(`a/${odd}`), new Map([['user.bin', Buffer.from([0, 1, 2, 255])]]));
    assert.deepEqual(x.get('a/b/f'), new Map([['user.text', Buffer.from('hello')]]), 'override_stat is not carried');
    assert.deepEqual(x.get(''), new Map([['user.root', Buffer.from('1')]]));
    assert.ok(sameXattrs(undefined, new Map()) && !sameXattrs(x.get(''), undefined) && sameXattrs(x.get(''), new Map(x.get(''))));
    assert.ok(carriedXattr('security.capability') && !carriedXattr('user.overlay.origin') && !carriedXattr('trusted.x'));
  },
);
