import { logout } from '../../src/index.js';
import { checkAuthFile } from '../registry-flags.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const o = p.opts as { all?: boolean; authfile?: string; compatAuthFile?: string };
  checkAuthFile(p.opts, 'checking authfile: ');
  const opts = { all: o.all, authfile: o.authfile ?? process.env.REGISTRY_AUTH_FILE, compatAuthFile: o.compatAuthFile };
  process.stdout.write(`${await logout(p.args[0], opts)}\n`);
  return 0;
}
