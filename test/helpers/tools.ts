/**
 * Test helpers for running external tools (podman, skopeo, openssl, ...) as child processes,
 * with scratch stores and scratch configuration so that nothing ever touches the machine's
 * default image store, auth file, registries.conf or signature policy.
 *
 * Usage in node:test files:
 *   const skipPodman = haveTool('podman') ? false : 'podman not installed';
 *   test('interop', { skip: skipPodman }, async (t) => { const p = await scratchPodman(); t.after(p.cleanup); ... });
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface RunOptions {
  cwd?: string;
  /** Extra environment variables, merged over process.env (a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
  /** Use exactly this environment instead of process.env + env. */
  replaceEnv?: Record<string, string | undefined>;
  /** Written to the child's stdin (stdin is closed afterwards; without input it is closed immediately). */
  input?: string | Buffer;
  /** Kill the process (SIGKILL) after this many milliseconds. Default 120000. */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBuf: Buffer;
  stderrBuf: Buffer;
  timedOut: boolean;
}

/** Run `cmd args` and collect its output. Never rejects because of the exit status; rejects only if the binary cannot be spawned. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const env = buildEnv(opts.replaceEnv ?? process.env, opts.replaceEnv ? undefined : opts.env);
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    const out: Buffer[] = [];
    const errb: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | undefined;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => errb.push(b));
    child.stdin.on('error', () => {
      /* EPIPE when the child does not read stdin */
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (spawnError && code === null && signal === null) {
        reject(new Error(`cannot run ${cmd}: ${spawnError.message}`));
        return;
      }
      const stdoutBuf = Buffer.concat(out);
      const stderrBuf = Buffer.concat(errb);
      resolve({
        code,
        signal,
        stdout: stdoutBuf.toString('utf8'),
        stderr: stderrBuf.toString('utf8'),
        stdoutBuf,
        stderrBuf,
        timedOut,
      });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like run(), but rejects with a descriptive error unless the exit code is 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.timedOut ? 'timed out' : r.code === null ? `signal ${r.signal}` : `exit ${r.code}`}):\n${r.stderr.trim()}\n${r.stdout.trim()}`.trim(),
    );
  }
  return r;
}

function buildEnv(base: Record<string, string | undefined>, extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (extra) {
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
  }
  return env;
}

const STANDARD_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable found in $PATH (or the standard bin dirs), or undefined. */
export function toolPath(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...STANDARD_BIN_DIRS];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/** Whether an executable is available; use as `{ skip: haveTool('podman') ? false : 'podman not installed' }`. */
export function haveTool(name: string): boolean {
  return toolPath(name) !== undefined;
}

/** A skip reason for node:test when any of the tools is missing, else false. */
export function skipUnlessTools(...names: string[]): string | false {
  const missing = names.filter((n) => !haveTool(n));
  return missing.length ? `missing tool(s): ${missing.join(', ')}` : false;
}

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Scratch configuration shared by podman and skopeo.

export const PERMISSIVE_POLICY = { default: [{ type: 'insecureAcceptAnything' }] };

export interface ScratchConfig {
  /** The temp directory holding everything below. */
  dir: string;
  /** Fake $HOME (contains .config/containers/{policy.json,registries.conf}). */
  home: string;
  /** Permissive signature policy file. */
  policyPath: string;
  /** Empty registries.conf. */
  registriesConfPath: string;
  /** Empty registries.d directory (sigstore lookaside config). */
  registriesDDir: string;
  /** Auth file used via REGISTRY_AUTH_FILE (initially `{"auths":{}}`). */
  authFile: string;
  /** Temp dir for big temporary files (TMPDIR). */
  tmpDir: string;
  /** Environment overrides applied to every tool run. */
  env: Record<string, string>;
}

/** Write an accept-everything policy.json as HOME's user policy (~/.config/containers/policy.json); returns its path. */
export function writeUserPolicy(home: string): string {
  const file = path.join(home, '.config', 'containers', 'policy.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(PERMISSIVE_POLICY, null, 2) + '\n');
  return file;
}

/**
 * A new directory under the temp dir named PREFIX + lowercase hex: a layout under it can be pulled
 * as "oci:DIR" (podman and berth name such an image localhost/DIR:latest, which must be lowercase).
 */
export async function scratchDir(prefix: string): Promise<string> {
  for (;;) {
    const dir = path.join(os.tmpdir(), prefix + randomBytes(6).toString('hex'));
    try {
      await fsp.mkdir(dir, { mode: 0o700 });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

async function makeScratchConfig(prefix: string): Promise<ScratchConfig> {
  const dir = await scratchDir(prefix);
  const home = path.join(dir, 'home');
  const confDir = path.join(home, '.config', 'containers');
  const tmpDir = path.join(dir, 'tmp');
  const registriesDDir = path.join(dir, 'registries.d');
  await fsp.mkdir(confDir, { recursive: true });
  await fsp.mkdir(path.join(confDir, 'registries.conf.d'), { recursive: true });
  await fsp.mkdir(tmpDir, { recursive: true });
  await fsp.mkdir(registriesDDir, { recursive: true });
  // containers/image looks for $HOME/.config/containers/policy.json before the system file, so this
  // covers podman commands that have no --signature-policy flag as well.
  const policyPath = writeUserPolicy(home);
  const registriesConfPath = path.join(confDir, 'registries.conf');
  await fsp.writeFile(
    registriesConfPath,
    '# berth test registries.conf: no search registries, no mirrors, no aliases\nunqualified-search-registries = []\nshort-name-mode = "disabled"\n',
  );
  // podman 4.3 refuses to run when REGISTRY_AUTH_FILE names a missing file, so start with an empty one.
  const authFile = path.join(dir, 'auth.json');
  await fsp.writeFile(authFile, JSON.stringify({ auths: {} }) + '\n', { mode: 0o600 });
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_RUNTIME_DIR: path.join(dir, 'xdg-run'),
    TMPDIR: tmpDir,
    CONTAINERS_REGISTRIES_CONF: registriesConfPath,
    REGISTRY_AUTH_FILE: authFile,
    // Docker-style credential locations must not leak in either.
    DOCKER_CONFIG: path.join(home, '.docker'),
  };
  await fsp.mkdir(env['XDG_RUNTIME_DIR']!, { recursive: true, mode: 0o700 });
  return { dir, home, policyPath, registriesConfPath, registriesDDir, authFile, tmpDir, env };
}

// ---------------------------------------------------------------------------------------------
// skopeo

export interface ScratchSkopeo extends ScratchConfig {
  /** Runs `skopeo --policy P --registries.d D --tmpdir T <args>` with the scratch environment. */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

function skopeoRunner(cfg: ScratchConfig, extraEnv: Record<string, string> = {}) {
  return (args: string[], opts: RunOptions = {}): Promise<RunResult> =>
    run(
      toolPath('skopeo') ?? 'skopeo',
      ['--policy', cfg.policyPath, '--registries.d', cfg.registriesDDir, '--tmpdir', cfg.tmpDir, ...args],
      { ...opts, env: { ...cfg.env, ...extraEnv, ...(opts.env ?? {}) } },
    );
}

export async function scratchSkopeo(): Promise<ScratchSkopeo> {
  const cfg = await makeScratchConfig('berth-skopeo-');
  const cleanup = onceAsync(() => rmrf(cfg.dir));
  return { ...cfg, run: skopeoRunner(cfg), cleanup };
}

// ---------------------------------------------------------------------------------------------
// podman

export interface ScratchPodman extends ScratchConfig {
  /** Runs `podman <global scratch flags> <args>` with the scratch environment. */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs skopeo with the same scratch configuration (policy, auth file, storage.conf). */
  skopeo(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Image store root (graphroot). */
  root: string;
  runroot: string;
  /** A `containers-storage:` transport reference into this scratch store, for skopeo. */
  storageRef(image: string): string;
  /** The global flags passed to every podman invocation. */
  globalArgs: string[];
  cleanup(): Promise<void>;
}

/**
 * A podman with a private vfs store. Every invocation gets
 * `--root R --runroot RR --storage-driver vfs --tmpdir T --events-backend none ...`,
 * plus CONTAINERS_STORAGE_CONF / CONTAINERS_CONF / CONTAINERS_REGISTRIES_CONF / REGISTRY_AUTH_FILE / HOME
 * pointing at scratch files; the permissive policy is found as $HOME/.config/containers/policy.json
 * (podman 4.3 only has --signature-policy on some subcommands, and no environment variable for it).
 */
export async function scratchPodman(): Promise<ScratchPodman> {
  const cfg = await makeScratchConfig('berth-podman-');
  const root = path.join(cfg.dir, 'root');
  const runroot = path.join(cfg.dir, 'runroot');
  const libpodTmp = path.join(cfg.dir, 'libpod-tmp');
  const networkDir = path.join(cfg.dir, 'networks');
  const volumeDir = path.join(cfg.dir, 'volumes');
  for (const d of [root, runroot, libpodTmp, networkDir, volumeDir]) await fsp.mkdir(d, { recursive: true });

  const storageConf = path.join(cfg.dir, 'storage.conf');
  await fsp.writeFile(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = ${JSON.stringify(root)}\nrunroot = ${JSON.stringify(runroot)}\n`,
  );
  const containersConf = path.join(cfg.dir, 'containers.conf');
  await fsp.writeFile(
    containersConf,
    [
      '[engine]',
      'events_logger = "none"',
      'cgroup_manager = "cgroupfs"',
      `tmp_dir = ${JSON.stringify(libpodTmp)}`,
      `static_dir = ${JSON.stringify(path.join(root, 'libpod'))}`,
      `volume_path = ${JSON.stringify(volumeDir)}`,
      '[network]',
      // The netavark backend creates /run/containers/networks for root on every invocation;
      // the CNI backend keeps everything inside network_config_dir.
      'network_backend = "cni"',
      `network_config_dir = ${JSON.stringify(networkDir)}`,
      '',
    ].join('\n'),
  );
  const env = {
    ...cfg.env,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_CONF: containersConf,
  };
  const globalArgs = [
    '--root',
    root,
    '--runroot',
    runroot,
    '--storage-driver',
    'vfs',
    '--tmpdir',
    libpodTmp,
    '--events-backend',
    'none',
    '--cgroup-manager',
    'cgroupfs',
    '--network-config-dir',
    networkDir,
    '--volumepath',
    volumeDir,
  ];
  const withEnv: ScratchConfig = { ...cfg, env };
  const podmanBin = toolPath('podman') ?? 'podman';
  // Every podman container holds one of the machine's shared locks (/dev/shm/libpod_lock, 2048
  // of them for all stores) until podman removes it: deleting the store alone would leak them
  // for good, and once they are gone no podman on the machine can create a container.
  const cleanup = onceAsync(async () => {
    if (hasContainers(path.join(root, 'vfs-containers', 'containers.json')))
      await run(podmanBin, [...globalArgs, 'rm', '-a', '-f'], { env, timeoutMs: 60_000 });
    await rmrf(cfg.dir);
  });
  return {
    ...withEnv,
    root,
    runroot,
    globalArgs,
    storageRef: (image: string) => `containers-storage:[vfs@${root}+${runroot}]${image}`,
    run: (args: string[], opts: RunOptions = {}) =>
      run(podmanBin, [...globalArgs, ...args], { ...opts, env: { ...env, ...(opts.env ?? {}) } }),
    skopeo: skopeoRunner(withEnv),
    cleanup,
  };
}

// ---------------------------------------------------------------------------------------------
// Tiny OCI image layouts (handy as a source for `skopeo copy oci:DIR:TAG docker://...`).

export interface TinyImage {
  /** The OCI layout directory. */
  dir: string;
  tag: string;
  manifestDigest: string;
  manifest: Buffer;
  configDigest: string;
  config: Buffer;
  /** The layer blob (an uncompressed tar unless written with `gzip`). */
  layerDigest: string;
  layer: Buffer;
}

/**
 * Write an OCI image layout with one tar layer holding `files` (default: /hello.txt), plain or
 * (`gzip`) compressed. `dir` must not exist or be empty.
 */
export async function writeTinyOciLayout(
  dir: string,
  opts: { tag?: string; files?: Record<string, string | Buffer>; architecture?: string; os?: string; gzip?: boolean } = {},
): Promise<TinyImage> {
  const tag = opts.tag ?? 'latest';
  const files = opts.files ?? { 'hello.txt': 'hello from berth tests\n' };
  const tar = makeTar(files);
  const layer = opts.gzip ? gzipSync(tar) : tar;
  const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
  const layerDigest = sha(layer);
  const diffID = sha(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.architecture ?? 'amd64',
      os: opts.os ?? 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [diffID] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'berth test fixture' }],
    }),
  );
  const configDigest = sha(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: `application/vnd.oci.image.layer.v1.tar${opts.gzip ? '+gzip' : ''}`, digest: layerDigest, size: layer.length }],
    }),
  );
  const manifestDigest = sha(manifest);
  const blobs = path.join(dir, 'blobs', 'sha256');
  await fsp.mkdir(blobs, { recursive: true });
  for (const [d, b] of [
    [layerDigest, layer],
    [configDigest, config],
    [manifestDigest, manifest],
  ] as const) {
    await fsp.writeFile(path.join(blobs, d.slice('sha256:'.length)), b);
  }
  await fsp.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fsp.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { dir, tag, manifestDigest, manifest, configDigest, config, layerDigest, layer };
}

/** A minimal ustar archive of regular files (mode 0644, uid/gid 0, mtime 0). */
export function makeTar(files: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    if (Buffer.byteLength(name) > 100) throw new Error(`makeTar: name too long: ${name}`);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 8, 'ascii');
    h.write('0000000\0', 108, 8, 'ascii');
    h.write('0000000\0', 116, 8, 'ascii');
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124, 12, 'ascii');
    h.write('00000000000\0', 136, 12, 'ascii');
    h.write('        ', 148, 8, 'ascii'); // checksum placeholder
    h.write('0', 156, 1, 'ascii');
    h.write('ustar\0', 257, 6, 'ascii');
    h.write('00', 263, 2, 'ascii');
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    parts.push(h, body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------

/** Whether a containers-storage containers.json lists any container (missing or unreadable: none). */
function hasContainers(file: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]).length > 0;
  } catch {
    return false;
  }
}

export async function rmrf(p: string): Promise<void> {
  await fsp.rm(p, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
}

export function onceAsync(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
