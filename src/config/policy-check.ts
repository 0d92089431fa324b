import { BerthError } from '../errors.js';
import { loadPolicy, evaluatePolicy, type Policy } from './policy.js';
import type { PolicyCheck } from '../copy/policy.js';

/**
 * A PolicyCheck backed by policy.json. `reject` refuses; requirements that need signature
 * verification (signedBy, sigstoreSigned) are refused too, since berth cannot verify
 * signatures yet and must never treat an unverifiable requirement as met.
 */
export function policyJsonCheck(opts: { path?: string; policy?: Policy } = {}): PolicyCheck {
  let policy: Policy | undefined = opts.policy;
  return async (src) => {
    policy ??= loadPolicy({ path: opts.path });
    const verdict = evaluatePolicy(policy, src.transport, src.policyScope());
    if (verdict === 'accept') return;
    if (verdict === 'reject')
      throw new BerthError('POLICY_DENIED', `${src}: rejected by the signature policy`, {
        hint: 'see policy.json (containers-policy.json(5))',
      });
    throw new BerthError('POLICY_DENIED', `${src}: the signature policy requires ${verdict.unsupported}, which berth cannot verify yet`, {
      hint: 'adjust policy.json for this scope, or use --signature-policy with a policy that does not require signatures',
    });
  };
}
