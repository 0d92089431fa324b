import { logout } from '../../src/index.js';
import { command, parse } from '../common.js';
import type { GlobalOptions } from '../main.js';

export async function run(argv: string[], _g: GlobalOptions): Promise<number> {
  const c = command('logout', 'Remove stored credentials for a registry')
    .argument('[registry]', 'HOST[:PORT][/NAMESPACE]')
    .option('-a, --all', 'remove the credentials of every registry')
    .option('--authfile <file>', 'auth.json to edit');
  const p = parse(c, argv);
  if (typeof p === 'number') return p;
  const o = p.opts as { all?: boolean; authfile?: string };
  process.stdout.write(`${await logout(p.args[0], { all: o.all, authfile: o.authfile ?? process.env.REGISTRY_AUTH_FILE })}\n`);
  return 0;
}
