/**
 * Every berth command in one declarative table: words, aliases, arguments, flags (type,
 * default, help). The parser, `--help`, `berth help CMD`, the group help (`berth image
 * --help`) and shell completion are all generated from it. Command code lives in
 * ./commands/<module>.ts and is loaded only when the command runs.
 *
 * Start-up cost (every module a command imports is paid on each run): cli/ reaches the library
 * only through its public entries, the files behind package.json "exports":
 *   - ../src/errors.js, ../src/log.js, ../src/go/index.js   leaf helpers, for any module;
 *   - ../src/local.js     the store and the operations on stored images (list, lookup, tag,
 *                         untag, inspect, history, tree, remove); never reaches the copy
 *                         engine, transports, config/auth files or codecs;
 *   - ../src/index.js     the whole library; for commands that move images or read
 *                         configuration (pull, push, load, save, login, ...).
 * Shared CLI modules (main, flags, help, errors, common, open-store, format/*) and commands
 * that only read or name stored images must not import ../src/index.js. A heavy library
 * function a light command needs sometimes is loaded with `await import()` at the point of
 * use (as the template engine is, only for --format templates), or, in the library, through a
 * lazy forwarder in src/lazy.ts. test/integration/startup-modules.test.ts runs the light
 * commands under a module trace and fails if they load anything heavy; add new light commands
 * to it. test/unit/layering.test.ts keeps the entries themselves cheap.
 */
import type { FlagSpec } from './flags.js';

/** podman ps --sort keys. */
const PS_SORT_KEYS = ['command', 'created', 'id', 'image', 'names', 'runningfor', 'size', 'status'] as const;

export interface CommandDef {
  /** Command words after "berth" ("pull", "image tree"). */
  name: string;
  /** Other command words that run the same command ("image pull", "image ls"). */
  aliases?: readonly string[];
  /** Module under ./commands (without extension). */
  module: string;
  /** One line, shown in command lists and as the first line of --help. */
  summary: string;
  /** Longer description for --help (defaults to the summary). */
  description?: string;
  /** What follows the command words in the Usage line ("[options] IMAGE [IMAGE...]"). */
  usage: string;
  examples?: readonly string[];
  flags: readonly FlagSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** podman's message when arguments are missing (instead of cobra's count message). */
  missingArgs?: string;
  /** What shell completion offers for positional arguments. */
  completeArgs?: 'file' | 'image' | 'container' | 'none' | readonly string[];
  /** false: flags end at the first positional argument (create IMAGE COMMAND -l). */
  interspersed?: boolean;
}

export interface GroupDef {
  name: string;
  summary: string;
  description: string;
}

/** Flags every command accepts (pflag persistent flags of the root command). */
export const PERSISTENT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'root',
    type: 'string',
    arg: 'DIR',
    complete: 'dir',
    help: 'store directory (env BERTH_ROOT; default /var/lib/berth as root, $XDG_DATA_HOME/berth otherwise)',
  },
  {
    name: 'runroot',
    type: 'string',
    arg: 'DIR',
    complete: 'dir',
    help: "podman's run-time state directory: accepted for scripts written for podman; berth keeps its run-time state in the store",
  },
  {
    name: 'log-level',
    type: 'string',
    def: 'warn',
    arg: 'string',
    help: 'log messages at and above this level (trace, debug, info, warn, warning, error, fatal, panic)',
  },
];

/** Flags accepted only before the command word (the root command's local flags). */
export const ROOT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'config',
    type: 'string',
    arg: 'DIR',
    complete: 'dir',
    help: 'directory of a Docker config.json to use for credentials (sets DOCKER_CONFIG)',
  },
  { name: 'debug', short: 'D', type: 'bool', help: 'same as --log-level=debug' },
  { name: 'noout', type: 'bool', help: 'do not write to stdout' },
  { name: 'version', short: 'v', type: 'bool', help: 'print the version' },
];

export const GROUPS: readonly GroupDef[] = [
  {
    name: 'image',
    summary: 'Manage images',
    description: 'Manage the images of the store (every image command also has a top-level form).',
  },
  { name: 'system', summary: 'Manage the store', description: 'Check, repair and clean the store.' },
  {
    name: 'manifest',
    summary: 'Manage manifest lists and image indexes',
    description: 'Assemble manifest lists (multi-platform images) in the store, inspect them and push them with their images.',
  },
  {
    name: 'container',
    summary: 'Manage containers',
    description:
      "Manage containers: writable copies of images' root filesystems (berth runs nothing; every container command also has a top-level form).",
  },
];

/** Groups inside a group ("image trust"): listed by their parent's help as their commands. */
export const SUBGROUPS: readonly GroupDef[] = [
  {
    name: 'image trust',
    summary: 'Manage container image trust policy',
    description: 'Show and edit the signature policy (policy.json) that decides which images may be pulled and copied.',
  },
];

const REGISTRY_FLAGS: readonly FlagSpec[] = [
  { name: 'authfile', type: 'string', complete: 'file', help: 'auth.json to use (default: REGISTRY_AUTH_FILE or the containers lookup)' },
  { name: 'cert-dir', type: 'string', arg: 'DIR', complete: 'dir', help: 'use certificates (*.crt, *.cert, *.key) from this directory' },
  { name: 'creds', type: 'string', arg: 'USER[:PASSWORD]', complete: 'none', help: 'credentials for the registry' },
  {
    name: 'tls-verify',
    type: 'bool',
    tristate: true,
    help: 'require HTTPS and verify certificates (default true, unless registries.conf marks the registry insecure)',
  },
  {
    name: 'retry',
    type: 'uint',
    complete: 'none',
    help: 'retries after a failed request (default: [engine] retry in containers.conf, else 3)',
  },
  {
    name: 'retry-delay',
    type: 'duration',
    complete: 'none',
    help: 'delay between retries, a Go duration such as 500ms or 2s (default: [engine] retry_delay in containers.conf, else 1s)',
  },
];

const PLATFORM_FLAGS: readonly FlagSpec[] = [
  {
    name: 'platform',
    type: 'string',
    arg: 'OS/ARCH[/VARIANT]',
    complete: 'none',
    help: 'platform to choose (cannot be combined with --arch, --os, --variant)',
  },
  { name: 'arch', type: 'string', arg: 'ARCH', complete: 'none', help: "architecture to choose instead of the machine's" },
  { name: 'os', type: 'string', arg: 'OS', complete: 'none', help: "operating system to choose instead of the machine's" },
  { name: 'variant', type: 'string', arg: 'VARIANT', complete: 'none', help: 'architecture variant to choose' },
];

/** Signing flags of push (podman) and copy (skopeo); cli/signing.ts turns them into signers. */
const SIGSTORE_SIGNING_FLAGS: readonly FlagSpec[] = [
  {
    name: 'sign-by-sigstore-private-key',
    type: 'string',
    arg: 'PATH',
    complete: 'file',
    help: 'sign the image using a sigstore private key at PATH',
  },
  { name: 'sign-passphrase-file', type: 'string', arg: 'PATH', complete: 'file', help: 'read a passphrase for signing an image from PATH' },
];

const JOBS: FlagSpec = {
  name: 'jobs',
  type: 'uint',
  min: 1,
  complete: 'none',
  help: 'layers transferred at once (default: image_parallel_copies in containers.conf, else twice the CPUs, 2 to 6)',
};
const SIGN_FLAGS: readonly FlagSpec[] = [
  {
    name: 'sign-by',
    type: 'string',
    arg: 'FINGERPRINT',
    complete: 'none',
    help: 'add a signature at the destination using the specified GnuPG key',
  },
];
const MANIFEST_FORMATS = ['oci', 'v2s2', 'docker'] as const;
const COMPRESSORS = ['gzip', 'zstd'] as const;
const compressorError = (v: string) => `cannot find compressor for ${JSON.stringify(v)}`;
const SORT_KEYS = ['created', 'id', 'repository', 'size', 'tag'] as const;
const SAVE_FORMATS = ['docker-archive', 'oci-archive', 'oci-dir', 'docker-dir'] as const;
/** The platform and annotation flags of a manifest list entry (manifest add, manifest annotate). */
const entryFlags = (of: string): FlagSpec[] => [
  { name: 'annotation', type: 'array', arg: 'KEY=VALUE', complete: 'none', help: `set an annotation ${of}` },
  { name: 'arch', type: 'string', complete: 'none', help: `set the architecture ${of}` },
  { name: 'features', type: 'array', complete: 'none', help: `set the features ${of}` },
  { name: 'os', type: 'string', complete: 'none', help: `set the operating system ${of}` },
  { name: 'os-version', type: 'string', complete: 'none', help: `set the OS version ${of}` },
  { name: 'variant', type: 'string', complete: 'none', help: `set the architecture variant ${of}` },
];
const quiet = (help: string): FlagSpec => ({ name: 'quiet', short: 'q', type: 'bool', help });
/** --progress of the commands that transfer images. */
const PROGRESS: FlagSpec = {
  name: 'progress',
  type: 'string',
  arg: 'FORMAT',
  choices: ['auto', 'json'],
  help: 'progress on stderr: auto (bars on a terminal, lines otherwise) or json (NDJSON events; also BERTH_PROGRESS=json)',
};

/** inspect's --format (image, container and all). */
const INSPECT_FORMAT_FLAG: FlagSpec = {
  name: 'format',
  short: 'f',
  type: 'string',
  def: 'json',
  arg: 'FORMAT',
  complete: 'none',
  help: 'json, or a Go template such as {{.Id}} {{.Name}}',
};

export const COMMANDS: readonly CommandDef[] = [
  {
    name: 'pull',
    aliases: ['image pull'],
    module: 'pull',
    summary: 'Pull images from a registry',
    description:
      'Copy images from a registry (or from oci:, oci-archive:, docker-archive:, dir:) into the store and print their IDs.\nShort names are resolved through registries.conf.',
    usage: '[options] IMAGE [IMAGE...]',
    minArgs: 1,
    completeArgs: 'image',
    examples: [
      'berth pull quay.io/libpod/alpine:latest',
      'berth pull --platform linux/arm64 docker.io/library/busybox',
      'berth pull docker-archive:/tmp/image.tar',
    ],
    flags: [
      PROGRESS,
      { name: 'all-tags', short: 'a', type: 'bool', help: 'pull every tag of the repository' },
      ...PLATFORM_FLAGS,
      ...REGISTRY_FLAGS,
      JOBS,
      {
        name: 'policy',
        type: 'string',
        def: 'always',
        choices: ['always', 'missing', 'never', 'newer'],
        help: 'when to pull: always, missing, never or newer',
        choiceError: (v) => `unsupported pull policy ${JSON.stringify(v)}`,
      },
      quiet('print only the image IDs'),
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to use instead of the default lookup' },
      { name: 'disable-content-trust', type: 'bool', hidden: true, help: 'accepted for compatibility (does nothing)' },
    ],
  },
  {
    name: 'push',
    aliases: ['image push'],
    module: 'push',
    summary: 'Push an image to a registry or any transport',
    description:
      "Copy an image from the store to [docker://]REGISTRY/REPO[:TAG] or to another transport (oci:DIR, docker-archive:FILE, ...).\nWithout DESTINATION the image's name is used. Prints the manifest digest.",
    usage: '[options] IMAGE [DESTINATION]',
    minArgs: 1,
    maxArgs: 2,
    completeArgs: 'image',
    examples: [
      'berth push localhost:5000/app:1.0',
      'berth push app:1.0 oci-archive:/tmp/app.tar',
      'berth push --format docker app docker://registry.example.com/app',
    ],
    flags: [
      PROGRESS,
      ...REGISTRY_FLAGS,
      {
        name: 'compression-format',
        type: 'string',
        choices: COMPRESSORS,
        choiceError: compressorError,
        help: 'compress uncompressed layers with gzip or zstd',
      },
      { name: 'compression-level', type: 'int', complete: 'none', help: 'compression level (gzip 1-9, zstd 1-20)' },
      { name: 'digestfile', type: 'string', complete: 'file', help: 'write the manifest digest to this file' },
      { name: 'force-compression', type: 'bool', help: 'recompress layers that are compressed differently' },
      {
        name: 'format',
        short: 'f',
        type: 'string',
        choices: MANIFEST_FORMATS,
        choiceError: (v) => `unknown format ${JSON.stringify(v)}. Choose on of the supported formats: 'oci', 'v2s2', or 'docker'`,
        help: 'manifest format of the destination: oci, v2s2 (or docker, the same)',
      },
      JOBS,
      quiet('do not print progress'),
      { name: 'remove-signatures', type: 'bool', help: 'do not copy the signatures stored with the image' },
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to use instead of the default lookup' },
      ...SIGN_FLAGS,
      ...SIGSTORE_SIGNING_FLAGS,
      { name: 'disable-content-trust', type: 'bool', hidden: true, help: 'accepted for compatibility (does nothing)' },
    ],
  },
  {
    name: 'login',
    module: 'login',
    summary: 'Log in to a registry',
    description:
      'Check credentials against a registry and store them in auth.json (written atomically, mode 0600).\nWithout REGISTRY, the first unqualified-search registry of registries.conf.',
    usage: '[options] [REGISTRY]',
    maxArgs: 1,
    completeArgs: 'none',
    examples: ['berth login -u me --password-stdin registry.example.com < pass.txt', 'berth login --get-login registry.example.com'],
    flags: [
      {
        name: 'authfile',
        type: 'string',
        complete: 'file',
        help: 'auth.json to write (default: REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json)',
      },
      {
        name: 'cert-dir',
        type: 'string',
        arg: 'DIR',
        complete: 'dir',
        help: 'use certificates (*.crt, *.cert, *.key) from this directory',
      },
      {
        name: 'compat-auth-file',
        type: 'string',
        complete: 'file',
        help: 'use this Docker config.json (written Docker-compatibly) instead of auth.json; not with --authfile',
      },
      { name: 'get-login', type: 'bool', help: 'print the username stored for the registry' },
      { name: 'password', short: 'p', type: 'string', complete: 'none', help: 'password (prefer --password-stdin)' },
      { name: 'password-stdin', type: 'bool', help: 'read the password from stdin' },
      {
        name: 'tls-verify',
        type: 'bool',
        tristate: true,
        help: 'require HTTPS and verify certificates (default true, unless registries.conf marks the registry insecure)',
      },
      { name: 'username', short: 'u', type: 'string', complete: 'none', help: 'username' },
      { name: 'verbose', short: 'v', type: 'bool', help: 'print the auth file that was written' },
    ],
  },
  {
    name: 'generate-sigstore-key',
    module: 'generate-sigstore-key',
    summary: 'Generate a sigstore public/private key pair',
    description:
      'Write PREFIX.pub (PEM public key) and PREFIX.private (an encrypted cosign private key, ECDSA P-256) for --sign-by-sigstore-private-key.\nWithout --passphrase-file the passphrase is asked for on the terminal.',
    usage: '[options] --output-prefix PREFIX',
    maxArgs: 0,
    completeArgs: 'none',
    examples: [
      'berth generate-sigstore-key --output-prefix my-key',
      'berth generate-sigstore-key --output-prefix my-key --passphrase-file pass.txt',
    ],
    flags: [
      { name: 'output-prefix', type: 'string', arg: 'PREFIX', complete: 'file', help: 'write the keys to PREFIX.pub and PREFIX.private' },
      { name: 'passphrase-file', type: 'string', arg: 'PATH', complete: 'file', help: 'read a passphrase for the private key from PATH' },
    ],
  },
  {
    name: 'logout',
    module: 'logout',
    summary: 'Log out of a registry',
    description: 'Remove stored credentials for a registry (or for every registry with --all).',
    usage: '[options] [REGISTRY]',
    maxArgs: 1,
    completeArgs: 'none',
    examples: ['berth logout registry.example.com', 'berth logout --all'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'remove the credentials of every registry' },
      { name: 'authfile', type: 'string', complete: 'file', help: 'auth.json to edit' },
      {
        name: 'compat-auth-file',
        type: 'string',
        complete: 'file',
        help: 'use this Docker config.json instead of auth.json; not with --authfile',
      },
    ],
  },
  {
    name: 'search',
    aliases: ['image search'],
    module: 'search',
    summary: 'List the tags of a repository (--list-tags)',
    description: "List the tags of a registry repository, following the registry's pagination. Only --list-tags is offered.",
    usage: '[options] REGISTRY/REPOSITORY',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'none',
    examples: ['berth search --list-tags quay.io/libpod/alpine'],
    flags: [
      ...REGISTRY_FLAGS.filter((f) => f.name !== 'retry' && f.name !== 'retry-delay'),
      { name: 'format', type: 'string', complete: 'none', help: 'json, or a Go template over {{.Name}} {{.Tag}}' },
      { name: 'limit', type: 'int', min: 0, complete: 'none', help: 'print at most this many tags (0: all)' },
      { name: 'list-tags', type: 'bool', help: 'list the tags of the repository' },
      { name: 'no-trunc', type: 'bool', help: 'accepted for compatibility (tags are never truncated)' },
    ],
  },
  {
    name: 'image list-tags',
    module: 'list-tags',
    summary: 'List the tags of a repository',
    usage: '[options] REGISTRY/REPOSITORY',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'none',
    examples: ['berth image list-tags quay.io/libpod/alpine'],
    flags: [
      ...REGISTRY_FLAGS.filter((f) => f.name !== 'retry' && f.name !== 'retry-delay'),
      { name: 'format', type: 'string', complete: 'none', help: 'json, or a Go template over {{.Name}} {{.Tag}}' },
      { name: 'limit', type: 'int', min: 0, complete: 'none', help: 'print at most this many tags (0: all)' },
    ],
  },
  {
    name: 'serve',
    module: 'serve',
    summary: 'Serve the store as a read-only registry',
    description:
      'Serve the images of the store over the OCI distribution API (read-only), so that podman, skopeo, docker or berth\n' +
      'on other machines pull from it. A stored name is served without its registry host: docker.io/library/busybox:latest\n' +
      'as HOST:PORT/library/busybox:latest, localhost/app:1 as HOST:PORT/app:1. Pushes and deletes answer 405.\n' +
      'Runs until interrupted (SIGINT, SIGTERM).',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth serve', 'berth serve --addr 0.0.0.0:5000 --tls-cert server.crt --tls-key server.key --htpasswd /etc/berth/htpasswd'],
    flags: [
      {
        name: 'addr',
        type: 'string',
        def: '127.0.0.1:5000',
        arg: 'HOST:PORT',
        complete: 'none',
        help: 'address to listen on (port 0: any free port; the address is printed)',
      },
      {
        name: 'tls-cert',
        type: 'string',
        arg: 'FILE',
        complete: 'file',
        help: 'serve https with this certificate (PEM, with its chain); needs --tls-key',
      },
      { name: 'tls-key', type: 'string', arg: 'FILE', complete: 'file', help: 'private key (PEM) of --tls-cert' },
      {
        name: 'htpasswd',
        type: 'string',
        arg: 'FILE',
        complete: 'file',
        help: 'require Basic authentication by the users of this htpasswd file (bcrypt entries, htpasswd -B)',
      },
    ],
  },
  {
    name: 'images',
    aliases: ['image ls', 'image list'],
    module: 'images',
    summary: 'List images in the store',
    description: 'List images: one row per name, <none> for images without names, newest first.',
    usage: '[options] [IMAGE]',
    maxArgs: 1,
    completeArgs: 'image',
    examples: ['berth images', 'berth images --filter dangling=true', 'berth images --format "{{.ID}} {{.Repository}}:{{.Tag}}"'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'show all images (default hides intermediate images)' },
      { name: 'digests', type: 'bool', help: 'show digests' },
      {
        name: 'filter',
        short: 'f',
        type: 'array',
        arg: 'FILTER',
        complete: 'none',
        help: 'filter output (key=value or key!=value; repeatable): after, before, containers, dangling, digest, id, intermediate, label, manifest, readonly, reference, since, until',
      },
      { name: 'format', type: 'string', arg: 'FORMAT', complete: 'none', help: 'json, or a Go template ("table ..." for a table)' },
      { name: 'history', type: 'bool', help: 'display the image name history' },
      { name: 'no-trunc', type: 'bool', help: 'do not truncate output' },
      { name: 'noheading', short: 'n', type: 'bool', help: 'do not print column headings' },
      quiet('display only image IDs'),
      {
        name: 'sort',
        type: 'string',
        def: 'created',
        arg: 'KEY',
        choices: SORT_KEYS,
        help: `sort by ${SORT_KEYS.join(', ')}`,
        choiceError: (v) => `${JSON.stringify(v)} is not a valid field for sorting. Choose from: ${SORT_KEYS.join(', ')}`,
      },
    ],
  },
  {
    name: 'tag',
    aliases: ['image tag'],
    module: 'tag',
    summary: 'Add names to an image',
    description: 'Add one or more names to a local image (short names become localhost/NAME:latest).',
    usage: 'IMAGE TARGET_NAME [TARGET_NAME...]',
    minArgs: 2,
    completeArgs: 'image',
    examples: ['berth tag 0e3dbe6ffa3c myimage:1.0', 'berth tag alpine registry.example.com/alpine:3'],
    flags: [],
  },
  {
    name: 'untag',
    aliases: ['image untag'],
    module: 'untag',
    summary: 'Remove names from an image',
    description: 'Remove names from a local image (every name when none is given). The image stays in the store.',
    usage: 'IMAGE [NAME...]',
    minArgs: 1,
    completeArgs: 'image',
    examples: ['berth untag myimage:1.0 myimage:1.0', 'berth untag 0e3dbe6ffa3c'],
    flags: [],
  },
  {
    name: 'rmi',
    aliases: ['image rm'],
    module: 'rmi',
    summary: 'Remove images',
    description: 'Remove images from the store (a name only untags while the image has other names).',
    usage: '[options] IMAGE [IMAGE...]',
    completeArgs: 'image',
    examples: ['berth rmi alpine', 'berth rmi -f 0e3dbe6ffa3c', 'berth rmi -a'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'remove all images' },
      { name: 'force', short: 'f', type: 'bool', help: 'remove images with several names by ID; implies --ignore' },
      { name: 'ignore', short: 'i', type: 'bool', help: 'ignore errors when an image does not exist' },
      { name: 'no-prune', type: 'bool', help: 'do not remove dangling parent images' },
    ],
  },
  {
    name: 'image prune',
    module: 'prune',
    summary: 'Remove dangling images',
    description: 'Remove dangling images (every image with --all), asking first unless --force is given.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth image prune -f', 'berth image prune -a -f --filter until=24h'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'remove all images, not only dangling ones' },
      { name: 'build-cache', type: 'bool', hidden: true, help: 'accepted for compatibility (berth keeps no build cache)' },
      { name: 'external', type: 'bool', hidden: true, help: 'accepted for compatibility (berth has no containers)' },
      {
        name: 'filter',
        type: 'array',
        arg: 'FILTER',
        complete: 'none',
        help: 'remove only images matching label=KEY[=VALUE], label!=..., until=TIME (repeatable)',
      },
      { name: 'force', short: 'f', type: 'bool', help: 'do not ask for confirmation' },
    ],
  },
  {
    name: 'inspect',
    module: 'inspect',
    summary: 'Show container or image details',
    description:
      'Display the configuration of containers and images as JSON (or through a Go template). A name is looked up as a\ncontainer first, then as an image (--type narrows it to one kind).',
    usage: '[options] CONTAINER|IMAGE [CONTAINER|IMAGE...]',
    missingArgs: 'no names or ids specified',
    completeArgs: 'image',
    examples: ['berth inspect alpine', 'berth inspect --format "{{.Id}} {{.Size}}" alpine', 'berth inspect --type container web'],
    flags: [
      INSPECT_FORMAT_FLAG,
      { name: 'latest', short: 'l', type: 'bool', help: 'inspect the container created last (not with --type image)' },
      { name: 'size', short: 's', type: 'bool', help: "add a container's SizeRw and SizeRootFs (an image's size is always shown)" },
      {
        name: 'type',
        short: 't',
        type: 'string',
        def: 'all',
        arg: 'TYPE',
        choices: ['image', 'container', 'all'],
        choiceError: (v) => `invalid type ${JSON.stringify(v)}: must be "image", "container", or "all"`,
        help: 'what the names are: image, container, or all (a container first, then an image)',
      },
    ],
  },
  {
    name: 'image inspect',
    module: 'inspect',
    summary: 'Show image details',
    description: 'Display the configuration of one or more images as JSON (or through a Go template).',
    usage: '[options] IMAGE [IMAGE...]',
    minArgs: 1,
    missingArgs: 'no names or ids specified',
    completeArgs: 'image',
    examples: ['berth image inspect alpine', 'berth image inspect --format "{{.Id}} {{.Size}}" alpine'],
    flags: [INSPECT_FORMAT_FLAG],
  },
  {
    name: 'container inspect',
    module: 'inspect',
    summary: 'Show container details',
    description:
      'Display the configuration of one or more containers as JSON (or through a Go template): podman\'s fields for a\ncontainer that was created and never ran (state "created"), with the command, environment, user and labels it was created with.',
    usage: '[options] CONTAINER [CONTAINER...]',
    completeArgs: 'container',
    missingArgs: 'no names or ids specified',
    examples: ['berth container inspect web', 'berth container inspect --format "{{.Config.Env}}" web'],
    flags: [
      INSPECT_FORMAT_FLAG,
      { name: 'latest', short: 'l', type: 'bool', help: 'inspect the container created last' },
      { name: 'size', short: 's', type: 'bool', help: 'add SizeRw (files the container added or changed) and SizeRootFs' },
    ],
  },
  {
    name: 'image exists',
    module: 'exists',
    summary: 'Check if an image exists',
    description: 'Exit 0 when the image is in the store, 1 when it is not (nothing is printed).',
    usage: 'IMAGE',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'image',
    examples: ['berth image exists alpine && echo present'],
    flags: [],
  },
  {
    name: 'history',
    aliases: ['image history'],
    module: 'history',
    summary: 'Show the history of an image',
    usage: '[options] IMAGE',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'image',
    examples: ['berth history alpine', 'berth history --no-trunc --format json alpine'],
    flags: [
      {
        name: 'format',
        type: 'string',
        arg: 'FORMAT',
        complete: 'none',
        help: 'json, or a Go template (.ID .Created .CreatedAt .CreatedBy .CreatedSince .Comment .Size .Tags)',
      },
      { name: 'human', short: 'H', type: 'bool', def: true, help: 'display sizes and dates in human readable format' },
      { name: 'no-trunc', type: 'bool', help: 'do not truncate the output' },
      quiet('display the numeric IDs only'),
    ],
  },
  {
    name: 'image sign',
    module: 'image-sign',
    summary: 'Sign an image',
    description:
      'Create a signature of an image (TRANSPORT:NAME) with a GnuPG key and store it in the lookaside staging location\nthat registries.d gives its name (default /var/lib/containers/sigstore for root), or under --directory.',
    usage: '[options] IMAGE [IMAGE...]',
    minArgs: 1,
    completeArgs: 'image',
    examples: [
      'berth image sign --sign-by mykey containers-storage:localhost/app:1',
      'berth image sign --sign-by mykey --directory ./sigs docker://registry.example.com/app:1',
    ],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'sign all the manifests of the multi-architecture image' },
      {
        name: 'authfile',
        type: 'string',
        complete: 'file',
        help: 'auth.json to use (default: REGISTRY_AUTH_FILE or the containers lookup)',
      },
      {
        name: 'cert-dir',
        type: 'string',
        arg: 'DIR',
        complete: 'dir',
        help: 'use certificates (*.crt, *.cert, *.key) from this directory',
      },
      { name: 'directory', short: 'd', type: 'string', arg: 'DIR', complete: 'dir', help: 'store the signatures in this directory' },
      {
        name: 'sign-by',
        type: 'string',
        arg: 'KEY',
        complete: 'none',
        help: 'the GnuPG key to sign with (fingerprint, key ID or user ID)',
      },
    ],
  },
  {
    name: 'image standalone-sign',
    module: 'standalone-sign',
    summary: 'Create a signature using local files',
    usage: '[options] MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT --output|-o SIGNATURE',
    completeArgs: 'file',
    examples: ['berth image standalone-sign manifest.json registry.example.com/app:1 0123ABCD... -o signature-1'],
    flags: [
      { name: 'output', short: 'o', type: 'string', arg: 'SIGNATURE', complete: 'file', help: 'output the signature to SIGNATURE' },
      { name: 'passphrase-file', type: 'string', complete: 'file', help: 'file that contains a passphrase for the --sign-by key' },
    ],
  },
  {
    name: 'image standalone-verify',
    module: 'standalone-verify',
    summary: 'Verify a signature using local files',
    description:
      'Verify a signature using local files.\nKEY-FINGERPRINTS can be a comma separated list of fingerprints, or "any" if you trust all the keys in the public key file.',
    usage: '[options] MANIFEST DOCKER-REFERENCE KEY-FINGERPRINTS SIGNATURE',
    completeArgs: 'file',
    examples: ['berth image standalone-verify manifest.json registry.example.com/app:1 0123ABCD... signature-1'],
    flags: [
      {
        name: 'public-key-file',
        type: 'string',
        complete: 'file',
        help: 'File containing public keys. If not specified, will use local GPG keys.',
      },
    ],
  },
  {
    name: 'image tree',
    module: 'tree',
    summary: 'Print the layer hierarchy of an image',
    usage: '[options] IMAGE',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'image',
    examples: ['berth image tree alpine', 'berth image tree --whatrequires alpine'],
    flags: [{ name: 'whatrequires', type: 'bool', help: 'show the images and layers built on top of the image' }],
  },
  {
    name: 'image mount',
    module: 'image-mount',
    summary: "Mount an image's root file system",
    description:
      "Materialise each image's root file system read-only in the store and print where it is (with one IMAGE, only the path).\nWith no IMAGE, list the mounted images. Each mount is counted; `image unmount` undoes one.",
    usage: '[options] [IMAGE...]',
    completeArgs: 'image',
    examples: ['berth image mount alpine', 'berth image mount', 'berth image mount --all'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'mount all images' },
      { name: 'format', type: 'string', arg: 'string', help: 'print the mounted images in this format (json)' },
    ],
  },
  {
    name: 'image unmount',
    aliases: ['image umount'],
    module: 'image-unmount',
    summary: "Unmount an image's root file system",
    description:
      'Undo one mount of each image (the root file system is removed with the last one) and print the IDs of the images that were mounted.',
    usage: '[options] IMAGE [IMAGE...]',
    completeArgs: 'image',
    examples: ['berth image unmount alpine', 'berth image umount --all'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'unmount all of the currently mounted images' },
      { name: 'force', short: 'f', type: 'bool', help: 'force the complete unmount of the specified mounted images' },
    ],
  },
  {
    name: 'image trust set',
    module: 'trust-set',
    summary: 'Set default trust policy or a new trust policy for a registry',
    description:
      'Set the requirements of the default policy or of a registry scope in policy.json (as podman): accept, reject,\nsignedBy or sigstoreSigned with public keys. The rest of the file is kept; it is written atomically.',
    usage: '[options] REGISTRY',
    minArgs: 1,
    maxArgs: 1,
    missingArgs: 'accepts 1 arg(s), received 0',
    completeArgs: 'none',
    examples: [
      'berth image trust set --type reject default',
      'berth image trust set --type signedBy --pubkeysfile /etc/pki/team.gpg quay.io/team',
    ],
    flags: [
      {
        name: 'pubkeysfile',
        short: 'f',
        type: 'array',
        arg: 'strings',
        complete: 'file',
        help: 'public key file(s) to trust for REGISTRY (repeatable or comma-separated; the path is written as given)',
      },
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to edit instead of the default' },
      { name: 'policypath', type: 'string', complete: 'file', hidden: true, help: 'the same as --signature-policy (podman 4)' },
      {
        name: 'type',
        short: 't',
        type: 'string',
        def: 'signedBy',
        help: 'trust type: signedBy (default), accept, reject, sigstoreSigned',
      },
    ],
  },
  {
    name: 'image trust show',
    module: 'trust-show',
    summary: 'Display trust policy for the system',
    description:
      'Describe every requirement of policy.json: the default, then each transport scope (docker scopes as "repository"),\nwith the GPG identities of signedBy keys and the lookaside (registries.d) signatures are read from.',
    usage: '[options] [REGISTRY]',
    maxArgs: 1,
    completeArgs: 'none',
    examples: ['berth image trust show', 'berth image trust show --json', 'berth image trust show --raw'],
    flags: [
      { name: 'json', short: 'j', type: 'bool', help: 'output as JSON' },
      { name: 'noheading', short: 'n', type: 'bool', help: 'do not print column headings' },
      { name: 'raw', type: 'bool', help: 'print the policy file as it is' },
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to read instead of the default' },
      { name: 'policypath', type: 'string', complete: 'file', hidden: true, help: 'the same as --signature-policy (podman 4)' },
      { name: 'registrypath', type: 'string', complete: 'dir', hidden: true, help: 'registries.d directory to read' },
    ],
  },
  {
    name: 'load',
    aliases: ['image load'],
    module: 'load',
    summary: 'Load images from an archive',
    description:
      'Load every image and name of a docker-archive or oci-archive from a file, an http(s) URL or stdin.\nThe archive may be gzip, zstd, xz or bzip2 compressed. A bad archive records nothing.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth load -i image.tar', 'berth load < image.tar.gz', 'berth load -i https://example.com/image.tar'],
    flags: [
      PROGRESS,
      {
        name: 'input',
        short: 'i',
        type: 'string',
        arg: 'PATH|URL',
        complete: 'file',
        help: 'read from this archive file or http(s) URL instead of stdin',
      },
      quiet('do not print progress'),
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to use instead of the default lookup' },
    ],
  },
  {
    name: 'save',
    aliases: ['image save'],
    module: 'save',
    summary: 'Save images to an archive',
    description:
      'Write images to an archive or directory (stdout when -o is not given and stdout is not a terminal).\nWithout -m, further names become additional tags of the first image.',
    usage: '[options] IMAGE [IMAGE...]',
    minArgs: 1,
    missingArgs: 'need at least 1 argument',
    completeArgs: 'image',
    examples: [
      'berth save -o alpine.tar alpine',
      'berth save --format oci-archive -o app.tar app:1.0',
      'berth save -m -o both.tar app base',
    ],
    flags: [
      PROGRESS,
      {
        name: 'format',
        type: 'string',
        def: 'docker-archive',
        choices: SAVE_FORMATS,
        choiceError: () => 'format value must be one of oci-dir oci-archive docker-dir docker-archive',
        help: `archive format: ${SAVE_FORMATS.join(', ')}`,
      },
      { name: 'multi-image-archive', short: 'm', type: 'bool', help: 'store several images in one archive' },
      {
        name: 'output',
        short: 'o',
        type: 'string',
        arg: 'PATH',
        complete: 'file',
        help: 'write to this file or directory (default: stdout, archives only)',
      },
      quiet('do not print progress'),
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to use instead of the default lookup' },
      {
        name: 'uncompressed',
        type: 'bool',
        help: 'write layers uncompressed in oci-archive and oci-dir (docker formats always hold uncompressed layers)',
      },
    ],
  },
  {
    name: 'import',
    aliases: ['image import'],
    module: 'import',
    summary: 'Create an image from a root filesystem tarball',
    description: 'Create a one-layer image from a tarball (plain, gzip, zstd, xz or bzip2; "-" reads stdin) and print its ID.',
    usage: '[options] TARBALL|- [NAME]',
    minArgs: 1,
    maxArgs: 2,
    completeArgs: 'file',
    examples: ['berth import rootfs.tar myimage:1.0', 'cat rootfs.tar | berth import -c "CMD [\\"/bin/sh\\"]" - myimage'],
    flags: [
      {
        name: 'change',
        short: 'c',
        type: 'array',
        arg: 'INSTRUCTION',
        complete: 'none',
        help: 'apply CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR or STOPSIGNAL (repeatable)',
      },
      { name: 'message', short: 'm', type: 'string', complete: 'none', help: 'commit message stored in the history' },
      {
        name: 'platform',
        type: 'string',
        arg: 'OS/ARCH[/VARIANT]',
        complete: 'none',
        help: 'platform of the image (cannot be combined with --arch, --os, --variant)',
      },
      { name: 'arch', type: 'string', arg: 'ARCH', complete: 'none', help: "architecture of the image (default: the machine's)" },
      { name: 'os', type: 'string', arg: 'OS', complete: 'none', help: "operating system of the image (default: the machine's)" },
      { name: 'variant', type: 'string', arg: 'VARIANT', complete: 'none', help: 'architecture variant of the image' },
      quiet('print only the image ID'),
      { name: 'signature-policy', type: 'string', complete: 'file', help: 'policy.json to use instead of the default lookup' },
    ],
  },
  {
    name: 'copy',
    aliases: ['image copy'],
    module: 'copy',
    summary: 'Copy an image between transports',
    description:
      'Copy an image between any two transports (docker://, docker-archive:, oci-archive:, oci:, dir:, containers-storage:),\npreserving digests where the formats allow.',
    usage: '[options] SOURCE DESTINATION',
    minArgs: 2,
    maxArgs: 2,
    completeArgs: 'none',
    examples: [
      'berth copy docker://quay.io/libpod/alpine oci:/tmp/alpine:latest',
      'berth copy containers-storage:app:1.0 docker-archive:/tmp/app.tar',
    ],
    flags: [
      PROGRESS,
      { name: 'all', short: 'a', type: 'bool', help: 'copy a manifest list with every image in it (same as --multi-arch all)' },
      { name: 'authfile', type: 'string', complete: 'file', help: 'auth.json to use' },
      { name: 'dest-cert-dir', type: 'string', arg: 'DIR', complete: 'dir', help: 'certificates for the destination registry' },
      {
        name: 'dest-compress-format',
        type: 'string',
        choices: COMPRESSORS,
        choiceError: compressorError,
        help: 'compress layers with gzip or zstd when the destination compresses',
      },
      { name: 'dest-creds', type: 'string', arg: 'USER[:PASSWORD]', complete: 'none', help: 'credentials for the destination registry' },
      { name: 'dest-tls-verify', type: 'bool', tristate: true, help: 'require HTTPS and verify certificates for the destination registry' },
      {
        name: 'format',
        short: 'f',
        type: 'string',
        choices: MANIFEST_FORMATS,
        choiceError: (v) => `unknown format ${JSON.stringify(v)}. Choose on of the supported formats: 'oci', 'v2s2', or 'docker'`,
        help: 'manifest format of the destination: oci, v2s2 (or docker, the same)',
      },
      { name: 'insecure-policy', type: 'bool', help: 'do not evaluate any signature policy' },
      ...SIGSTORE_SIGNING_FLAGS,
      {
        name: 'sign-identity',
        type: 'string',
        arg: 'REF',
        complete: 'none',
        help: 'identity of the signed image, a fully specified docker reference (default: the destination)',
      },
      {
        name: 'multi-arch',
        type: 'string',
        def: 'system',
        choices: ['system', 'all'],
        choiceError: (v) => `unknown multi-arch option ${JSON.stringify(v)}. Choose one of the supported options: 'system' or 'all'`,
        help: "from a manifest list copy the image of this system's platform (system) or every image (all)",
      },
      { name: 'override-arch', type: 'string', arg: 'ARCH', complete: 'none', help: 'architecture to choose from a manifest list' },
      { name: 'override-os', type: 'string', arg: 'OS', complete: 'none', help: 'OS to choose from a manifest list' },
      { name: 'override-variant', type: 'string', arg: 'VARIANT', complete: 'none', help: 'variant to choose from a manifest list' },
      {
        name: 'platform',
        type: 'string',
        arg: 'OS/ARCH[/VARIANT][,...]',
        complete: 'none',
        help: 'platform to choose from a manifest list; several (comma-separated) copy the list with only those images',
      },
      { name: 'policy', type: 'string', complete: 'file', help: 'policy.json to use instead of the default lookup' },
      { name: 'preserve-digests', type: 'bool', help: 'refuse any change to the manifests (and lists) copied, so digests stay the same' },
      quiet('do not print progress'),
      { name: 'remove-signatures', type: 'bool', help: 'do not copy signatures' },
      {
        name: 'registries.d',
        type: 'string',
        arg: 'DIR',
        complete: 'dir',
        help: 'use registries.d files in DIR (signature storage locations)',
      },
      ...SIGN_FLAGS,
      { name: 'src-cert-dir', type: 'string', arg: 'DIR', complete: 'dir', help: 'certificates for the source registry' },
      { name: 'src-creds', type: 'string', arg: 'USER[:PASSWORD]', complete: 'none', help: 'credentials for the source registry' },
      { name: 'src-tls-verify', type: 'bool', tristate: true, help: 'require HTTPS and verify certificates for the source registry' },
    ],
  },
  {
    name: 'manifest create',
    module: 'manifest',
    summary: 'Create a manifest list',
    description: 'Create an empty manifest list (or, with --amend, reuse the one of that name), add the given images, and print its ID.',
    usage: '[options] LIST [IMAGE...]',
    minArgs: 1,
    missingArgs: 'requires at least 1 arg(s), only received 0',
    completeArgs: 'image',
    examples: ['berth manifest create mylist:v1', 'berth manifest create --all mylist docker://registry.example.com/app:1'],
    flags: [
      { name: 'all', type: 'bool', help: "add every image of the lists being added (default: this machine's platform)" },
      { name: 'amend', short: 'a', type: 'bool', help: 'modify the list of that name when it exists' },
      { name: 'annotation', type: 'array', arg: 'KEY=VALUE', complete: 'none', help: 'set an annotation on the list (an OCI index then)' },
      { name: 'tls-verify', type: 'bool', tristate: true, help: 'require HTTPS and verify certificates when reading images to add' },
    ],
  },
  {
    name: 'manifest add',
    module: 'manifest',
    summary: 'Add an image to a manifest list',
    description:
      'Read an image (a local one, any TRANSPORT:LOCATION, else docker://) and add its manifest to the list; prints the list ID.\nThe image itself is copied only when the list is pushed.',
    usage: '[options] LIST IMAGE [IMAGE...]',
    minArgs: 2,
    completeArgs: 'image',
    examples: [
      'berth manifest add mylist docker://registry.example.com/app:1-arm64',
      'berth manifest add --all mylist docker://quay.io/libpod/alpine',
    ],
    flags: [
      ...REGISTRY_FLAGS.filter((f) => f.name !== 'retry' && f.name !== 'retry-delay'),
      { name: 'all', type: 'bool', help: "when the image is a list, add every image of it (default: this machine's platform)" },
      ...entryFlags('of the added entry'),
    ],
  },
  {
    name: 'manifest annotate',
    module: 'manifest',
    summary: 'Change an entry of a manifest list',
    description: "Set an entry's platform fields and annotations (or, with --index, the list's annotations); prints the list ID.",
    usage: '[options] LIST [DIGEST]',
    minArgs: 1,
    maxArgs: 2,
    completeArgs: 'image',
    examples: [
      'berth manifest annotate --arch arm64 --variant v8 mylist sha256:...',
      'berth manifest annotate --index --annotation org.example=1 mylist',
    ],
    flags: [
      ...entryFlags('of the entry'),
      { name: 'index', type: 'bool', help: 'annotate the list itself, not an entry' },
      { name: 'os-features', type: 'array', complete: 'none', help: 'set the OS features of the entry' },
    ],
  },
  {
    name: 'manifest inspect',
    module: 'manifest',
    summary: 'Show a manifest list',
    description:
      'Print a manifest list of the store, or (when there is none of that name) the list or manifest of the image in its registry.',
    usage: '[options] LIST|IMAGE',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'image',
    examples: ['berth manifest inspect mylist', 'berth manifest inspect --tls-verify=false localhost:5000/app:1'],
    flags: [
      { name: 'authfile', type: 'string', complete: 'file', help: 'auth.json to use' },
      { name: 'insecure', type: 'bool', help: 'neither require HTTPS nor verify certificates (same as --tls-verify=false)' },
      { name: 'tls-verify', type: 'bool', tristate: true, help: 'require HTTPS and verify certificates' },
      { name: 'verbose', short: 'v', type: 'bool', help: 'accepted for compatibility (the output is always complete)' },
    ],
  },
  {
    name: 'manifest exists',
    module: 'manifest',
    summary: 'Check whether a manifest list exists',
    description: 'Exit 0 when the store holds a manifest list of that name or ID, 1 when it does not.',
    usage: 'LIST',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'image',
    examples: ['berth manifest exists mylist'],
    flags: [],
  },
  {
    name: 'manifest remove',
    module: 'manifest',
    summary: 'Remove an entry from a manifest list',
    description: 'Remove the entry with this digest from the list; prints the list ID.',
    usage: 'LIST DIGEST',
    minArgs: 2,
    maxArgs: 2,
    completeArgs: 'image',
    examples: ['berth manifest remove mylist sha256:...'],
    flags: [],
  },
  {
    name: 'manifest rm',
    module: 'manifest',
    summary: 'Remove manifest lists',
    description: 'Remove manifest lists from the store (the images they name stay).',
    usage: '[options] LIST [LIST...]',
    minArgs: 1,
    completeArgs: 'image',
    examples: ['berth manifest rm mylist'],
    flags: [{ name: 'ignore', short: 'i', type: 'bool', help: 'do not fail for lists that do not exist' }],
  },
  {
    name: 'manifest push',
    module: 'manifest',
    summary: 'Push a manifest list with its images',
    description:
      "Copy each image of the list from where it was added, then the list, to DESTINATION (default: the list's name); prints the list digest.",
    usage: '[options] LIST [DESTINATION]',
    minArgs: 1,
    maxArgs: 2,
    completeArgs: 'image',
    examples: ['berth manifest push mylist docker://registry.example.com/app:1', 'berth manifest push --rm mylist oci:/tmp/app:1'],
    flags: [
      ...REGISTRY_FLAGS,
      { name: 'all', type: 'bool', def: true, help: 'push the images of the list too (--all=false: the list alone)' },
      { name: 'digestfile', type: 'string', complete: 'file', help: 'write the list digest to this file' },
      {
        name: 'format',
        short: 'f',
        type: 'string',
        choices: MANIFEST_FORMATS,
        choiceError: (v) => `unknown format ${JSON.stringify(v)}. Choose on of the supported formats: 'oci', 'v2s2', or 'docker'`,
        help: 'format of the list and its manifests: oci, v2s2 (or docker)',
      },
      quiet('do not print progress'),
      { name: 'rm', type: 'bool', help: 'remove the list from the store after pushing it' },
    ],
  },
  {
    name: 'create',
    aliases: ['container create'],
    module: 'create',
    summary: 'Create a container (a writable copy of an image root filesystem)',
    description:
      "Create a container from an image and print its ID: a writable copy of the image's root filesystem, recorded with\na name and a command (berth runs nothing). The image is pulled first when it is not in the store (--pull).",
    usage: '[options] IMAGE [COMMAND [ARG...]]',
    minArgs: 1,
    interspersed: false,
    completeArgs: 'image',
    examples: ['berth create --name web alpine', 'berth create alpine ls -l /'],
    flags: [
      {
        name: 'annotation',
        type: 'array',
        arg: 'KEY=VALUE',
        complete: 'none',
        help: 'add an annotation to the container (repeatable)',
      },
      { name: 'cidfile', type: 'string', arg: 'FILE', complete: 'file', help: 'also write the container ID to this new file' },
      {
        name: 'entrypoint',
        type: 'string',
        arg: 'COMMAND',
        complete: 'none',
        help: 'replace the image\'s entrypoint (a word, or a JSON array such as \'["/bin/sh","-c"]\'; "" for none); the image\'s command is then not used',
      },
      {
        name: 'env',
        short: 'e',
        type: 'array',
        arg: 'NAME=VALUE',
        complete: 'none',
        help: "set an environment variable over the image's (NAME alone: its value here, if set; repeatable)",
      },
      {
        name: 'env-file',
        type: 'array',
        arg: 'FILE',
        complete: 'file',
        help: 'read environment variables from a file, one NAME=VALUE a line (repeatable)',
      },
      { name: 'hostname', type: 'string', complete: 'none', help: 'the host name recorded for the container (default: its short ID)' },
      {
        name: 'label',
        short: 'l',
        type: 'array',
        arg: 'KEY=VALUE',
        complete: 'none',
        help: "set a label (repeatable; over the image's labels)",
      },
      {
        name: 'label-file',
        type: 'array',
        arg: 'FILE',
        complete: 'file',
        help: 'read labels from a file, one KEY=VALUE a line (repeatable)',
      },
      { name: 'name', type: 'string', complete: 'none', help: 'name of the container (default: a random adjective_name)' },
      {
        name: 'pull',
        type: 'string',
        def: 'missing',
        choices: ['always', 'missing', 'never', 'newer'],
        help: 'pull the image: always, missing (not in the store), never, newer',
      },
      quiet('do not print pull progress'),
      { name: 'replace', type: 'bool', help: 'remove the container that has --name first' },
      {
        name: 'stop-signal',
        type: 'string',
        arg: 'SIGNAL',
        complete: 'none',
        help: "the signal that would stop the container (a name such as SIGINT, or 1-64; default: the image's, else SIGTERM)",
      },
      {
        name: 'user',
        short: 'u',
        type: 'string',
        arg: 'USER[:GROUP]',
        complete: 'none',
        help: "the user the command would run as (default: the image's)",
      },
      {
        name: 'workdir',
        short: 'w',
        type: 'string',
        arg: 'DIR',
        complete: 'none',
        help: "the working directory (default: the image's, else /)",
      },
      ...REGISTRY_FLAGS.filter((f) => ['authfile', 'cert-dir', 'creds', 'tls-verify'].includes(f.name)),
    ],
  },
  {
    name: 'ps',
    aliases: ['container ps', 'container ls', 'container list'],
    module: 'ps',
    summary: 'List containers',
    description: 'List containers. berth runs nothing, so every container is "Created": without --all only the header is printed.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth ps -a', 'berth ps -a --format "{{.ID}} {{.Names}}"', 'berth ps -a --filter ancestor=alpine'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'show all the containers (default shows only running ones: none)' },
      { name: 'external', type: 'bool', hidden: true, help: 'accepted for compatibility (berth has no external containers)' },
      {
        name: 'filter',
        short: 'f',
        type: 'array',
        arg: 'FILTER',
        complete: 'none',
        help: 'id, name, status, ancestor, before, since, until, command, label, exited, health, network, pod, restart-policy, volume (repeatable)',
      },
      { name: 'format', type: 'string', arg: 'FORMAT', complete: 'none', help: 'json, or a Go template ("table ..." for a table)' },
      { name: 'last', short: 'n', type: 'int', def: -1, complete: 'none', help: 'print the n last created containers' },
      { name: 'latest', short: 'l', type: 'bool', help: 'print the latest created container' },
      { name: 'no-trunc', type: 'bool', help: 'do not truncate IDs and commands' },
      { name: 'noheading', type: 'bool', help: 'do not print the header' },
      { name: 'ns', type: 'bool', help: "show the containers' namespaces (berth's never ran: none)" },
      { name: 'pod', short: 'p', type: 'bool', help: 'add the POD ID and PODNAME columns (berth containers are in no pod)' },
      quiet('print the container IDs only'),
      {
        name: 'size',
        short: 's',
        type: 'bool',
        help: 'add the SIZE column: files the container added or changed (virtual: with its image)',
      },
      {
        name: 'sort',
        type: 'string',
        def: 'created',
        arg: 'choice',
        choices: PS_SORT_KEYS,
        choiceError: (v) =>
          `invalid argument ${JSON.stringify(v)} for "--sort" flag: ${JSON.stringify(v)} is not a valid value.  Choose from: "${PS_SORT_KEYS.join(', ')}"`,
        help: 'sort by: command, created, id, image, names, runningfor, size, status',
      },
    ],
  },
  {
    name: 'rm',
    aliases: ['container rm'],
    module: 'rm',
    summary: 'Remove containers',
    description:
      'Remove containers and their root filesystems (mounted ones too). A missing container fails the command (exit 1) unless -i or -f.',
    usage: '[options] CONTAINER [CONTAINER...]',
    completeArgs: 'container',
    examples: ['berth rm web', 'berth rm -a'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'remove all containers' },
      { name: 'cidfile', type: 'array', arg: 'FILE', complete: 'file', help: 'remove the container whose ID the file holds (repeatable)' },
      { name: 'depend', type: 'bool', hidden: true, help: 'accepted for compatibility (berth containers have no dependencies)' },
      {
        name: 'filter',
        type: 'array',
        arg: 'FILTER',
        complete: 'none',
        help: 'remove the containers matching a ps filter (repeatable; prints their IDs)',
      },
      { name: 'force', short: 'f', type: 'bool', help: 'remove without error for missing containers (nothing runs to stop)' },
      { name: 'ignore', short: 'i', type: 'bool', help: 'ignore errors when a container does not exist' },
      { name: 'latest', short: 'l', type: 'bool', help: 'remove the container created last' },
      {
        name: 'time',
        short: 't',
        type: 'int',
        hidden: true,
        complete: 'none',
        help: 'accepted for compatibility with --force (nothing runs to stop)',
      },
      { name: 'volumes', short: 'v', type: 'bool', hidden: true, help: 'accepted for compatibility (berth containers have no volumes)' },
    ],
  },
  {
    name: 'container prune',
    module: 'container-prune',
    summary: 'Remove all non running containers',
    description: 'Remove every container (berth runs nothing), or those matching the filters, asking first unless --force is given.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth container prune -f', 'berth container prune -f --filter label=tmp'],
    flags: [
      {
        name: 'filter',
        type: 'array',
        arg: 'FILTER',
        complete: 'none',
        help: 'remove only containers matching label=KEY[=VALUE], label!=..., until=TIME (repeatable)',
      },
      { name: 'force', short: 'f', type: 'bool', help: 'do not ask for confirmation' },
    ],
  },
  {
    name: 'rename',
    aliases: ['container rename'],
    module: 'rename',
    summary: 'Rename a container',
    description: 'Give a container a new name.',
    usage: 'CONTAINER NAME',
    minArgs: 2,
    maxArgs: 2,
    completeArgs: 'container',
    examples: ['berth rename web web-old'],
    flags: [],
  },
  {
    name: 'mount',
    aliases: ['container mount'],
    module: 'mount',
    summary: "Mount a container's root filesystem",
    description: "Print the path of each container's root filesystem and count the mount; without containers, list the mounted ones.",
    usage: '[options] [CONTAINER...]',
    completeArgs: 'container',
    examples: ['berth mount web', 'berth mount'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'mount all containers' },
      { name: 'format', type: 'string', arg: 'FORMAT', complete: 'none', help: 'print the mounted containers as json' },
      { name: 'latest', short: 'l', type: 'bool', help: 'mount the container created last' },
      { name: 'no-trunc', type: 'bool', help: 'do not truncate IDs' },
      { name: 'notruncate', type: 'bool', hidden: true, help: 'same as --no-trunc' },
    ],
  },
  {
    name: 'umount',
    aliases: ['unmount', 'container umount', 'container unmount'],
    module: 'umount',
    summary: "Unmount a container's root filesystem",
    description: 'Take back one mount of each container (every mount with --force); the root filesystem stays as long as the container.',
    usage: '[options] CONTAINER [CONTAINER...]',
    completeArgs: 'container',
    examples: ['berth umount web', 'berth umount -a'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'unmount all mounted containers' },
      { name: 'force', short: 'f', type: 'bool', help: 'take back every mount, not just one' },
      { name: 'latest', short: 'l', type: 'bool', help: 'unmount the container created last' },
    ],
  },
  {
    name: 'export',
    aliases: ['container export'],
    module: 'export',
    summary: "Export a container's filesystem as a tar archive",
    description: "Write a container's root filesystem as a tar archive (to stdout unless -o), with the image's ownership and modes.",
    usage: '[options] CONTAINER',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'container',
    examples: ['berth export -o web.tar web', 'berth export web | tar -tv'],
    flags: [{ name: 'output', short: 'o', type: 'string', arg: 'PATH', complete: 'file', help: 'write to this file instead of stdout' }],
  },
  {
    name: 'diff',
    module: 'diff',
    summary: "Show the changes to an image's or container's filesystem",
    description:
      "List the files added (A), changed (C) and deleted (D) by an image's top layer over the layers below it, or in a\ncontainer since it was created from its image; with a second name, over that image or container instead.\nEach name is looked up as an image first, then as a container.",
    usage: '[options] IMAGE|CONTAINER [IMAGE|CONTAINER]',
    completeArgs: 'container',
    examples: ['berth diff web', 'berth diff --format json alpine', 'berth diff web alpine'],
    flags: [
      { name: 'format', type: 'string', arg: 'FORMAT', complete: 'none', help: 'json (the only other format)' },
      { name: 'latest', short: 'l', type: 'bool', help: 'use the container created last' },
    ],
  },
  {
    name: 'container diff',
    module: 'container-diff',
    summary: "Show the changes to a container's filesystem",
    description:
      'List the files added (A), changed (C) and deleted (D) in a container since it was created from its image, or\nsince the second container when one is given.',
    usage: '[options] CONTAINER [CONTAINER]',
    completeArgs: 'container',
    examples: ['berth container diff web', 'berth container diff web web-backup'],
    flags: [
      { name: 'format', type: 'string', arg: 'FORMAT', complete: 'none', help: 'json (the only other format)' },
      { name: 'latest', short: 'l', type: 'bool', help: 'use the container created last' },
    ],
  },
  {
    name: 'image diff',
    module: 'image-diff',
    summary: "Show the changes of an image's top layer",
    description:
      "List the files added (A), changed (C) and deleted (D) by an image's top layer over the layers below it, or over\nthe second image when one is given.",
    usage: '[options] IMAGE [IMAGE]',
    minArgs: 1,
    maxArgs: 2,
    completeArgs: 'image',
    examples: ['berth image diff alpine'],
    flags: [{ name: 'format', type: 'string', arg: 'FORMAT', complete: 'none', help: 'json (the only other format)' }],
  },
  {
    name: 'container exists',
    module: 'container-exists',
    summary: 'Check if a container exists',
    description: 'Exit 0 when the container exists, 1 when it does not (nothing is printed).',
    usage: 'CONTAINER',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: 'container',
    examples: ['berth container exists web && echo present'],
    flags: [],
  },
  {
    name: 'system check',
    module: 'system-check',
    summary: 'Check the store',
    description: "Verify every image's manifests, config and layers against their digests; exit 1 and list the damage if any.",
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth system check', 'berth system check --repair'],
    flags: [
      { name: 'quick', type: 'bool', help: 'check presence and sizes only, do not re-hash content' },
      {
        name: 'repair',
        short: 'r',
        type: 'bool',
        help: 'remove images that are still damaged when verified again; move foreign files in blobs/ to ROOT/quarantine/',
      },
    ],
  },
  {
    name: 'system recover',
    module: 'system-recover',
    summary: 'Rebuild the image index from the blobs',
    description:
      'Rebuild the image index from the blobs: every manifest whose config and layers are present becomes an image again;\nnames come back from the names journal. An unreadable index is kept aside.',
    usage: '',
    maxArgs: 0,
    examples: ['berth system recover'],
    flags: [],
  },
  {
    name: 'system gc',
    module: 'system-gc',
    summary: 'Remove blobs no image references',
    description:
      'Remove blobs no image references, and partial downloads (kept to resume interrupted pulls) untouched for 24 hours\nthat no running berth is writing. Prints the bytes freed.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth system gc', 'berth system gc --partials'],
    flags: [{ name: 'partials', type: 'bool', help: 'remove every partial download no running berth is writing, whatever its age' }],
  },
  {
    name: 'system prune',
    module: 'system-prune',
    summary: 'Remove unused data',
    description:
      'Remove every container (berth runs none, so all are stopped) and dangling images (with --all, every image no\ncontainer uses), asking first unless --force is given. Prints what it removed and the space reclaimed.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth system prune', 'berth system prune -a -f --filter until=24h'],
    flags: [
      { name: 'all', short: 'a', type: 'bool', help: 'remove all unused images, not only dangling ones' },
      {
        name: 'filter',
        type: 'array',
        arg: 'FILTER',
        complete: 'none',
        help: "filter what is removed ('label=KEY[=VALUE]', 'label!=...', 'until=TIME')",
      },
      { name: 'force', short: 'f', type: 'bool', help: 'do not prompt for confirmation' },
      { name: 'volumes', type: 'bool', hidden: true, help: 'accepted for compatibility (berth has no volumes)' },
    ],
  },
  {
    name: 'info',
    aliases: ['system info'],
    module: 'info',
    summary: 'Display berth and store information',
    description:
      "Show the host, the store (graphRoot: --root; runRoot: --runroot as given, else the store, which holds berth's\nrun-time state; the number of images and containers) and berth's version, laid out as podman info.",
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth info', "berth info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}}'", 'berth system info --format json'],
    flags: [{ name: 'format', short: 'f', type: 'string', complete: 'none', help: "'json', or a Go template over podman's field names" }],
  },
  {
    name: 'system df',
    module: 'system-df',
    summary: 'Show the space the store uses',
    description: 'Show how much space images, unreferenced blobs and partial downloads take in the store, and how much can be reclaimed.',
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth system df', 'berth system df -v', "berth system df --format '{{.Type}}\t{{.RawSize}}'"],
    flags: [
      { name: 'format', type: 'string', complete: 'none', help: "pretty-print with a Go template or 'json' (not with --verbose)" },
      { name: 'verbose', short: 'v', type: 'bool', help: 'show space used by each image and each partial download' },
    ],
  },
  {
    name: 'system service',
    module: 'system-service',
    summary: 'Run an API service',
    description:
      "Answer the Docker Engine API for the store's images on a unix socket (mode 0660), or on TCP when a tcp:// URI is given.\nThe default URI is unix://$XDG_RUNTIME_DIR/berth/berth.sock (unix:///run/berth/berth.sock for root). The service\nstops after --time seconds without a request in progress (0: never), or on SIGINT/SIGTERM.",
    usage: '[options] [URI]',
    maxArgs: 1,
    completeArgs: 'none',
    examples: [
      'berth system service --time 0',
      'berth system service --time 0 unix:///tmp/berth.sock',
      'DOCKER_HOST=unix:///tmp/berth.sock docker images',
    ],
    flags: [
      {
        name: 'time',
        short: 't',
        type: 'uint',
        def: 5,
        complete: 'none',
        help: 'Time until the service session expires in seconds.  Use 0 to disable the timeout',
      },
    ],
  },
  {
    name: 'completion',
    module: 'completion',
    summary: 'Generate a shell completion script',
    description:
      'Print a completion script for bash, zsh or fish.\nbash: source <(berth completion bash)\nzsh: berth completion -f "${fpath[1]}/_berth" zsh\nfish: berth completion fish | source',
    usage: '[options] bash|zsh|fish',
    minArgs: 1,
    maxArgs: 1,
    completeArgs: ['bash', 'zsh', 'fish'],
    examples: ['berth completion bash > /etc/bash_completion.d/berth', 'berth completion -f ~/.config/fish/completions/berth.fish fish'],
    flags: [{ name: 'file', short: 'f', type: 'string', complete: 'file', help: 'write the script to this file instead of stdout' }],
  },
  {
    name: 'version',
    module: 'version',
    summary: 'Print the version',
    description: "Show berth's version, the Node.js it runs on and the OS/Arch, laid out as podman version.",
    usage: '[options]',
    maxArgs: 0,
    examples: ['berth version', "berth version --format '{{.Client.Version}}'", 'berth version --format json'],
    flags: [{ name: 'format', short: 'f', type: 'string', complete: 'none', help: "'json', or a Go template over podman's field names" }],
  },
  {
    name: 'help',
    module: 'help',
    summary: 'Help about any command',
    usage: '[command]',
    flags: [],
    completeArgs: 'none',
  },
];

/** command words ("image ls") -> command. */
export function findCommand(words: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === words || c.aliases?.includes(words));
}

/** Every word that runs `c` and the command's own name. */
export function commandWords(c: CommandDef): string[] {
  return [c.name, ...(c.aliases ?? [])];
}

/** The subcommands of a group ("image") as [word, command]. */
export function groupCommands(group: string): [string, CommandDef][] {
  const out: [string, CommandDef][] = [];
  for (const c of COMMANDS) for (const w of commandWords(c)) if (w.startsWith(`${group} `)) out.push([w.slice(group.length + 1), c]);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}
