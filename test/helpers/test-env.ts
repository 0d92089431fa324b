/**
 * Loaded before every test file by `npm test` (node --import): the tests get a HOME of their own
 * holding an accept-everything ~/.config/containers/policy.json, so that no test depends on the
 * machine's /etc/containers/policy.json (without any policy file, pull, push and copy refuse, as
 * podman does). Tests that need another policy give one (--signature-policy, a scratch HOME).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { writeUserPolicy } from './tools.js';

if (!process.env.BERTH_TEST_HOME) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-home-'));
  writeUserPolicy(home);
  process.env.BERTH_TEST_HOME = home;
  process.env.HOME = home;
  process.on('exit', () => fs.rmSync(home, { recursive: true, force: true }));
}
