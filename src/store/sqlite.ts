/**
 * Opening SQLite databases (better-sqlite3) with its native addon loaded by its path in the
 * package: better-sqlite3's own lookup (the `bindings` package) builds a dozen candidate
 * paths from a stack trace on every process start, which a short command feels. The addon is
 * looked for in the node_modules directories above this file first (a few stat calls, then
 * dlopen: no package resolution, no realpath), then through require's resolution. A package
 * built elsewhere than build/Release falls back to better-sqlite3's own lookup.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ADDON = 'better-sqlite3/build/Release/better_sqlite3.node';

let addon: object | null | undefined;

/** The addon in the nearest node_modules above this file, loaded as require would (dlopen). */
function addonNearby(): object | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'node_modules', ADDON);
    if (existsSync(file)) {
      const m = { exports: {} };
      process.dlopen(m, file);
      return m.exports;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function nativeAddon(): object | null {
  if (addon === undefined) {
    try {
      addon = addonNearby() ?? (createRequire(import.meta.url)(ADDON) as object);
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** `new Database(file, opts)`, with the addon found directly. */
export function openDatabase(file: string | Buffer, opts: Database.Options = {}): Database.Database {
  const a = nativeAddon();
  return new Database(file, a ? ({ ...opts, nativeBinding: a } as unknown as Database.Options) : opts);
}
