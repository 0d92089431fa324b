/** A TOML file that does not parse, worded as the Go TOML decoder's errors begin: `toml: line N: WHAT` (one line). */
import { TomlError } from 'smol-toml';

export function tomlSyntaxError(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
  return e instanceof TomlError ? `toml: line ${e.line}: ${first}` : `toml: ${first}`;
}
