import { logout } from '../../src/index.js';
import { checkAuthFile } from '../registry-flags.js';
import { defaultRegistry } from './login.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const o = p.opts as { all?: boolean; authfile?: string; compatAuthFile?: string };
  checkAuthFile(p.opts, 'checking authfile: ');
  const opts = { all: o.all, authfile: o.authfile ?? process.env.REGISTRY_AUTH_FILE, compatAuthFile: o.compatAuthFile };
  const registry = p.args[0] ?? (o.all ? undefined : defaultRegistry());
  process.stdout.write(`${await logout(registry, opts)}\n`);
  return 0;
}
