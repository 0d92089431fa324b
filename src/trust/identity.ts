/**
 * signedIdentity matching (containers-policy.json(5)): does the docker reference a signature
 * names fit the image being copied? Semantics of containers/image's PolicyReferenceMatch
 * types, over normalized docker references: String() is "name[:tag][@digest]", Name() is
 * "host/path". Anything that does not parse simply does not match.
 */
import { formatReference, parseNormalizedReference, repositoryName, type Reference } from '../reference/reference.js';
import type { PolicyReferenceMatch } from '../config/policy.js';

function parse(s: string): Reference | undefined {
  try {
    return parseNormalizedReference(s);
  } catch {
    return undefined;
  }
}

const nameOnly = (r: Reference) => r.tag === undefined && r.digest === undefined;
const str = (r: Reference) => formatReference(r);
const name = (r: Reference) => repositoryName(r);

/** containers/image matchRepoDigestOrExactReferenceValues. */
function repoDigestOrExact(intended: Reference, signed: Reference): boolean {
  if (nameOnly(signed)) return false;
  if (intended.tag !== undefined) return str(signed) === str(intended); // also when it has a digest too
  if (intended.digest !== undefined) return name(signed) === name(intended); // the digest itself is checked against the manifest
  return false;
}

/** The image's reference with `prefix` (matched on whole path components) replaced by `signedPrefix`; undefined if the result is not a canonical reference. */
function remap(intended: Reference, prefix: string, signedPrefix: string): Reference | undefined {
  const n = name(intended);
  if (!(n === prefix || (n.startsWith(prefix) && n[prefix.length] === '/'))) return intended;
  const s = str(intended).replace(prefix, signedPrefix);
  const r = parse(s);
  // containers/image parses the result with ParseNamed, which wants it already normalized
  return r && str(r) === s ? r : undefined;
}

/**
 * Whether a signature claiming `signedReference` satisfies `match` for an image whose own docker
 * reference is `intended` (undefined when its transport has none, e.g. dir: or oci:).
 */
export function matchesSignedIdentity(match: PolicyReferenceMatch, intended: Reference | undefined, signedReference: string): boolean {
  const signed = parse(signedReference);
  if (!signed) return false;
  switch (match.type) {
    case 'matchExact':
      return intended !== undefined && !nameOnly(intended) && !nameOnly(signed) && str(signed) === str(intended);
    case 'matchRepoDigestOrExact':
      return intended !== undefined && repoDigestOrExact(intended, signed);
    case 'matchRepository':
      return intended !== undefined && name(signed) === name(intended);
    case 'exactReference': {
      const want = parse(match.dockerReference);
      return want !== undefined && !nameOnly(want) && !nameOnly(signed) && str(signed) === str(want);
    }
    case 'exactRepository': {
      const want = parse(match.dockerRepository);
      return want !== undefined && name(signed) === name(want);
    }
    case 'remapIdentity': {
      if (intended === undefined) return false;
      const mapped = remap(intended, match.prefix, match.signedPrefix);
      return mapped !== undefined && repoDigestOrExact(mapped, signed);
    }
  }
}
