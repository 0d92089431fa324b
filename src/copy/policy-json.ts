import { resolve } from 'node:path';
import { BerthError } from '../errors.js';
import { loadPolicy, evaluatePolicy, type Policy } from '../config/policy.js';
import { formatReference } from '../reference/reference.js';
import type { ImageRef } from '../transports/types.js';
import type { PolicyCheck } from './policy.js';

/** The policy.json scope for an image location (containers-policy.json(5)). */
function scopeOf(ref: ImageRef): string {
  if (ref.transport === 'docker' && ref.dockerReference) return formatReference(ref.dockerReference);
  const loc = (ref as { path?: string; dir?: string }).path ?? (ref as { dir?: string }).dir;
  if ((ref.transport === 'oci' || ref.transport === 'dir' || ref.transport === 'oci-archive') && loc) return resolve(loc);
  return '';
}

/**
 * A PolicyCheck backed by policy.json. `reject` refuses; requirements that need signature
 * verification (signedBy, sigstoreSigned) are refused too, since berth cannot verify
 * signatures yet and must never treat an unverifiable requirement as met.
 */
export function policyJsonCheck(opts: { path?: string; policy?: Policy } = {}): PolicyCheck {
  let policy: Policy | undefined = opts.policy;
  return async (src) => {
    policy ??= loadPolicy({ path: opts.path });
    const transport = src.transport === 'containers-storage' ? 'containers-storage' : src.transport;
    const verdict = evaluatePolicy(policy, transport, scopeOf(src));
    if (verdict === 'accept') return;
    if (verdict === 'reject') throw new BerthError('POLICY_DENIED', `${src}: rejected by the signature policy`, { hint: 'see policy.json (containers-policy.json(5))' });
    throw new BerthError('POLICY_DENIED', `${src}: the signature policy requires ${verdict.unsupported}, which berth cannot verify yet`, { hint: 'adjust policy.json for this scope, or use --signature-policy with a policy that does not require signatures' });
  };
}
