/**
 * berth info / system info [--format json|TEMPLATE] — podman info's layout for what berth has:
 * the host (arch, cpus, hostname, kernel, os), the store (graphRoot, runRoot, image and container
 * counts) and berth's version; YAML by default, `json` with podman's keys, a Go template over
 * podman's field names ({{.Store.GraphRoot}}, {{.Store.RunRoot}}, {{.Store.ImageStore.Number}}).
 * runRoot is --runroot as given (berth writes nothing there), else the store, where berth keeps
 * its run-time state.
 */
import * as os from 'node:os';
import { goJSON } from '../../src/go/index.js';
import { hostPlatform } from '../../src/index.js';
import { listContainers } from '../../src/local.js';
import { openStore } from '../open-store.js';
import { isJSONFormat } from '../format/json-format.js';
import type { Parsed } from '../flags.js';
import { VERSION, type GlobalOptions } from '../main.js';

type Value = string | number | { [key: string]: Value };

/** yaml.Marshal of nested maps of scalars, keys sorted, as podman prints info. */
function yaml(o: { [key: string]: Value }, indent = ''): string {
  let out = '';
  for (const k of Object.keys(o).sort()) {
    const v = o[k]!;
    if (typeof v === 'object') out += `${indent}${k}:${Object.keys(v).length ? `\n${yaml(v, `${indent}  `)}` : ' {}\n'}`;
    else out += `${indent}${k}: ${typeof v === 'number' || /^[\w./-]+$/.test(v) ? v : JSON.stringify(v)}\n`;
  }
  return out;
}

/** `o` with its keys as Go's exported field names (podman's templates: {{.Store.GraphRoot}}). */
function goFields(o: { [key: string]: Value }): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const name = k === 'cpus' ? 'CPUs' : k.replace(/^[a-z]/, (c) => c.toUpperCase());
    out[name] = typeof v === 'object' ? goFields(v) : v;
  }
  return out;
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
      graphRoot: store.root,
      imageStore: { number: images },
      runRoot: g.runroot ?? store.root,
    },
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
