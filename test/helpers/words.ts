/**
 * A table of failures in podman's words, run side by side: each row's command runs against berth
 * and, when podman is installed, against podman 4.3.1 (scratch store); both stores hold the same
 * imported image, and both must give the row's first line of stderr and exit code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { haveTool, makeTar, scratchPodman, type RunResult, type ScratchPodman } from './tools.js';
import { scratchBerth, type ScratchBerth } from './berth.js';

export interface WordsRow {
  args: string[];
  /** The first line of stderr. */
  first: string;
  /** The exit code (default 125). */
  code?: number;
}

/** `check(got, want)` compares a first line (default: equal). */
export function wordsSuite(
  title: string,
  image: string,
  rows: readonly WordsRow[],
  check: (got: string, want: string) => void = (got, want) => assert.equal(got, want),
): void {
  const firstLine = (r: RunResult): string => r.stderr.split('\n')[0] ?? '';
  describe(title, { timeout: 120_000 }, () => {
    let berth: ScratchBerth;
    let podman: ScratchPodman | undefined;

    before(async () => {
      berth = await scratchBerth();
      const tar = path.join(berth.dir, 'rootfs.tar');
      await fsp.writeFile(tar, makeTar({ 'hello.txt': 'hello\n' }));
      const b = await berth.run(['import', tar, image]);
      assert.equal(b.code, 0, b.stderr);
      if (haveTool('podman')) {
        podman = await scratchPodman();
        const p = await podman.run(['import', tar, image]);
        assert.equal(p.code, 0, p.stderr);
      }
    });

    after(async () => {
      await berth?.cleanup();
      await podman?.cleanup();
    });

    for (const row of rows) {
      test(row.args.map((a) => (a.length > 40 ? `${a.slice(0, 10)}...` : a)).join(' ') || '(empty)', async () => {
        const b = await berth.run(row.args);
        check(firstLine(b), row.first);
        assert.equal(b.code, row.code ?? 125, b.stderr);
        if (podman) {
          const p = await podman.run(row.args);
          check(firstLine(p), row.first);
          assert.equal(p.code, row.code ?? 125, p.stderr);
        }
      });
    }
  });
}
