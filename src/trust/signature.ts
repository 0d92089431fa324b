/**
 * Image signatures as they travel between transports, the store and the verifiers. A signature
 * is opaque here: verification (OpenPGP "simple signing", sigstore) lives in its own module and
 * yields a SignedClaim, which the policy evaluator then checks against the manifest digest and
 * the requirement's signedIdentity.
 */
export type Signature =
  /** One OpenPGP-signed "atomic container signature", byte-exact as stored in a lookaside (signature-N) or dir: layout. */
  | { kind: 'simple'; data: Buffer }
  /** One cosign signature: the layer bytes (a JSON simple-signing payload) with its media type and annotations. */
  | {
      kind: 'sigstore';
      /** application/vnd.dev.cosign.simplesigning.v1+json */
      mediaType: string;
      /** The layer bytes, byte-exact. */
      payload: Buffer;
      /** dev.cosignproject.cosign/signature, .../certificate, .../chain, dev.sigstore.cosign/bundle */
      annotations: Record<string, string>;
    };

/** What a cryptographically valid signature claims about the image it signs. */
export interface SignedClaim {
  /** The manifest digest the signature covers ("sha256:…"). */
  dockerManifestDigest: string;
  /** The docker reference the signer named ("host/repo:tag" or "host/repo@digest"). */
  dockerReference: string;
}

/** Makes one signature of a manifest for an identity (push, copy, image sign). */
export interface Signer {
  kind: Signature['kind'];
  sign(manifest: Buffer, dockerReference: string): Promise<Signature>;
  close?(): void;
}

/** The cosign simple-signing layer media type. */
export const SIGSTORE_PAYLOAD_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
