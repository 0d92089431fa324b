/**
 * berth create / container create IMAGE [COMMAND [ARG...]] — podman create: prints the new
 * container's ID. The image is pulled first when --pull says so (default: when missing).
 * --cidfile also writes the ID to a new file; --replace removes the container with that name first.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { BerthError } from '../../src/errors.js';
import { createContainer, type CreatedContainer, type PullPolicy } from '../../src/index.js';
import { openStore } from '../open-store.js';
import { progressRenderer } from '../progress.js';
import { registryAccess } from '../registry-flags.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';
import { goErrnoText } from '../../src/go/index.js';

/**
 * --cidfile: created exclusively before anything else (podman's words when it exists), removed
 * again when the container cannot be created.
 */
function openCidFile(file: string): number {
  try {
    return openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BerthError('INVALID_ARGUMENT', `container id file exists. Ensure another container is not using it or delete ${file}`);
    throw new BerthError('INVALID_ARGUMENT', `opening cidfile ${file}`);
  }
}

/** --label KEY=VALUE (a KEY alone: an empty value), as podman reads them; the last one of a key wins. */
function parseLabels(list: string[], into: Record<string, string> = {}): Record<string, string> {
  for (const l of list) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new BerthError('INVALID_ARGUMENT', `invalid label format: ${JSON.stringify(l)}`);
    into[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return into;
}

/**
 * One --env value as podman takes it: NAME=VALUE as given; NAME alone this process's value
 * (nothing when unset); NAME* every variable of this process whose name starts with NAME.
 */
function expandEnv(e: string): string[] {
  if (e.includes('=')) return [e];
  if (e.endsWith('*')) {
    const prefix = e.slice(0, -1);
    return Object.entries(process.env)
      .filter(([k, v]) => k.startsWith(prefix) && v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
  }
  const v = process.env[e];
  return v === undefined ? [] : [`${e}=${v}`];
}

/** The lines of an --env-file/--label-file: blank lines and # comments skipped, each line as --env takes it. */
function readVarFile(file: string, what: (why: string) => string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', what(`open ${file}: ${goErrnoText(e)}`));
  }
  return text
    .split('\n')
    .map((l) => l.replace(/^\s+/, '').replace(/\r$/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'))
    .flatMap(expandEnv);
}

/** --entrypoint: a JSON array of strings, else one word ("" for none), as podman reads it. */
function parseEntrypoint(v: string): string[] {
  if (v === '') return [];
  try {
    const a = JSON.parse(v) as unknown;
    if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a as string[];
  } catch {
    /* not JSON: one word */
  }
  return [v];
}

/** --annotation KEY=VALUE values (podman's words when one has no "="); the last one of a key wins. */
function annotations(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq < 0) throw new BerthError('INVALID_ARGUMENT', 'annotations must be formatted KEY=VALUE');
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/** --label-file's labels, then --label's over them (podman's order); undefined when neither is given. */
function labels(p: Parsed): Record<string, string> | undefined {
  if (!p.changed.has('label') && !p.changed.has('label-file')) return undefined;
  const fromFiles = (p.opts.labelFile as string[]).flatMap((f) => readVarFile(f, (why) => `unable to process labels: ${why}`));
  return parseLabels(p.opts.label as string[], parseLabels(fromFiles));
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const o = p.opts;
  if (o.replace === true && !p.changed.has('name'))
    throw new BerthError('INVALID_ARGUMENT', 'cannot replace container without --name being set');
  const cidfile = p.changed.has('cidfile') ? (o.cidfile as string) : undefined;
  const cidFd = cidfile !== undefined ? openCidFile(cidfile) : undefined;
  const progress = progressRenderer({ quiet: o.quiet === true });
  let created: CreatedContainer;
  try {
    const store = openStore(g);
    try {
      created = await createContainer(store, p.args[0]!, {
        name: p.changed.has('name') ? (o.name as string) : undefined,
        replace: o.replace === true,
        labels: labels(p),
        env: [
          ...(o.envFile as string[]).flatMap((f) => readVarFile(f, (why) => `parsing env file ${JSON.stringify(f)}: ${why}`)),
          ...(o.env as string[]).flatMap(expandEnv),
        ],
        entrypoint: p.changed.has('entrypoint') ? parseEntrypoint(o.entrypoint as string) : undefined,
        workingDir: p.changed.has('workdir') ? (o.workdir as string) : undefined,
        user: p.changed.has('user') ? (o.user as string) : undefined,
        hostname: p.changed.has('hostname') ? (o.hostname as string) : undefined,
        stopSignal: p.changed.has('stop-signal') ? (o.stopSignal as string) : undefined,
        annotations: p.changed.has('annotation') ? annotations(o.annotation as string[]) : undefined,
        command: p.args.slice(1),
        pull: o.pull as PullPolicy,
        pullOptions: {
          ...registryAccess(o),
          isTTY: !!(process.stdin.isTTY && process.stdout.isTTY),
          onProgress: progress.onProgress,
        },
      });
      progress.done();
    } finally {
      store.close();
    }
    if (cidFd !== undefined) writeSync(cidFd, created.id);
  } catch (e) {
    if (cidFd !== undefined) {
      closeSync(cidFd);
      rmSync(cidfile!, { force: true });
    }
    throw e;
  }
  if (cidFd !== undefined) closeSync(cidFd);
  // podman prints the replaced container's name (its removal), then the new ID
  process.stdout.write(`${created.replaced ? `${created.replaced.name}\n` : ''}${created.id}\n`);
  return 0;
}
