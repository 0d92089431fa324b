/**
 * A scratch world for the Docker API transfer tests: a real registry (plain http on 127.0.0.1,
 * marked insecure in a scratch registries.conf), berth's CLI with its own config, a service on
 * a scratch socket over the CLI's store, and images seeded into the registry.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { scratchBerth, type ScratchBerth } from '../helpers/berth.js';
import { startRegistry, type Registry, type StartRegistryOptions } from '../helpers/registry.js';
import { request, startService, type HttpReply, type RunningService } from '../helpers/service.js';
import { writeTinyOciLayout } from '../helpers/tools.js';

export interface World {
  reg: Registry;
  sb: ScratchBerth;
  svc: RunningService;
  /** A second service over another store (load tests). */
  startOther(): Promise<{ svc: RunningService; root: string }>;
  /** Copy a one-layer image into the registry (`files` become its layer), as repo:tag; returns its manifest digest. */
  seed(repoTag: string, files: Record<string, string | Buffer>, extraTags?: string[]): Promise<string>;
  /** Run berth's CLI on the service's store and return stdout (fails on a non-zero exit). */
  berth(...args: string[]): Promise<string>;
}

export async function startWorld(
  t: { after(fn: () => Promise<void>): void },
  regOpts: StartRegistryOptions = {},
  confExtra = '',
): Promise<World> {
  const reg = await startRegistry(regOpts);
  t.after(() => reg.stop());
  const sb = await scratchBerth(
    `unqualified-search-registries = []\n[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n${confExtra}`,
  );
  t.after(() => sb.cleanup());
  // no retries: a registry that is down answers at once
  await fsp.writeFile(sb.env.CONTAINERS_CONF!, '[engine]\nretry = 0\n');
  const svc = await startService({ root: sb.root, env: sb.env });
  t.after(() => svc.stop());
  const berth = async (...args: string[]) => {
    const r = await sb.run(args);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  let n = 0;
  const creds = regOpts.htpasswd ? ['--dest-creds', `${regOpts.htpasswd.user}:${regOpts.htpasswd.password}`] : [];
  return {
    reg,
    sb,
    svc,
    berth,
    startOther: async () => {
      const root = sb.store();
      const other = await startService({ root, env: sb.env });
      t.after(() => other.stop());
      return { svc: other, root };
    },
    seed: async (repoTag, files, extraTags = []) => {
      const dir = path.join(sb.dir, `oci-${n++}`);
      const img = await writeTinyOciLayout(dir, { files });
      const seedStore = sb.store();
      const args = (dest: string) => ['copy', '--dest-tls-verify=false', ...creds, `oci:${dir}:${img.tag}`, `docker://${reg.host}/${dest}`];
      for (const dest of [repoTag, ...extraTags.map((t2) => `${repoTag.split(':')[0]}:${t2}`)]) {
        const r = await sb.run(args(dest), { root: seedStore });
        if (r.code !== 0) throw new Error(`seeding ${dest}: ${r.stderr}`);
      }
      const head = await fetch(`${reg.url}/v2/${repoTag.replace(':', '/manifests/')}`, {
        method: 'HEAD',
        headers: {
          accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
          ...(regOpts.htpasswd
            ? { authorization: `Basic ${Buffer.from(`${regOpts.htpasswd.user}:${regOpts.htpasswd.password}`).toString('base64')}` }
            : {}),
        },
      });
      return head.headers.get('docker-content-digest')!;
    },
  };
}

/** Random bytes: a layer that does not compress, so progress has something to report. */
export function noise(n: number): Buffer {
  return randomBytes(n);
}

/** The stream's messages (one JSON object per line). */
export function messages(r: HttpReply): Record<string, unknown>[] {
  return r.body
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function statuses(r: HttpReply): string[] {
  return messages(r).map((m) => String(m.status ?? m.stream ?? (m.error ? `ERROR ${String(m.error)}` : '')));
}

/** Image events of the service so far. */
export async function imageEvents(
  svc: RunningService,
): Promise<{ Action: string; Actor: { ID: string; Attributes: Record<string, string> } }[]> {
  const r = await request(svc.socketPath, 'GET', `/events?since=0&until=${Math.floor(Date.now() / 1000) + 1}`);
  return messages(r) as never;
}

export { request };
