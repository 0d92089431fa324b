/**
 * The policy evaluator's rules around signature verification: a signature requirement is met
 * by ANY signature that verifies, signs this manifest and names an accepted identity; every
 * requirement of the scope must be met; refusals carry containers/image's words. The
 * cryptography is replaced by verifiers that return fixed claims (or throw), so these rules
 * are tested on their own; the real verifiers are tested with real keys elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicyFor, requirementRefusal, type Verifiers } from '../../../src/trust/evaluate.js';
import { parsePolicy, type PolicyRequirement } from '../../../src/config/policy.js';
import { digestOf } from '../../../src/digest/digest.js';
import { parseNormalizedReference } from '../../../src/reference/reference.js';
import type { ImageRef } from '../../../src/transports/types.js';
import type { Signature, SignedClaim } from '../../../src/trust/signature.js';
import { isBerthError } from '../../../src/errors.js';

const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
const DIGEST = digestOf(MANIFEST);
const OTHER = 'sha256:' + 'f'.repeat(64);

const dockerRef = (ref: string): ImageRef => {
  const r = parseNormalizedReference(ref);
  return {
    transport: 'docker',
    dockerReference: r,
    toString: () => `docker://${ref}`,
    policyScope: () => ref,
  };
};
const dirRef: ImageRef = { transport: 'dir', toString: () => 'dir:/srv/img', policyScope: () => '/srv/img' };

/** A "simple signature" whose bytes are the JSON claim it verifies to, or "bad:REASON". */
const simple = (claim: SignedClaim | string): Signature => ({
  kind: 'simple',
  data: Buffer.from(typeof claim === 'string' ? claim : JSON.stringify(claim)),
});
const cosign = (claim: SignedClaim, mediaType = 'application/vnd.dev.cosign.simplesigning.v1+json'): Signature => ({
  kind: 'sigstore',
  mediaType,
  payload: Buffer.from(JSON.stringify(claim)),
  annotations: {},
});

const keysSeen: unknown[] = [];
const verifiers: Verifiers = {
  async simple(sig, keys) {
    keysSeen.push(keys);
    const s = sig.toString();
    if (s.startsWith('bad:')) throw new Error(s.slice(4));
    return JSON.parse(s) as SignedClaim;
  },
  async sigstore(sig) {
    return JSON.parse(sig.payload.toString()) as SignedClaim;
  },
};

const GPG: PolicyRequirement = {
  type: 'signedBy',
  keyType: 'GPGKeys',
  keyPath: '/k.gpg',
  signedIdentity: { type: 'matchRepoDigestOrExact' },
};
const SIGSTORE: PolicyRequirement = { type: 'sigstoreSigned', keyPath: '/cosign.pub', signedIdentity: { type: 'matchRepoDigestOrExact' } };

async function refusal(req: PolicyRequirement, sigs: Signature[], ref: ImageRef = dockerRef('quay.io/a/b:1')): Promise<string | undefined> {
  return requirementRefusal(
    req,
    { ref, manifest: { digest: DIGEST, bytes: MANIFEST }, image: { signatures: async () => sigs } },
    verifiers,
  );
}

test('signedBy: no signature, a good one, a bad digest, a bad identity, any of several', async () => {
  assert.equal(await refusal(GPG, []), 'A signature was required, but no signature exists');
  assert.equal(
    await refusal(GPG, [cosign({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' })]),
    'A signature was required, but no signature exists',
  );
  assert.equal(await refusal(GPG, [simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' })]), undefined);
  assert.deepEqual(keysSeen.at(-1), { keyPath: '/k.gpg', keyPaths: undefined, keyData: undefined });
  assert.equal(
    await refusal(GPG, [simple({ dockerManifestDigest: OTHER, dockerReference: 'quay.io/a/b:1' })]),
    `Signature for digest ${OTHER} does not match`,
  );
  assert.equal(
    await refusal(GPG, [simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:2' })]),
    'Signature for identity "quay.io/a/b:2" is not accepted',
  );
  // the digest is checked before the identity, as containers/image does
  assert.equal(
    await refusal(GPG, [simple({ dockerManifestDigest: 'nonsense', dockerReference: 'nope' })]),
    'Signature for digest nonsense does not match',
  );
  assert.equal(
    await refusal(GPG, [
      simple('bad:signature by key ABC is not accepted'),
      simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' }),
    ]),
    undefined,
  );
  assert.equal(
    await refusal(GPG, [simple('bad:invalid signature'), simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:9' })]),
    'None of the signatures were accepted, reasons: invalid signature; Signature for identity "quay.io/a/b:9" is not accepted',
  );
  assert.equal(
    await refusal({ ...GPG, keyType: 'X509Certificates' } as PolicyRequirement, [
      simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' }),
    ]),
    'Unimplemented "keyType" value "X509Certificates"',
  );
  // an image without a docker reference (dir:) cannot match the default identity, only an explicit one
  assert.equal(
    await refusal(GPG, [simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' })], dirRef),
    'Signature for identity "quay.io/a/b:1" is not accepted',
  );
  assert.equal(
    await refusal(
      { ...GPG, signedIdentity: { type: 'exactReference', dockerReference: 'quay.io/a/b:1' } } as PolicyRequirement,
      [simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' })],
      dirRef,
    ),
    undefined,
  );
});

test('sigstoreSigned: counts what it skipped, accepts a cosign signature of this manifest', async () => {
  assert.equal(await refusal(SIGSTORE, []), 'A signature was required, but no signature exists');
  assert.equal(
    await refusal(SIGSTORE, [
      simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' }),
      cosign({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' }, 'application/vnd.in-toto+json'),
    ]),
    'A signature was required, but no signature exists (1 non-sigstore signatures, 1 sigstore non-signature attachments)',
  );
  assert.equal(await refusal(SIGSTORE, [cosign({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' })]), undefined);
  assert.equal(
    await refusal(SIGSTORE, [cosign({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/other:1' })]),
    'Signature for identity "quay.io/a/other:1" is not accepted',
  );
});

test('reject, signedBaseLayer, insecureAcceptAnything', async () => {
  assert.equal(await refusal({ type: 'reject' }, []), 'Running image docker://quay.io/a/b:1 is rejected by policy.');
  assert.equal(
    await refusal({ type: 'signedBaseLayer', baseLayerIdentity: { type: 'matchRepository' } }, []),
    'signedBaseLayer not implemented yet!',
  );
  assert.equal(await refusal({ type: 'insecureAcceptAnything' }, []), undefined);
});

test('every requirement of the most specific scope must allow the image; the refusal names it', async () => {
  const policy = parsePolicy(
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          'quay.io/a': [
            { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg' },
            { type: 'sigstoreSigned', keyPath: '/cosign.pub' },
          ],
          'quay.io': [{ type: 'insecureAcceptAnything' }],
        },
      },
    }),
    '/etc/containers/policy.json',
  );
  const both = [
    simple({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' }),
    cosign({ dockerManifestDigest: DIGEST, dockerReference: 'quay.io/a/b:1' }),
  ];
  let reads = 0;
  const image = (sigs: Signature[]) => ({
    signatures: async () => {
      reads++;
      return sigs;
    },
  });
  const m = { digest: DIGEST, bytes: MANIFEST };
  await evaluatePolicyFor(policy, dockerRef('quay.io/a/b:1'), m, image(both), verifiers);
  await evaluatePolicyFor(policy, dockerRef('quay.io/other:1'), m, image([]), verifiers); // another scope: accepted unsigned
  await assert.rejects(evaluatePolicyFor(policy, dockerRef('quay.io/a/b:1'), m, image([both[0]!]), verifiers), (e: unknown) => {
    assert.ok(isBerthError(e, 'POLICY_DENIED'));
    assert.equal(
      e.message,
      'Source image rejected: A signature was required, but no signature exists (1 non-sigstore signatures, 0 sigstore non-signature attachments)',
    );
    assert.equal(e.hint, 'requirement "sigstoreSigned" of transports.docker["quay.io/a"] in /etc/containers/policy.json');
    return true;
  });
  await assert.rejects(evaluatePolicyFor(policy, dockerRef('docker.io/library/x:1'), m, image(both), verifiers), (e: unknown) => {
    assert.ok(isBerthError(e, 'POLICY_DENIED'));
    assert.equal(e.message, 'Source image rejected: Running image docker://docker.io/library/x:1 is rejected by policy.');
    assert.equal(e.hint, 'requirement "reject" of "default" in /etc/containers/policy.json');
    return true;
  });
  assert.ok(reads >= 3);
});
