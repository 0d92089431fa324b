import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { parse } from 'smol-toml';
import { BerthError } from '../errors.js';

/** The containers.conf settings berth honours. */
export interface EngineSettings {
  /** [engine] image_parallel_copies: layers copied at once (0 = default). */
  imageParallelCopies?: number;
}

/**
 * Read containers.conf as podman does for the keys berth uses: $CONTAINERS_CONF alone when set,
 * else /usr/share/containers, /etc/containers, then the user's file, later files overriding.
 */
export function loadEngineSettings(env: NodeJS.ProcessEnv = process.env, opts: { home?: string } = {}): EngineSettings {
  const files = env.CONTAINERS_CONF
    ? [env.CONTAINERS_CONF]
    : ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf',
       join(env.XDG_CONFIG_HOME || join(opts.home ?? (env.HOME || homedir()), '.config'), 'containers', 'containers.conf')];
  const out: EngineSettings = {};
  for (const f of files) {
    let text: string;
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    let doc: Record<string, unknown>;
    try { doc = parse(text) as Record<string, unknown>; } catch (e) {
      throw new BerthError('CONFIG', `${f}: invalid TOML: ${(e as Error).message.split('\n')[0]}`);
    }
    const engine = doc.engine as Record<string, unknown> | undefined;
    const n = engine?.image_parallel_copies;
    if (n !== undefined) {
      if (typeof n !== 'number' && typeof n !== 'bigint') throw new BerthError('CONFIG', `${f}: engine.image_parallel_copies must be a number`);
      const v = Number(n);
      if (!Number.isInteger(v) || v < 0) throw new BerthError('CONFIG', `${f}: engine.image_parallel_copies must be 0 or more`);
      out.imageParallelCopies = v;
    }
  }
  return out;
}
