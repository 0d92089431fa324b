/**
 * Policy evaluation with signatures (containers/image policy_eval*.go semantics): every
 * requirement of the scope that applies must allow the image; signedBy / sigstoreSigned are
 * met when ANY signature verifies with the requirement's keys, signs this manifest's digest
 * and names an identity the requirement's signedIdentity accepts. Refusals use
 * containers/image's words ("Source image rejected: ...") and name the failed requirement.
 * The cryptography lives in the simple-signing and sigstore modules, loaded on first use.
 */
import { BerthError } from '../errors.js';
import { matchesDigest, type Digest } from '../digest/digest.js';
import { policyRequirementsFor, type Policy, type PolicyRequirement } from '../config/policy.js';
import type { PolicyImage, PolicySubject } from '../copy/policy.js';
import { SIGSTORE_PAYLOAD_MEDIA_TYPE, type Signature, type SignedClaim } from './signature.js';
import { matchesSignedIdentity } from './identity.js';

type SignedBy = Extract<PolicyRequirement, { type: 'signedBy' }>;
type SigstoreSigned = Extract<PolicyRequirement, { type: 'sigstoreSigned' }>;
type SigstoreSig = Extract<Signature, { kind: 'sigstore' }>;

/** The verifiers, as their modules export them (loaded lazily: OpenPGP and X.509 code is heavy). */
export interface Verifiers {
  simple(sig: Buffer, keys: { keyPath?: string; keyPaths?: string[]; keyData?: string }): Promise<SignedClaim>;
  sigstore(sig: SigstoreSig, req: SigstoreSigned): Promise<SignedClaim>;
}

/** A failed requirement (containers/image PolicyRequirementError): the message is the reason. */
class Refusal extends Error {}

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** `load` imports a literal specifier (so that a bundler of the CLI finds the module). */
async function loadModule(load: () => Promise<object>, what: string): Promise<Record<string, unknown>> {
  try {
    return (await load()) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      throw new Refusal(`${what} signatures cannot be verified: this build of berth has no ${what} verifier`);
    throw e;
  }
}

/** The verifiers of this build (resolved when first needed). */
export const defaultVerifiers: Verifiers = {
  async simple(sig, keys) {
    const m = await loadModule(() => import('./simple-signing/verify.js'), 'simple signing');
    return (m.verifySimpleSignature as Verifiers['simple'])(sig, keys);
  },
  async sigstore(sig, req) {
    const m = await loadModule(() => import('./sigstore/verify.js'), 'sigstore');
    return (m.verifySigstoreSignature as Verifiers['sigstore'])(sig, req);
  },
};

interface Subject {
  ref: PolicySubject;
  manifest: { digest: Digest; bytes: Buffer };
  image: PolicyImage;
}

/** Digest, then identity: the order containers/image checks a verified signature's claims in. */
function checkClaim(claim: SignedClaim, req: SignedBy | SigstoreSigned, s: Subject): void {
  let matches: boolean;
  try {
    matches = matchesDigest(s.manifest.bytes, claim.dockerManifestDigest as Digest);
  } catch {
    matches = false;
  }
  if (!matches) throw new Refusal(`Signature for digest ${claim.dockerManifestDigest} does not match`);
  if (!matchesSignedIdentity(req.signedIdentity, s.ref.dockerReference, claim.dockerReference))
    throw new Refusal(`Signature for identity ${JSON.stringify(claim.dockerReference)} is not accepted`);
}

function summary(rejections: string[], none: string): string {
  if (rejections.length === 0) return none;
  if (rejections.length === 1) return rejections[0]!;
  return `None of the signatures were accepted, reasons: ${rejections.join('; ')}`;
}

async function signedBy(req: SignedBy, s: Subject, v: Verifiers): Promise<string | undefined> {
  const sigs = (await s.image.signatures()).filter((x): x is Extract<Signature, { kind: 'simple' }> => x.kind === 'simple');
  const rejections: string[] = [];
  for (const sig of sigs) {
    try {
      if (req.keyType !== 'GPGKeys') throw new Refusal(`Unimplemented "keyType" value ${JSON.stringify(req.keyType)}`);
      const claim = await v.simple(sig.data, { keyPath: req.keyPath, keyPaths: req.keyPaths, keyData: req.keyData });
      checkClaim(claim, req, s);
      return undefined;
    } catch (e) {
      rejections.push(reasonOf(e));
    }
  }
  return summary(rejections, 'A signature was required, but no signature exists');
}

async function sigstoreSigned(req: SigstoreSigned, s: Subject, v: Verifiers): Promise<string | undefined> {
  const rejections: string[] = [];
  let nonSigstore = 0;
  let nonAttachments = 0;
  for (const sig of await s.image.signatures()) {
    if (sig.kind !== 'sigstore') {
      nonSigstore++;
      continue;
    }
    if (sig.mediaType !== SIGSTORE_PAYLOAD_MEDIA_TYPE) {
      nonAttachments++;
      continue;
    }
    try {
      checkClaim(await v.sigstore(sig, req), req, s);
      return undefined;
    } catch (e) {
      rejections.push(reasonOf(e));
    }
  }
  const none =
    nonSigstore === 0 && nonAttachments === 0
      ? 'A signature was required, but no signature exists'
      : `A signature was required, but no signature exists (${nonSigstore} non-sigstore signatures, ${nonAttachments} sigstore non-signature attachments)`;
  return summary(rejections, none);
}

/** Why `req` does not allow the image, or undefined when it does. */
export async function requirementRefusal(req: PolicyRequirement, s: Subject, v: Verifiers = defaultVerifiers): Promise<string | undefined> {
  try {
    switch (req.type) {
      case 'insecureAcceptAnything':
        return undefined;
      case 'reject':
        return `Running image ${s.ref} is rejected by policy.`;
      case 'signedBaseLayer':
        return 'signedBaseLayer not implemented yet!';
      case 'signedBy':
        return await signedBy(req, s, v);
      case 'sigstoreSigned':
        return await sigstoreSigned(req, s, v);
    }
  } catch (e) {
    if (e instanceof Refusal) return e.message;
    throw e;
  }
}

/**
 * Evaluate `policy` for an image about to be copied from `ref`; throws POLICY_DENIED
 * ("Source image rejected: REASON") at the first requirement that does not allow it.
 */
export async function evaluatePolicyFor(
  policy: Policy,
  ref: PolicySubject,
  manifest: { digest: Digest; bytes: Buffer },
  image: PolicyImage,
  verifiers: Verifiers = defaultVerifiers,
): Promise<void> {
  const { scope, requirements } = policyRequirementsFor(policy, ref.transport, ref.policyScope());
  if (requirements.length === 0) throw denied('List of verification policy requirements must not be empty', policy, ref.transport, scope);
  for (const req of requirements) {
    const why = await requirementRefusal(req, { ref, manifest, image }, verifiers);
    if (why !== undefined) throw denied(why, policy, ref.transport, scope, req.type);
  }
}

function denied(reason: string, policy: Policy, transport: string, scope: string | undefined, requirement?: string): BerthError {
  const where = scope === undefined ? '"default"' : `transports.${transport}[${JSON.stringify(scope)}]`;
  return new BerthError('POLICY_DENIED', `Source image rejected: ${reason}`, {
    hint: `${requirement ? `requirement ${JSON.stringify(requirement)} of ` : ''}${where} in ${policy.path ?? 'the signature policy'}`,
    data: { reason, requirement, transport, scope, policy: policy.path },
  });
}
