import type { ImageRef } from '../transports/types.js';
import type { Digest } from '../digest/digest.js';
import type { Signature } from '../trust/signature.js';

/**
 * Where an image is read from, as the policy judges it: a transport's reference, or a source
 * that is no transport of its own (import reads a "tarball", as containers/image names it).
 */
export type PolicySubject = Pick<ImageRef, 'dockerReference' | 'policyScope' | 'toString'> & {
  readonly transport: ImageRef['transport'] | 'tarball';
};

/** What the policy may read about the image beyond its manifest. */
export interface PolicyImage {
  /** The source's signatures of the manifest being copied (read on first call, once per copy). */
  signatures(): Promise<Signature[]>;
  /** The index the manifest was chosen from, when there was one. */
  index?: { digest: Digest; mediaType: string; bytes: Buffer };
}

/**
 * The one place signature policy (policy.json) is evaluated: after the manifest is resolved
 * and before anything is written to the destination. Throw BerthError('POLICY_DENIED') to refuse.
 * `manifest` is the manifest that is copied (for an index, the chosen instance): signatures
 * must sign its digest. The default accepts everything; a policy.json evaluator plugs in here.
 */
export type PolicyCheck = (
  src: PolicySubject,
  manifest: { digest: Digest; mediaType: string; bytes: Buffer },
  image?: PolicyImage,
) => Promise<void>;

export const acceptAnything: PolicyCheck = async () => {};
