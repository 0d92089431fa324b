import { accessSync, constants as fsc, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BerthError } from '../errors.js';
import { log } from '../log.js';

/**
 * Which program does gzip work. igzip (Intel ISA-L) inflates several times faster than
 * node:zlib and deflates (at its levels 1-3, on every core) about 6x faster than zlib's level 5
 * for a 2% larger output; pigz deflates with zlib on every core; node:zlib is always there. The choice is made once
 * per process (per BERTH_GZIP and PATH value), reported at debug level, and can be forced with
 * BERTH_GZIP=igzip|pigz|zlib. Whatever runs, the engine still verifies digests and diffIDs
 * of what comes out, so a codec that misbehaves cannot store wrong content.
 */
export type GzipCodecName = 'igzip' | 'pigz' | 'zlib';
export type GzipWork = 'decompress' | 'compress';

export interface GzipCodec {
  name: GzipCodecName;
  /** Absolute path of the program; undefined for node:zlib. */
  path?: string;
}

const NAMES: readonly GzipCodecName[] = ['igzip', 'pigz', 'zlib'];
/** Preference when nothing is forced: igzip is the fastest both ways. */
const PREFERENCE: Record<GzipWork, readonly GzipCodecName[]> = {
  decompress: ['igzip', 'pigz'],
  compress: ['igzip', 'pigz'],
};

const cache = new Map<string, GzipCodec>();

/** The first executable `name` in PATH (default: $PATH), or undefined. */
export function findInPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, fsc.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The gzip codec to use for `work`, looked up in PATH once and remembered. */
export function gzipCodec(work: GzipWork): GzipCodec {
  const forced = process.env.BERTH_GZIP ?? '';
  const pathVar = process.env.PATH ?? '';
  const key = `${work}\0${forced}\0${pathVar}`;
  const known = cache.get(key);
  if (known) return known;
  let codec: GzipCodec | undefined;
  if (forced !== '') {
    if (!(NAMES as readonly string[]).includes(forced)) {
      throw new BerthError('INVALID_ARGUMENT', `invalid BERTH_GZIP value ${JSON.stringify(forced)}: use igzip, pigz or zlib`);
    }
    if (forced === 'zlib') codec = { name: 'zlib' };
    else {
      const path = findInPath(forced, pathVar);
      if (!path)
        throw new BerthError('UNSUPPORTED', `BERTH_GZIP=${forced}: ${forced} was not found in PATH`, {
          hint: `install ${forced === 'igzip' ? 'isal' : 'pigz'} or unset BERTH_GZIP`,
        });
      codec = { name: forced as GzipCodecName, path };
    }
  } else {
    for (const name of PREFERENCE[work]) {
      const path = findInPath(name, pathVar);
      if (path) {
        codec = { name, path };
        break;
      }
    }
    codec ??= { name: 'zlib' };
  }
  cache.set(key, codec);
  const chosen = codec;
  log.debug(() => `gzip ${work}: using ${chosen.path ?? 'node:zlib'}${forced ? ' (BERTH_GZIP)' : ''}`);
  return codec;
}

/** Arguments for the program: decompress to stdout, or compress stdin at gzip `level` (1-9). */
export function gzipArgs(codec: GzipCodec, work: GzipWork, level: number, threads: number): string[] {
  if (work === 'decompress') return ['-d', '-c'];
  // -n: no name or time in the header, so equal input gives equal bytes
  if (codec.name === 'pigz') return ['-c', '-n', `-${level}`, '-p', String(threads)];
  // igzip knows levels 0-3: map gzip's 1-9 onto 1-3 (its output does not depend on -T)
  const args = ['-c', '-n', `-${Math.min(3, Math.ceil(level / 3))}`];
  return threads > 1 ? [...args, '-T', String(threads)] : args;
}
