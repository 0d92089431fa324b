import type { ImageRef } from '../transports/types.js';
import type { Digest } from '../digest/digest.js';

/**
 * The one place signature policy (policy.json) is evaluated: after the manifest is resolved
 * and before anything is written to the destination. Throw BerthError('POLICY_DENIED') to refuse.
 * The default accepts everything; a policy.json evaluator plugs in here.
 */
export type PolicyCheck = (src: ImageRef, manifest: { digest: Digest; mediaType: string; bytes: Buffer }) => Promise<void>;

export const acceptAnything: PolicyCheck = async () => {};
