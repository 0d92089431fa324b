import { config, login, loggedInUser } from '../../src/index.js';
import { BerthError } from '../../src/errors.js';
import { usageError } from '../common.js';
import { ask } from '../prompt.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** As podman: without a registry, the first unqualified-search registry of registries.conf. */
export function defaultRegistry(): string {
  const first = config.loadRegistriesConf().unqualifiedSearchRegistries[0];
  if (first === undefined) throw new BerthError('INVALID_ARGUMENT', 'no registries found in registries.conf, a registry must be provided');
  return first;
}

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const o = p.opts as Record<string, string | boolean | undefined>;
  const registry = p.args[0] ?? defaultRegistry();
  const authfile = (o.authfile as string | undefined) ?? process.env.REGISTRY_AUTH_FILE;
  const compatAuthFile = o.compatAuthFile as string | undefined;
  if (o.getLogin) {
    process.stdout.write(`${await loggedInUser(registry, { authfile, compatAuthFile })}\n`);
    return 0;
  }
  if (o.password !== undefined && o.passwordStdin) throw usageError('--password and --password-stdin cannot be used together');
  let username = o.username as string | undefined;
  let password = o.password as string | undefined;
  if (o.passwordStdin) {
    if (username === undefined) throw usageError('--password-stdin needs --username');
    password = await readStdin();
  }
  const interactive = !!process.stdin.isTTY;
  if (username === undefined) {
    if (!interactive) throw usageError('no username given', 'use -u USER (and -p or --password-stdin)');
    username = await ask('Username: ', false);
  }
  if (password === undefined) {
    if (!interactive) throw usageError('no password given', 'use -p PASSWORD or --password-stdin');
    password = await ask('Password: ', true);
  }
  const r = await login(registry, {
    username,
    password,
    authfile,
    compatAuthFile,
    tlsVerify: o.tlsVerify as boolean | undefined,
    certDir: o.certDir as string | undefined,
  });
  if (o.verbose) process.stdout.write(`Used: ${r.file}\n`);
  process.stdout.write('Login Succeeded!\n');
  return 0;
}
