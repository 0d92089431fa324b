/**
 * The fast default-table writer of `berth images`, which must produce exactly what the
 * Go-tabwriter port (cli/format/tabwriter.ts, podman's minwidth 12 / padding 2) produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignTable } from '../../../../cli/commands/images.js';
import { tabwrite } from '../../../../cli/format/tabwriter.js';

test('alignTable equals the Go tabwriter port for uniform tables', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = () =>
    ['', 'a', '<none>', 'localhost/very/long/repository/name', 'ünïcödé', '☺☺', '3 hours ago', 'x'.repeat(rnd(30))][rnd(8)]!;
  for (let t = 0; t < 50; t++) {
    const cols = 1 + rnd(7);
    const lines = Array.from({ length: rnd(20) }, () => Array.from({ length: cols }, word));
    const text = lines.map((l) => `${l.join('\t')}\n`).join('');
    assert.equal(alignTable(lines), tabwrite(text), JSON.stringify(lines));
  }
});
