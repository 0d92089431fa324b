import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContext } from '../../../src/config/context.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadRegistriesConf } from '../../../src/config/registries.js';
import { expectError } from '../../helpers/expect-error.js';

test('context: parallel copies come from the caller, else containers.conf, else the engine default', () => {
  assert.equal(buildContext({ engine: { imageParallelCopies: 3 } }).parallelCopies(), 3);
  assert.equal(buildContext({ engine: { imageParallelCopies: 3 } }).parallelCopies(5), 5);
  assert.equal(buildContext({ engine: { imageParallelCopies: 0 } }).parallelCopies(), undefined);
  assert.equal(buildContext({ engine: {} }).parallelCopies(), undefined);
});

test('context: registry access per side; registries.conf insecure unless the flag says otherwise', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-context-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'registries.conf'), '[[registry]]\nlocation = "insecure.test"\ninsecure = true\n');
  const registriesConf = loadRegistriesConf({ path: join(dir, 'registries.conf') });
  const ctx = buildContext({
    registriesConf,
    registry: { creds: 'src:pw' },
    destRegistry: { creds: 'dst:pw', tlsVerify: true },
  });
  assert.deepEqual(ctx.registry('insecure.test', 'source').credentials, { username: 'src', password: 'pw' });
  assert.equal(ctx.registry('insecure.test', 'source').insecure, true);
  assert.deepEqual(ctx.registry('insecure.test', 'destination').credentials, { username: 'dst', password: 'pw' });
  assert.equal(ctx.registry('insecure.test', 'destination').insecure, false);
  assert.equal(ctx.registry('other.test', 'source').insecure, false);
  // one set of flags serves both sides
  const one = buildContext({ registriesConf, registry: { tlsVerify: false } });
  assert.equal(one.registry('other.test', 'destination').insecure, true);
  // the operation's signal reaches the transports
  const ac = new AbortController();
  assert.equal(buildContext({ registriesConf, signal: ac.signal }).registry('x.test', 'source').signal, ac.signal);
});

test('context: the signature policy is policy.json unless insecure; no store is a clear error', async () => {
  const ctx = buildContext({ insecurePolicy: true });
  assert.equal(ctx.policy(), ctx.policy(), 'built once');
  assert.throws(() => buildContext().store(), expectError('INVALID_ARGUMENT', /needs a store/));
  assert.throws(() => buildContext().lookupImage(undefined as never, 'x'), expectError('INVALID_ARGUMENT', /needs an image lookup/));
});
