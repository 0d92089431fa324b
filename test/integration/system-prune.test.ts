/**
 * `berth system prune` side by side with podman 4.3.1's: the confirmation (WARNING listing what
 * is removed; "n" removes nothing; end of input is "Error: EOF"), then containers and dangling
 * images (-a: every image no container uses), the summary ("Deleted Containers", "Deleted
 * Images", "Total reclaimed space: ..."), and podman's error for a filter it does not know.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { haveTool, scratchPodman, writeTinyOciLayout, type RunResult, type ScratchPodman } from '../helpers/tools.js';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';

const T = { timeout: 120_000 };
const skip = haveTool('podman') ? false : 'podman not installed';

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

const WARNING = (all: boolean) =>
  `WARNING! This command removes:\n\t- all stopped containers\n\t- ${
    all ? 'all images without at least one container associated with them' : 'all dangling images'
  }\n\nAre you sure you want to continue? [y/N] `;

describe('system prune as podman', { skip }, () => {
  let b: ScratchBerth;
  let p: ScratchPodman;
  let root: string;
  let named: string;
  let dangling: string;
  const NAME = 'localhost/prune/app:1';
  before(async () => {
    b = await scratchBerth();
    p = await scratchPodman();
    root = b.store();
    const app = await writeTinyOciLayout(path.join(b.dir, 'app'), { files: { 'app.txt': 'app\n' } });
    const old = await writeTinyOciLayout(path.join(b.dir, 'old'), { files: { 'old.txt': 'old, unnamed\n' } });
    named = app.configDigest.slice(7);
    dangling = old.configDigest.slice(7);
    const unnamed = path.join(b.dir, 'old.tar');
    ok(await b.run(['copy', '-q', `oci:${old.dir}`, `oci-archive:${unnamed}`]), 'archive');
    for (const [tool, runIn] of [
      ['berth', (a: string[]) => b.run(a, { root })],
      ['podman', (a: string[]) => p.run(a)],
    ] as const) {
      ok(await runIn(['pull', '-q', `oci:${app.dir}`]), `${tool} pull`);
      ok(await runIn(['tag', named, NAME]), `${tool} tag`);
      ok(await runIn(['untag', named, `localhost${app.dir}:latest`]), `${tool} untag`);
      ok(await runIn(['pull', '-q', `oci-archive:${unnamed}`]), `${tool} pull archive`);
      ok(await runIn(['create', '--name', 'keeper', NAME]), `${tool} create`);
    }
  });
  after(async () => {
    await b?.cleanup();
    await p?.cleanup();
  });

  const images = async (tool: 'berth' | 'podman') =>
    (tool === 'berth'
      ? await b.run(['images', '-a', '-q', '--no-trunc'], { root })
      : await p.run(['images', '-a', '-q', '--no-trunc'])
    ).stdout.replaceAll('sha256:', '');

  test('"n" removes nothing; end of input is Error: EOF', T, async () => {
    const before = await images('berth');
    for (const all of [false, true]) {
      const args = ['system', 'prune', ...(all ? ['-a'] : [])];
      const mine = await b.run(args, { root, input: 'n\n' });
      const theirs = await p.run(args, { input: 'n\n' });
      assert.equal(mine.code, 0);
      assert.equal(theirs.code, 0);
      assert.equal(mine.stdout, WARNING(all));
      // podman lists networks and build cache too, which berth does not have
      assert.ok(theirs.stdout.startsWith('WARNING! This command removes:\n\t- all stopped containers\n'), theirs.stdout);
      assert.ok(theirs.stdout.endsWith('\n\nAre you sure you want to continue? [y/N] '), theirs.stdout);
    }
    const mine = await b.run(['system', 'prune'], { root });
    const theirs = await p.run(['system', 'prune']);
    assert.equal(mine.code, 125);
    assert.equal(theirs.code, 125);
    assert.equal(mine.stderr, 'Error: EOF\n');
    assert.equal(theirs.stderr, mine.stderr);
    assert.equal(await images('berth'), before);
    assert.equal((await b.run(['ps', '-a', '-q'], { root })).stdout.split('\n').filter(Boolean).length, 1);
  });

  test('an unknown filter: podman words, nothing removed', T, async () => {
    const before = await images('berth');
    const mine = await b.run(['system', 'prune', '-f', '--filter', 'bogus=1'], { root });
    const theirs = await p.run(['system', 'prune', '-f', '--filter', 'bogus=1']);
    assert.equal(mine.code, 125);
    assert.equal(theirs.code, 125);
    assert.equal(mine.stderr, 'Error: bogus is an invalid filter\n');
    assert.equal(theirs.stderr, mine.stderr);
    assert.equal(await images('berth'), before);
  });

  test('prune: containers and dangling images, then -a: images no container uses', T, async () => {
    const mineIds = (await b.run(['ps', '-a', '-q', '--no-trunc'], { root })).stdout.trim();
    const theirsIds = (await p.run(['ps', '-a', '-q', '--no-trunc'])).stdout.trim();
    const mine = ok(await b.run(['system', 'prune'], { root, input: 'y\n' }), 'berth prune');
    const theirs = ok(await p.run(['system', 'prune'], { input: 'y\n' }), 'podman prune');
    const summary = (ids: string) => `Deleted Containers\n${ids}\nDeleted Images\n${dangling}\nTotal reclaimed space: `;
    assert.ok(mine.stdout.startsWith(WARNING(false) + summary(mineIds)), mine.stdout);
    assert.ok(theirs.stdout.includes(summary(theirsIds)), theirs.stdout);
    assert.match(mine.stdout, /Total reclaimed space: \d+(\.\d+)?kB\n$/);
    assert.equal(await images('berth'), `${named}\n`);
    assert.equal(await images('podman'), `${named}\n`);

    const again = ok(await b.run(['system', 'prune', '-f'], { root }), 'prune again');
    assert.equal(again.stdout, 'Total reclaimed space: 0B\n');
    assert.equal((await p.run(['system', 'prune', '-f'])).stdout, again.stdout);

    const allMine = ok(await b.run(['system', 'prune', '-a', '-f'], { root }), 'berth prune -a');
    const allTheirs = ok(await p.run(['system', 'prune', '-a', '-f']), 'podman prune -a');
    assert.match(allMine.stdout, new RegExp(`^Deleted Images\\n${named}\\nTotal reclaimed space: \\d+(\\.\\d+)?kB\\n$`));
    assert.match(allTheirs.stdout, new RegExp(`^Deleted Images\\n${named}\\nTotal reclaimed space: `));
    assert.equal(await images('berth'), '');
    assert.equal(await images('podman'), '');
    const check = await b.run(['system', 'check'], { root });
    assert.equal(check.code, 0, check.stdout);
  });
});
