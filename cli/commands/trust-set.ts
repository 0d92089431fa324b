import { setTrust } from '../../src/index.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const o = p.opts as { type: string; pubkeysfile?: string[]; signaturePolicy?: string; policypath?: string };
  // podman 4's --pubkeysfile is a string slice: repeatable and comma-separated
  const keys = (o.pubkeysfile ?? []).flatMap((k) => k.split(',')).filter((k) => k !== '');
  await setTrust(p.args[0]!, { type: o.type, pubKeysFiles: keys, path: o.signaturePolicy ?? o.policypath });
  return 0;
}
