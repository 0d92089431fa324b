/**
 * syncTree: a tree of files, directories, symlinks (also dangling) and a FIFO is made durable
 * both ways (one syncfs; an fsync per file and directory), never opening a FIFO (which would
 * block) nor following a symlink; xattrs read back by readTreeXattrs (getfattr). Derived trees
 * stamped with their boot instead of synced: trusted in that boot, after a reboot only once
 * synced; settleTrees syncs and marks this boot's trees once they are old enough.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settleTrees, stampOrSync, syncTree } from '../../../src/rootfs/durable.js';
import { BOOT_MARKER, SYNCED_MARKER, bootId, trustedTree } from '../../../src/rootfs/boot-stamp.js';
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

describe('deferred durability of derived trees (boot stamps)', () => {
  const withBoot = <T>(boot: string | undefined, f: () => T): T => {
    const saved = process.env.BERTH_BOOT_ID;
    if (boot === undefined) delete process.env.BERTH_BOOT_ID;
    else process.env.BERTH_BOOT_ID = boot;
    try {
      return f();
    } finally {
      if (saved === undefined) delete process.env.BERTH_BOOT_ID;
      else process.env.BERTH_BOOT_ID = saved;
    }
  };
  const entry = (t: { after: (f: () => void) => void }) => {
    const d = tree(t);
    const e = join(d, 'entry');
    mkdirSync(join(e, 'diff'), { recursive: true });
    writeFileSync(join(e, 'diff/f'), 'data');
    return e;
  };
  const age = (e: string, seconds: number) => {
    const t = Date.now() / 1000 - seconds;
    utimesSync(join(e, BOOT_MARKER), t, t);
  };

  test('this boot: stamped, not synced, trusted; the real boot id is the machine’s', (t) => {
    const e = entry(t);
    assert.equal(
      withBoot('boot-a', () => stampOrSync(e)),
      true,
    );
    assert.equal(readFileSync(join(e, BOOT_MARKER), 'utf8'), 'boot-a');
    assert.equal(existsSync(join(e, SYNCED_MARKER)), false);
    assert.equal(
      withBoot('boot-a', () => trustedTree(e)),
      true,
    );
    if (existsSync('/proc/sys/kernel/random/boot_id'))
      assert.equal(
        withBoot(undefined, () => bootId()),
        readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      );
  });

  test('another boot: a tree never synced is not trusted; a synced one is; one without a stamp (synced when written) is', (t) => {
    const e = entry(t);
    withBoot('boot-a', () => stampOrSync(e));
    assert.equal(
      withBoot('boot-b', () => trustedTree(e)),
      false,
    );
    writeFileSync(join(e, SYNCED_MARKER), '');
    assert.equal(
      withBoot('boot-b', () => trustedTree(e)),
      true,
    );
    const legacy = entry(t);
    assert.equal(
      withBoot('boot-b', () => trustedTree(legacy)),
      true,
    );
    assert.equal(
      withBoot('boot-b', () => trustedTree(join(legacy, 'missing'))),
      true,
      'the caller checks the record itself',
    );
  });

  test('no boot id: synced at once, nothing deferred', (t) => {
    const e = entry(t);
    assert.equal(
      withBoot('', () => stampOrSync(e)),
      false,
    );
    assert.equal(existsSync(join(e, BOOT_MARKER)), false);
    assert.equal(
      withBoot('', () => settleTrees([e])),
      0,
    );
  });

  test('settleTrees: syncs and marks only this boot’s trees older than ~30 s', (t) => {
    const [young, old, otherBoot, legacy] = [entry(t), entry(t), entry(t), entry(t)];
    withBoot('boot-a', () => [young, old].forEach((e) => stampOrSync(e)));
    withBoot('boot-z', () => stampOrSync(otherBoot));
    age(old, 60);
    age(otherBoot, 60);
    assert.equal(
      withBoot('boot-a', () => settleTrees([young, old, otherBoot, legacy, join(legacy, 'gone')])),
      1,
    );
    assert.deepEqual(
      [young, old, otherBoot, legacy].map((e) => existsSync(join(e, SYNCED_MARKER))),
      [false, true, false, false],
    );
    assert.equal(
      withBoot('boot-b', () => trustedTree(old)),
      true,
      'synced: trusted after a reboot',
    );
    assert.equal(
      withBoot('boot-b', () => trustedTree(young)),
      false,
    );
    age(young, 60);
    assert.equal(
      withBoot('boot-a', () => settleTrees([young, old])),
      1,
      'marked once',
    );
  });
});
