import { showTrust, trustPolicyJSON } from '../../src/index.js';
import { formatTable } from '../format/tabwriter.js';
import type { Parsed } from '../flags.js';
import type { GlobalOptions } from '../main.js';

export async function run(p: Parsed, _g: GlobalOptions): Promise<number> {
  const o = p.opts as {
    json?: boolean;
    noheading?: boolean;
    raw?: boolean;
    signaturePolicy?: string;
    policypath?: string;
    registrypath?: string;
  };
  // as podman, REGISTRY is accepted and the whole policy is shown
  const t = await showTrust({ path: o.signaturePolicy ?? o.policypath, registriesDir: o.registrypath, raw: o.raw });
  if (o.raw) {
    process.stdout.write(Buffer.concat([t.raw, Buffer.from('\n')]));
    return 0;
  }
  if (o.json) {
    process.stdout.write(`${trustPolicyJSON(t.policies)}\n`);
    return 0;
  }
  const header = o.noheading ? undefined : ['TRANSPORT', 'NAME', 'TYPE', 'ID', 'STORE'];
  process.stdout.write(
    formatTable(
      header,
      t.policies.map((e) => [e.transport, e.repoName, e.type, e.gpgId, e.signatureStore]),
    ),
  );
  return 0;
}
