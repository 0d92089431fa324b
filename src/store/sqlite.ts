/**
 * Opening SQLite databases (better-sqlite3) with its native addon loaded by its path in the
 * package: better-sqlite3's own lookup (the `bindings` package) builds a dozen candidate
 * paths from a stack trace on every process start, which a short command feels. A package
 * built elsewhere than build/Release falls back to that lookup.
 */
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';

let addon: object | null | undefined;

function nativeAddon(): object | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('better-sqlite3/build/Release/better_sqlite3.node') as object;
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
