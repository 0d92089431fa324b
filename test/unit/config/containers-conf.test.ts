import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadEngineSettings } from '../../../src/config/containers-conf.js';
import { expectError } from '../../helpers/expect-error.js';

test('containers.conf: CONTAINERS_CONF alone is read; image_parallel_copies parsed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'c.conf');
  writeFileSync(f, '[engine]\nimage_parallel_copies = 3\n');
  assert.deepEqual(loadEngineSettings({ CONTAINERS_CONF: f }), { imageParallelCopies: 3 });
  writeFileSync(f, '[engine]\n');
  assert.deepEqual(loadEngineSettings({ CONTAINERS_CONF: f }), {});
});

test('containers.conf: the user file overrides; bad values are one-line CONFIG errors', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'containers'), { recursive: true });
  const user = join(dir, 'containers', 'containers.conf');
  writeFileSync(user, '[engine]\nimage_parallel_copies = 2\n');
  assert.equal(loadEngineSettings({ XDG_CONFIG_HOME: dir }).imageParallelCopies, 2);
  writeFileSync(user, '[engine]\nimage_parallel_copies = "four"\n');
  assert.throws(() => loadEngineSettings({ XDG_CONFIG_HOME: dir }), expectError('CONFIG', /image_parallel_copies must be a number/));
  writeFileSync(user, '[engine\n');
  assert.throws(
    () => loadEngineSettings({ XDG_CONFIG_HOME: dir }),
    // podman's words, then the parser's
    expectError('CONFIG', undefined, (e) =>
      assert.ok(
        e.message.startsWith(`reading system config ${JSON.stringify(user)}: decode configuration ${user}: toml: line 1: `),
        e.message,
      ),
    ),
  );
});
