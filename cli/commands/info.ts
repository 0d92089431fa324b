/**
 * berth info / system info [--format json|TEMPLATE] — podman info's layout for what berth has:
 * the host (arch, cpus, hostname, kernel, os), the store (graphDriverName "berth": its own store,
 * not a containers/storage driver; graphRoot with its file system's size and use, runRoot, image
 * and container counts), the registries of registries.conf (podman's `registries`: `search` and
 * one entry per prefix) and berth's version; YAML by default, `json` with podman's keys, a Go
 * template over podman's field names ({{.Store.GraphRoot}}, {{.Store.ImageStore.Number}},
 * {{.Registries.search}}). No `plugins`: berth has no volume, network or log drivers.
 * runRoot is --runroot as given (berth writes nothing there), else the store, where berth keeps
 * its run-time state.
 */
import * as os from 'node:os';
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { goJSON } from '../../src/go/index.js';
import { config, hostPlatform } from '../../src/index.js';
import { listContainers } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import { VERSION, type GlobalOptions } from '../main.js';

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

function scalar(v: string | number | boolean | null): string {
  if (typeof v !== 'string') return String(v);
  return /^[\w./-]+$/.test(v) && !/^(true|false|null|~|-?\d+(\.\d+)?)$/i.test(v) ? v : JSON.stringify(v);
}

/** yaml.Marshal of nested maps, lists and scalars, keys sorted, as podman prints info. */
function yaml(o: { [key: string]: Value }, indent = ''): string {
  let out = '';
  for (const k of Object.keys(o).sort()) {
    const v = o[k]!;
    if (Array.isArray(v)) out += `${indent}${k}:${v.length ? `\n${yamlList(v, indent)}` : ' []\n'}`;
    else if (v !== null && typeof v === 'object') out += `${indent}${k}:${Object.keys(v).length ? `\n${yaml(v, `${indent}  `)}` : ' {}\n'}`;
    else out += `${indent}${k}: ${scalar(v)}\n`;
  }
  return out;
}

/** A list's items, `- ` at the key's indentation (yaml.v2/v3's block style). */
function yamlList(list: Value[], indent: string): string {
  let out = '';
  for (const v of list) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out += `${indent}- ${yaml(v, `${indent}  `).slice(indent.length + 2)}`;
    else out += `${indent}- ${Array.isArray(v) ? JSON.stringify(v) : scalar(v)}\n`;
  }
  return out;
}

/** `o` with its keys as Go's exported field names (podman's templates: {{.Store.GraphRoot}}); `registries` stays a map, as podman's. */
function goFields(o: { [key: string]: Value }): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const name = k === 'cpus' ? 'CPUs' : k.replace(/^[a-z]/, (c) => c.toUpperCase());
    if (k === 'registries') out[name] = Object.assign(Object.create(null) as object, v);
    else out[name] = v !== null && typeof v === 'object' && !Array.isArray(v) ? goFields(v) : v;
  }
  return out;
}

/** podman's `registries`: the unqualified-search registries as `search`, and each [[registry]] by its prefix. */
function registriesInfo(): { [key: string]: Value } {
  const conf = config.loadRegistriesConf();
  const out: { [key: string]: Value } = {};
  for (const r of conf.registries) {
    out[r.prefix] = {
      Prefix: r.prefix,
      Location: r.location,
      Insecure: r.insecure,
      PullFromMirror: '',
      Mirrors: r.mirrors.length
        ? r.mirrors.map((m) => ({
            Location: m.location,
            Insecure: m.insecure,
            PullFromMirror: m.pullFromMirror === 'all' ? '' : m.pullFromMirror,
          }))
        : null,
      Blocked: r.blocked,
      MirrorByDigestOnly: r.mirrorByDigestOnly,
    };
  }
  if (conf.unqualifiedSearchRegistries.length) out.search = conf.unqualifiedSearchRegistries;
  return out;
}

/** The store's file system (the nearest directory that exists): its size and what is used of it (podman's graphRootAllocated/Used). */
function graphRootSpace(root: string): { [key: string]: Value } {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    try {
      const s = statfsSync(dir);
      const allocated = s.blocks * s.bsize;
      return { graphRootAllocated: allocated, graphRootUsed: allocated - s.bfree * s.bsize };
    } catch {
      if (dir === dirname(dir)) return {};
    }
  }
}

export async function run(p: Parsed, g: GlobalOptions): Promise<number> {
  const format = (p.opts.format as string | undefined) ?? '';
  const store = openStore(g, 'read');
  let images: number;
  let containers: number;
  try {
    images = store.listImages().length;
    containers = listContainers(store).length;
  } finally {
    store.close();
  }
  const platform = hostPlatform();
  const info: { [key: string]: Value } = {
    host: { arch: platform.architecture, cpus: os.cpus().length, hostname: os.hostname(), kernel: os.release(), os: platform.os },
    store: {
      // berth runs nothing: every container is stopped (podman counts created ones so)
      containerStore: { number: containers, paused: 0, running: 0, stopped: containers },
      graphDriverName: 'berth',
      graphRoot: store.root,
      ...graphRootSpace(store.root),
      imageStore: { number: images },
      runRoot: g.runroot ?? store.root,
    },
    registries: registriesInfo(),
    version: { Version: VERSION, OsArch: `${platform.os}/${platform.architecture}`, Os: platform.os },
  };
  if (format === '') process.stdout.write(yaml(info));
  else if (isJSONFormat(format)) process.stdout.write(`${goJSON(info, { indent: '  ' })}\n`);
  else {
    const { renderOutput } = await import('../format/output.js');
    process.stdout.write(
      renderOutput([goFields(info)], { format, defaultTemplate: '', headers: {}, name: 'info', rowType: '*define.Info', single: true }),
    );
  }
  return 0;
}
