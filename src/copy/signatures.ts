/**
 * The copy engine's signature rules (containers/image copy semantics): signatures sign exact
 * manifest bytes, so a copy that carries them may change nothing; a destination that cannot
 * hold signatures refuses them (unless they are removed); new signatures name the
 * destination's reference or an explicit, fully specified identity.
 */
import { BerthError, isAbortError, abortedError } from '../errors.js';
import { formatReference, parseNormalizedReference } from '../reference/reference.js';
import type { Digest } from '../digest/digest.js';
import type { ImageDestination, ProgressEvent } from '../transports/types.js';
import type { Signature, Signer } from '../trust/signature.js';

/** Refuse, before anything is written, to copy signatures to a destination that cannot hold them. */
export function checkSignaturesWritable(dest: ImageDestination, signing = false): void {
  if (dest.putSignatures) return;
  const why = dest.noSignaturesReason ?? 'the destination cannot store signatures';
  if (signing) throw new BerthError('UNSUPPORTED', `Can not sign the image at ${dest.ref}: ${why}`);
  throw new BerthError('UNSUPPORTED', `Can not copy signatures to ${dest.ref}: ${why}`, {
    hint: 'use --remove-signatures to copy the image without its signatures',
  });
}

/** The identity new signatures name: `explicit` (tag or digest required) or the destination's reference. */
export function signingIdentity(dest: ImageDestination, explicit?: string): string {
  if (explicit !== undefined) {
    let r;
    try {
      r = parseNormalizedReference(explicit);
    } catch (e) {
      throw new BerthError('INVALID_ARGUMENT', `invalid sign identity ${JSON.stringify(explicit)}: ${(e as Error).message}`);
    }
    if (r.tag === undefined && r.digest === undefined)
      throw new BerthError('INVALID_ARGUMENT', `Sign identity must be a fully specified reference ${formatReference(r)}`);
    return formatReference(r);
  }
  const own = dest.ref.dockerReference;
  if (!own) throw new BerthError('INVALID_ARGUMENT', `Cannot determine canonical Docker reference for destination ${dest.ref}`);
  return formatReference(own);
}

/** What containers/image prints while a signer works. */
export function signerMessage(s: Signer): string {
  return s.kind === 'sigstore' ? 'Signing image using a sigstore signature' : 'Signing image using simple signing';
}

/** "WHAT: reason", keeping a BerthError's code, hint and data. */
export function wrapError(e: unknown, what: string): BerthError {
  if (isAbortError(e)) return abortedError(e);
  if (e instanceof BerthError)
    return new BerthError(e.code, `${what}: ${e.message}`, { cause: e, hint: e.hint, data: e.data as Record<string, unknown> | undefined });
  return new BerthError('IO', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * After the manifest `manifest` (digest `digest`) was written: sign it once per signer (for
 * `identity`) and store the carried signatures followed by the new ones. Nothing happens when
 * there are none.
 */
export async function storeSignatures(
  dest: ImageDestination,
  carried: readonly Signature[],
  manifest: Buffer,
  digest: Digest,
  opts: { signers?: Signer[] },
  identity: string | undefined,
  emit: (e: ProgressEvent) => void,
): Promise<void> {
  const sigs = [...carried];
  const signers = opts.signers ?? [];
  for (const [i, signer] of signers.entries()) {
    const nth = signers.length > 1 ? ` ${i + 1}` : '';
    emit({ kind: 'message', text: `Creating signature${nth}: ${signerMessage(signer)}` });
    try {
      sigs.push(await signer.sign(manifest, identity!));
    } catch (e) {
      throw wrapError(e, `creating signature${nth}`);
    }
  }
  if (sigs.length === 0) return;
  checkSignaturesWritable(dest);
  emit({ kind: 'message', text: 'Storing signatures' });
  try {
    await dest.putSignatures!(sigs, digest);
  } catch (e) {
    throw wrapError(e, 'writing signatures');
  }
}
