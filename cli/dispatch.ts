/**
 * The CLI's dispatch, shared by both bundled entries (cli/main.ts, every command; cli/light.ts,
 * the commands that only read or name images in the store): parses the global flags, finds the
 * command in the command table, parses its flags, loads only its module (fast start-up), runs
 * it, and turns errors into one-line messages with podman's exit codes.
 */
import { statSync } from 'node:fs';
import { printError } from './errors.js';
import { discardStdout, stdioIdle, stdoutArchive, whenStdoutOpens } from './stdout-use.js';
import { setLogLevel, parseLogLevel, LOG_LEVEL_NAMES, log } from '../src/log.js';
import { GROUPS, PERSISTENT_FLAGS, ROOT_FLAGS, SUBGROUPS, findCommand, type CommandDef } from './command-table.js';
import { parseCommandLine, type FlagSpec, type Parsed } from './flags.js';
import { commandHelp, groupHelp, rootHelp } from './help.js';

export interface GlobalOptions {
  root?: string;
  /**
   * --runroot, as podman's (its storage.conf runroot: mount counts, locks). berth's run-time state
   * lives in the store, where every process using the store sees it whatever its --runroot:
   * mount counts carry the boot they were made in (so they do not outlive a reboot, as a runroot
   * on tmpfs would not), and process locks must be seen by every process sharing the store.
   */
  runroot?: string;
}

export const VERSION = '0.1.0';

/** A failure podman reports without "Error:" and with exit code 1 (bad --log-level, --config). */
class EarlyExit extends Error {}

/** Split off the leading flags (those before the first non-flag word). */
function leadingFlags(argv: readonly string[], flags: readonly FlagSpec[]): number {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    i++;
    if (a.includes('=')) continue;
    const f = a.startsWith('--') ? flags.find((x) => x.name === a.slice(2)) : flags.find((x) => x.short === a.slice(-1));
    if (f && f.type !== 'bool' && i < argv.length) i++;
  }
  return i;
}

function applyGlobals(pre: Parsed, cmd: Parsed | undefined): GlobalOptions {
  const value = (name: string) => (cmd?.changed.has(name) ? cmd.flags[name] : pre.flags[name]);
  const changed = (name: string) => pre.changed.has(name) || !!cmd?.changed.has(name);
  let levelName = value('log-level') as string;
  if (pre.flags.debug === true) {
    if (changed('log-level')) throw new EarlyExit('Setting --log-level and --debug is not allowed');
    levelName = 'debug';
  }
  const level = parseLogLevel(levelName.toLowerCase());
  if (!level) throw new EarlyExit(`Log Level ${JSON.stringify(levelName)} is not supported, choose from: ${LOG_LEVEL_NAMES.join(', ')}`);
  setLogLevel(level);
  log.info(`berth filtering at log level ${level}`);
  const config = pre.flags.config as string | undefined;
  if (config !== undefined) {
    // as podman: a directory holding config.json (it may not exist yet), used through DOCKER_CONFIG
    try {
      if (!statSync(config).isDirectory()) throw new EarlyExit(`Supplied --config file (${config}) is not a directory`);
    } catch (e) {
      if (e instanceof EarlyExit) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new EarlyExit(`Supplied --config folder (${config}) exists but is not accessible: ${(e as Error).message}`);
    }
    process.env.DOCKER_CONFIG = config;
  }
  if (pre.flags.noout === true) discardStdout();
  const root = value('root') as string | undefined;
  const runroot = value('runroot') as string | undefined;
  return { ...(root !== undefined ? { root } : {}), ...(runroot !== undefined ? { runroot } : {}) };
}

/** What a command line asks for: a command to run, or text to print (help, version, a usage error). */
export type Route =
  | {
      kind: 'print';
      /** stdout's text (computed only when printed) */
      out?: () => string;
      err?: string;
      code: number;
      /** the global flags to apply first (they may fail: a bad --log-level) */
      globals?: Parsed;
    }
  | { kind: 'command'; pre: Parsed; p: Parsed; def: CommandDef };

/** A command's module. */
export type CommandModule = { run(p: Parsed, g: GlobalOptions, def: CommandDef): Promise<number> };

/**
 * Read the command line, changing nothing (a light entry decides from this whether it runs the
 * command). Throws the usage errors of the flags.
 */
export function route(argv: readonly string[]): Route {
  const rootSpec = { name: '', flags: [...PERSISTENT_FLAGS, ...ROOT_FLAGS], maxArgs: 0 };
  const n = leadingFlags(argv, rootSpec.flags);
  const pre = parseCommandLine(argv.slice(0, n), rootSpec);
  let rest = argv.slice(n);
  if (pre.help) return { kind: 'print', out: rootHelp, code: 0 };
  if (pre.flags.version === true) return { kind: 'print', out: () => `berth version ${VERSION}\n`, code: 0 };
  if (rest[0] === '--') rest = rest.slice(1);
  if (rest.length === 0) return { kind: 'print', globals: pre, out: rootHelp, err: "Error: missing command 'berth COMMAND'\n", code: 125 };
  let words = rest[0]!;
  let args = rest.slice(1);
  // a group ("image", "system", "image trust") takes the next word
  while ([...GROUPS, ...SUBGROUPS].some((g) => g.name === words)) {
    // persistent flags may come between the group and its command
    const skip = leadingFlags(args, PERSISTENT_FLAGS);
    const before = args.slice(0, skip);
    const sub = args[skip];
    const group = words;
    if (before.includes('--help') || before.includes('-h') || sub === '--help' || sub === '-h')
      return { kind: 'print', out: () => groupHelp(group), code: 0 };
    if (sub === undefined) {
      // a flag no command of the group has is pflag's error first, as podman's ("unknown flag: --x")
      parseCommandLine(before, { name: group, flags: PERSISTENT_FLAGS, maxArgs: 0 });
      return { kind: 'print', out: () => groupHelp(group), err: `Error: missing command 'berth ${words} COMMAND'\n`, code: 125 };
    }
    words = `${words} ${sub}`;
    args = [...before, ...args.slice(skip + 1)];
  }
  const def = findCommand(words);
  if (!def) return { kind: 'print', err: `Error: unrecognized command \`berth ${words}\`\n`, code: 125 };
  const p = parseCommandLine(args, { ...def, name: words, flags: [...def.flags, ...PERSISTENT_FLAGS] });
  if (p.help) return { kind: 'print', out: () => commandHelp(def), code: 0 };
  return { kind: 'command', pre, p, def };
}

async function main(r: Route, load: (module: string) => Promise<CommandModule>): Promise<number> {
  if (r.kind === 'print') {
    if (r.globals) applyGlobals(r.globals, undefined);
    if (r.out) process.stdout.write(r.out());
    if (r.err) process.stderr.write(r.err);
    return r.code;
  }
  const { pre, p, def } = r;
  const g = applyGlobals(pre, p);
  if (def.name === 'help') return help(p.args);
  return (await load(def.module)).run(p, g, def);
}

/** `berth help [COMMAND...]`. */
function help(words: string[]): number {
  if (words.length === 0) {
    process.stdout.write(rootHelp());
    return 0;
  }
  const name = words.join(' ');
  if ([...GROUPS, ...SUBGROUPS].some((g) => g.name === name)) {
    process.stdout.write(groupHelp(name));
    return 0;
  }
  const def = findCommand(name);
  if (!def) {
    process.stderr.write(`Error: unknown help topic \`${name}\`\n`);
    return 125;
  }
  process.stdout.write(commandHelp(def));
  return 0;
}

/**
 * Run the command line `argv` (already read into `routed`, if given), loading the command's
 * module with `load`, and set the exit code.
 */
export function startCli(
  argv: readonly string[],
  load: (module: string) => Promise<CommandModule>,
  routed?: Route,
  opts: {
    /**
     * End the process as soon as the command has settled and its output has reached the kernel,
     * instead of letting the event loop run dry: Node's last loop turn and teardown (a young-
     * generation collection V8 scheduled meanwhile, freeing the environment) cost a listing
     * about 5 ms, a sixth of what it does. Only for commands that leave nothing running behind
     * their promise (the light bundle's).
     */
    exitWhenDone?: boolean;
  } = {},
): void {
  // As podman (a Go program ends on SIGPIPE): when the reader of stdout goes away (`berth images |
  // head -1`), berth stops quietly with the shell's SIGPIPE status instead of reporting the write.
  whenStdoutOpens((stdout) =>
    stdout.on('error', (e: NodeJS.ErrnoException) => {
      // an archive's writer reports its own failure (one `Error:` line, status 125)
      if (e.code === 'EPIPE' && stdoutArchive.active) return;
      if (e.code === 'EPIPE') process.exit(141);
      process.stderr.write(`Error: writing to stdout: ${e.message}\n`);
      process.exit(125);
    }),
  );

  // Why: a command whose promise never settles (a stream nobody ends) would otherwise let the
  // event loop run dry and exit 0 as if it had succeeded.
  let settled = false;
  process.on('beforeExit', () => {
    if (settled) return;
    settled = true;
    process.stderr.write('Error: berth stopped before the command finished: an operation was left waiting for data that never came\n');
    process.exitCode = 125;
  });

  const finish = (code: number) => {
    settled = true;
    process.exitCode = code;
    if (opts.exitWhenDone === true && stdioIdle()) process.exit(code);
  };
  // a usage error of the flags is reported as any other failure
  let def: CommandDef | undefined;
  new Promise<Route>((resolve) => resolve(routed ?? route(argv)))
    .then((r) => {
      if (r.kind === 'command') def = r.def;
      return main(r, load);
    })
    .then(finish, (e: unknown) => {
      if (e instanceof EarlyExit) {
        process.stderr.write(`${e.message}\n`);
        finish(1);
        return;
      }
      finish(printError(e, def));
    });
}
