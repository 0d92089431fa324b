#!/usr/bin/env node
/**
 * berth CLI entry: finds the command, loads only its module (fast start-up), runs it, and
 * turns BerthErrors into one-line messages with podman's exit codes.
 */
// The library and the error printer are imported when needed, so --help and --version stay instant.
type Library = typeof import('../src/index.js');
const library = (): Promise<Library> => import('../src/index.js');
const printError = async (e: unknown): Promise<number> => (await import('./errors.js')).printError(e);

/** command words -> module under ./commands (loaded lazily). */
const COMMANDS: Record<string, string> = {
  load: 'load', 'image load': 'load',
  save: 'save', 'image save': 'save',
  import: 'import', 'image import': 'import',
  copy: 'copy', 'image copy': 'copy',
  'system check': 'system-check', 'system gc': 'system-gc', 'system recover': 'system-recover', 'system prune': 'system-gc',
  images: 'images', 'image ls': 'images', 'image list': 'images',
  tag: 'tag', 'image tag': 'tag',
  untag: 'untag', 'image untag': 'untag',
  rmi: 'rmi', 'image rm': 'rmi',
  'image prune': 'prune',
  inspect: 'inspect', 'image inspect': 'inspect',
  'image exists': 'exists',
  history: 'history', 'image history': 'history',
  'image tree': 'tree',
  pull: 'pull', 'image pull': 'pull',
  push: 'push', 'image push': 'push',
  login: 'login', logout: 'logout',
  search: 'search', 'image search': 'search',
  'image list-tags': 'list-tags',
};

const GLOBAL_HELP = `Usage: berth [--root DIR] COMMAND [OPTIONS]

Daemonless container image manager (podman-compatible image commands).

Commands:
  images      List images                     pull        Pull an image from a registry
  tag         Add names to an image           push        Push an image to a registry or transport
  untag       Remove names from an image      login       Log in to a registry
  rmi         Remove images                   logout      Log out of a registry
  inspect     Show image details (JSON)       search      List a repository's tags (--list-tags)
  history     Show image history              load        Load images from an archive
  save        Save images to an archive       import      Create an image from a rootfs tarball
  copy        Copy an image between transports
  image       exists | prune | tree | ls | rm | inspect | history | list-tags ...
  system      check | gc | recover

Global options:
  --root DIR  store directory (env BERTH_ROOT; default /var/lib/berth as root, $XDG_DATA_HOME/berth otherwise)
  --version   print the version

Run "berth COMMAND --help" for a command's options.
`;

export interface GlobalOptions { root?: string }

async function main(argv: string[]): Promise<number> {
  const global: GlobalOptions = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { rest.push(...argv.slice(i)); break; }
    if (a === '--root') { global.root = argv[++i]; if (global.root === undefined) return printError(new Error('--root needs a directory')); continue; }
    if (a.startsWith('--root=')) { global.root = a.slice(7); continue; }
    if (a === '--debug') { (await library()).setLogLevel('debug'); continue; }
    if (a === '--log-level' || a.startsWith('--log-level=')) {
      const v = a === '--log-level' ? argv[++i] : a.slice(12);
      const lib = await library();
      const level = v === undefined ? undefined : lib.parseLogLevel(v);
      if (!level) {
        process.stderr.write(v === undefined ? 'Error: flag needs an argument: --log-level\n' : `Log Level ${JSON.stringify(v)} is not supported, choose from: ${lib.LOG_LEVEL_NAMES.join(', ')}\n`);
        return v === undefined ? 125 : 1;
      }
      lib.setLogLevel(level);
      continue;
    }
    rest.push(a);
  }
  if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' || rest[0] === 'help') { process.stdout.write(GLOBAL_HELP); return rest.length === 0 ? 125 : 0; }
  if (rest[0] === '--version' || rest[0] === 'version') { process.stdout.write('berth version 0.1.0\n'); return 0; }
  const two = rest.length > 1 ? `${rest[0]} ${rest[1]}` : '';
  let mod: string | undefined;
  let args: string[];
  if (two && COMMANDS[two]) { mod = COMMANDS[two]; args = rest.slice(2); }
  else { mod = COMMANDS[rest[0]!]; args = rest.slice(1); }
  if (!mod && (rest[0] === 'image' || rest[0] === 'system') && (rest.length === 1 || rest[1]!.startsWith('-'))) {
    const subs = Object.keys(COMMANDS).filter((k) => k.startsWith(`${rest[0]} `)).map((k) => k.slice(rest[0]!.length + 1));
    process.stderr.write(`Error: missing command 'berth ${rest[0]} COMMAND' (commands: ${subs.join(', ')})\n`);
    return 125;
  }
  if (!mod) {
    const word = rest[0] === 'image' || rest[0] === 'system' ? two || rest[0]! : rest[0]!;
    process.stderr.write(`Error: unrecognized command \`berth ${word}\` (run "berth --help" for the list)\n`);
    return 125;
  }
  const m = (await import(`./commands/${mod}.js`)) as { run(args: string[], g: GlobalOptions): Promise<number> };
  return m.run(args, global);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  async (e: unknown) => { process.exitCode = await printError(e); },
);
