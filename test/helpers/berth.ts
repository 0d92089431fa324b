/**
 * berth's CLI in an isolated environment: its own HOME, XDG dirs, registries.conf, auth file
 * and store, so tests never read or write the machine's configuration.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, scratchDir, writeUserPolicy, type RunResult } from './tools.js';

/** The `berth` executable users run (package.json "bin"): the bundled CLI's launcher. */
export const BERTH_CLI = fileURLToPath(new URL('../../cli/berth.cjs', import.meta.url));

export interface ScratchBerth {
  dir: string;
  home: string;
  /** The default store (--root). */
  root: string;
  authFile: string;
  confPath: string;
  /** HOME's user policy.json (accepts everything; tests may replace it). */
  policyFile: string;
  env: Record<string, string | undefined>;
  /** Every result of run(), for checks over all output (e.g. no secret ever printed). */
  outputs: RunResult[];
  /** Run berth; stdin is an empty pipe unless `input` is given (never a TTY). */
  run(args: string[], opts?: { env?: Record<string, string | undefined>; input?: string; root?: string; cwd?: string }): Promise<RunResult>;
  /** A fresh store directory. */
  store(): string;
  cleanup(): Promise<void>;
}

export async function scratchBerth(registriesConf = 'unqualified-search-registries = []\n'): Promise<ScratchBerth> {
  const dir = await scratchDir('berth-cli-');
  const home = path.join(dir, 'home');
  for (const d of ['home/.config', 'run', 'cache', 'data', 'tmp']) await fsp.mkdir(path.join(dir, d), { recursive: true, mode: 0o700 });
  // its own accept-everything user policy: no test depends on the machine's /etc/containers/policy.json
  const policyFile = writeUserPolicy(home);
  const confPath = path.join(dir, 'registries.conf');
  await fsp.writeFile(confPath, registriesConf);
  const authFile = path.join(dir, 'auth.json');
  const env = {
    HOME: home,
    XDG_RUNTIME_DIR: path.join(dir, 'run'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    TMPDIR: path.join(dir, 'tmp'),
    CONTAINERS_REGISTRIES_CONF: confPath,
    REGISTRY_AUTH_FILE: authFile,
    CONTAINERS_CONF: path.join(dir, 'containers.conf'),
    DOCKER_CONFIG: undefined,
    BERTH_ROOT: undefined,
    BERTH_DEBUG: undefined,
  };
  const root = path.join(dir, 'store');
  const outputs: RunResult[] = [];
  let n = 0;
  return {
    dir,
    home,
    root,
    authFile,
    confPath,
    policyFile,
    env,
    outputs,
    run: async (args, o = {}) => {
      const r = await run(process.execPath, [BERTH_CLI, '--root', o.root ?? root, ...args], {
        env: { ...env, ...(o.env ?? {}) },
        input: o.input ?? '',
        cwd: o.cwd,
        timeoutMs: 60_000,
      });
      outputs.push(r);
      return r;
    },
    store: () => path.join(dir, `store-${n++}`),
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

/** Every file under `dir` as "RELATIVE-PATH SIZE", sorted ([] when it does not exist): a store's state to compare. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} ${fs.statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}
