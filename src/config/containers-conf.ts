import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { parse } from 'smol-toml';
import { tomlSyntaxError } from './toml-error.js';
import { BerthError } from '../errors.js';
import { parseGoDuration } from '../go/duration.js';

/** The containers.conf settings berth honours. */
export interface EngineSettings {
  /** [engine] image_parallel_copies: layers copied at once (0 = default). */
  imageParallelCopies?: number;
  /** [engine] retry: retries of a failed pull or push request (podman's default 3). */
  retry?: number;
  /** [engine] retry_delay: a Go duration, in milliseconds (podman's default 1s). */
  retryDelayMs?: number;
}

/**
 * Read containers.conf as podman does for the keys berth uses: $CONTAINERS_CONF alone when set,
 * else /usr/share/containers, /etc/containers, then the user's file, later files overriding.
 */
export function loadEngineSettings(env: NodeJS.ProcessEnv = process.env, opts: { home?: string } = {}): EngineSettings {
  const files = env.CONTAINERS_CONF
    ? [env.CONTAINERS_CONF]
    : [
        '/usr/share/containers/containers.conf',
        '/etc/containers/containers.conf',
        join(env.XDG_CONFIG_HOME || join(opts.home ?? (env.HOME || homedir()), '.config'), 'containers', 'containers.conf'),
      ];
  const out: EngineSettings = {};
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    let doc: Record<string, unknown>;
    try {
      doc = parse(text) as Record<string, unknown>;
    } catch (e) {
      // podman's words (containers/common config: it logs them and goes on with the defaults; berth stops)
      throw new BerthError('CONFIG', `reading system config ${JSON.stringify(f)}: decode configuration ${f}: ${tomlSyntaxError(e)}`, {
        subject: f,
      });
    }
    const engine = doc.engine as Record<string, unknown> | undefined;
    const n = engine?.image_parallel_copies;
    if (n !== undefined) {
      if (typeof n !== 'number' && typeof n !== 'bigint')
        throw new BerthError('CONFIG', `${f}: engine.image_parallel_copies must be a number`);
      const v = Number(n);
      if (!Number.isInteger(v) || v < 0) throw new BerthError('CONFIG', `${f}: engine.image_parallel_copies must be 0 or more`);
      out.imageParallelCopies = v;
    }
    const retry = engine?.retry;
    if (retry !== undefined) {
      const v = Number(retry);
      if ((typeof retry !== 'number' && typeof retry !== 'bigint') || !Number.isInteger(v) || v < 0)
        throw new BerthError('CONFIG', `${f}: engine.retry must be a whole number, 0 or more`);
      out.retry = v;
    }
    const delay = engine?.retry_delay;
    if (delay !== undefined && delay !== '') {
      if (typeof delay !== 'string') throw new BerthError('CONFIG', `${f}: engine.retry_delay must be a duration string such as "5s"`);
      let ns: number;
      try {
        ns = parseGoDuration(delay);
      } catch (e) {
        throw new BerthError('CONFIG', `${f}: engine.retry_delay: ${(e as Error).message}`);
      }
      if (ns < 0) throw new BerthError('CONFIG', `${f}: engine.retry_delay must not be negative`);
      out.retryDelayMs = Math.round(ns / 1e6);
    }
  }
  return out;
}
