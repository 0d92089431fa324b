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
import { SYNCED_MARKER, bootId, trustedStamp } from '../../../src/rootfs/boot-stamp.js';
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
  /** A tree with its record (as a cache entry: the record carries the stamp). */
  const entry = (t: { after: (f: () => void) => void }, boot?: string, ageSeconds = 0) => {
    const d = tree(t);
    const e = join(d, 'entry');
    mkdirSync(join(e, 'diff'), { recursive: true });
    writeFileSync(join(e, 'diff/f'), 'data');
    writeFileSync(join(e, 'record'), JSON.stringify(boot === undefined ? {} : { boot }));
    const when = Date.now() / 1000 - ageSeconds;
    utimesSync(join(e, 'record'), when, when);
    return e;
  };
  const stampOf = (e: string): string | undefined | null => {
    try {
      return (JSON.parse(readFileSync(join(e, 'record'), 'utf8')) as { boot?: string }).boot;
    } catch {
      return null;
    }
  };

  test('this boot: the stamp is the boot id and nothing is synced; the real boot id is the machine’s', (t) => {
    const e = entry(t);
    assert.equal(
      withBoot('boot-a', () => stampOrSync(e)),
      'boot-a',
    );
    assert.equal(existsSync(join(e, SYNCED_MARKER)), false);
    assert.equal(
      withBoot('boot-a', () => trustedStamp('boot-a', e)),
      true,
    );
    if (existsSync('/proc/sys/kernel/random/boot_id'))
      assert.equal(
        withBoot(undefined, () => bootId()),
        readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      );
  });

  test('another boot: a tree never synced is not trusted; a synced one is; one without a stamp (synced when written) is', (t) => {
    const e = entry(t, 'boot-a');
    assert.equal(
      withBoot('boot-b', () => trustedStamp('boot-a', e)),
      false,
    );
    writeFileSync(join(e, SYNCED_MARKER), '');
    assert.equal(
      withBoot('boot-b', () => trustedStamp('boot-a', e)),
      true,
    );
    assert.equal(
      withBoot('boot-b', () => trustedStamp(undefined, entry(t))),
      true,
    );
  });

  test('no boot id: synced at once, no stamp, nothing to settle', (t) => {
    const e = entry(t, undefined, 60);
    assert.equal(
      withBoot('', () => stampOrSync(e)),
      undefined,
    );
    assert.equal(
      withBoot('', () => settleTrees([e], 'record', stampOf)),
      0,
    );
    assert.equal(existsSync(join(e, SYNCED_MARKER)), false);
  });

  test('settleTrees: syncs and marks only this boot’s trees older than ~30 s', (t) => {
    const young = entry(t, 'boot-a');
    const old = entry(t, 'boot-a', 60);
    const otherBoot = entry(t, 'boot-z', 60);
    const legacy = entry(t, undefined, 60);
    const unreadable = entry(t, 'boot-a', 60);
    writeFileSync(join(unreadable, 'record'), '{"boot":');
    utimesSync(join(unreadable, 'record'), Date.now() / 1000 - 60, Date.now() / 1000 - 60);
    assert.equal(
      withBoot('boot-a', () => settleTrees([young, old, otherBoot, legacy, unreadable, join(legacy, 'gone')], 'record', stampOf)),
      1,
    );
    assert.deepEqual(
      [young, old, otherBoot, legacy, unreadable].map((e) => existsSync(join(e, SYNCED_MARKER))),
      [false, true, false, true, false],
      'this boot’s old tree synced; a tree without a stamp only marked',
    );
    assert.equal(
      withBoot('boot-b', () => trustedStamp('boot-a', old)),
      true,
      'synced: trusted after a reboot',
    );
    assert.equal(
      withBoot('boot-b', () => trustedStamp('boot-a', young)),
      false,
    );
    const when = Date.now() / 1000 - 60;
    utimesSync(join(young, 'record'), when, when);
    assert.equal(
      withBoot('boot-a', () => settleTrees([young, old], 'record', stampOf)),
      1,
      'marked once',
    );
  });
});
