import { loadPolicy, type Policy } from './policy.js';
import type { PolicyCheck } from '../copy/policy.js';

/**
 * A PolicyCheck backed by policy.json (read on first use): the requirements of the most
 * specific scope are evaluated, signatures verified, before anything is written.
 */
export function policyJsonCheck(opts: { path?: string; policy?: Policy } = {}): PolicyCheck {
  let policy: Policy | undefined = opts.policy;
  return async (src, manifest, image) => {
    policy ??= loadPolicy({ path: opts.path });
    const { evaluatePolicyFor } = await import('../trust/evaluate.js');
    await evaluatePolicyFor(policy, src, manifest, image ?? { signatures: async () => [] });
  };
}
