/** Image names in the transfer requests, read by Docker's rules; bad input is a 400 in Docker's words. */
import { parseNormalizedReference, type Reference } from '../../../src/index.js';
import { ApiError } from '../errors.js';
import { dockerReferenceMessage } from '../names.js';

const TAG = /^[\w][\w.-]{0,127}$/;

/** `input` normalized as Docker does (docker.io/library/ added; no tag added). */
export function parseDockerName(input: string): Reference {
  try {
    return parseNormalizedReference(input);
  } catch (e) {
    throw new ApiError(400, dockerReferenceMessage(e as Error));
  }
}

/** `ref` with `tag` as its tag (the digest is kept, as reference.WithTag does). */
export function withTag(ref: Reference, tag: string): Reference {
  if (!TAG.test(tag)) throw new ApiError(400, `invalid tag format: ${JSON.stringify(tag.slice(0, 140))}`);
  return { ...ref, tag };
}
