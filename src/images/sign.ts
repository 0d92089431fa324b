/**
 * podman image sign: a simple signature of an image's manifest (every instance of an index
 * with `all`), made with gpg, added as the next free signature-N in the lookaside staging
 * location that registries.d gives the image's reference, or under `directory`.
 */
import * as path from 'node:path';
import { abortable, BerthError } from '../errors.js';
import { type Digest, digestOf } from '../digest/digest.js';
import type { ContextOptions } from '../config/context.js';
import { parseManifestDocument } from '../media/validate.js';
import { type Reference, formatReference, parseNormalizedReference, withDefaultTag } from '../reference/reference.js';
import { parseImageName } from '../transports/registry.js';
import type { ImageReference, ImageSource } from '../transports/types.js';
import { appendLookasideSignature } from '../transports/docker/lookaside.js';
import { gpgSigner } from '../trust/simple-signing/sign.js';
import { imageContext } from './context.js';

export interface SignImagesOptions {
  /** The signing key (--sign-by): fingerprint, key ID or user ID of the GnuPG keyring. */
  signBy: string;
  /** Write under this directory instead of the registries.d location (--directory). */
  directory?: string;
  /** Sign every instance of a multi-architecture image (--all). */
  all?: boolean;
  /** GnuPG home (default $GNUPGHOME, else ~/.gnupg). */
  gnupgHome?: string;
  /** Registry flags (--cert-dir, --authfile), the store, registries.d. */
  context?: ContextOptions;
}

export interface SignedImage {
  image: string;
  manifestDigest: Digest;
  /** The signature files written. */
  files: string[];
}

/** The docker reference a signature names: the source's, or (containers-storage:NAME) NAME's. */
function identityOf(ref: ImageReference): Reference | undefined {
  if (ref.dockerReference) return ref.dockerReference;
  if (ref.transport !== 'containers-storage') return undefined;
  const name = ref
    .toString()
    .slice('containers-storage:'.length)
    .replace(/^\[[^\]]*\]/, '');
  if (name === '' || /^(sha256:)?[0-9a-f]{64}$/.test(name)) return undefined;
  try {
    return withDefaultTag(parseNormalizedReference(name));
  } catch {
    return undefined;
  }
}

/** Sign each image; stops at the first failure (signatures already written stay, as podman). */
export async function signImages(names: string[], o: SignImagesOptions): Promise<SignedImage[]> {
  return abortable(o.context?.signal, () => signImagesNow(names, o));
}

async function signImagesNow(names: string[], o: SignImagesOptions): Promise<SignedImage[]> {
  if (!o.signBy) throw new BerthError('INVALID_ARGUMENT', 'please provide an identity');
  const signer = gpgSigner({ keyId: o.signBy, homedir: o.gnupgHome });
  const ctx = imageContext(o.context ?? {});
  const out: SignedImage[] = [];
  for (const name of names) {
    let ref: ImageReference;
    try {
      ref = parseImageName(name);
    } catch {
      throw new BerthError(
        'INVALID_REFERENCE',
        `parsing image name: Invalid image name ${JSON.stringify(name)}, expected colon-separated transport:reference`,
        {
          subject: name,
        },
      );
    }
    const identity = identityOf(ref);
    if (!identity)
      throw new BerthError('INVALID_REFERENCE', `cannot determine canonical Docker reference for destination ${ref}`, { subject: name });
    let base: URL;
    if (o.directory !== undefined) {
      base = new URL('file://');
      base.pathname = path.join(path.resolve(o.directory), identity.path);
    } else {
      const storage = await ctx.signatureStorage!(identity);
      base = storage.lookaside.write;
      if (base.protocol !== 'file:')
        throw new BerthError('UNSUPPORTED', `writing to ${base.href} is not supported. Use a supported scheme`);
    }
    const src: ImageSource = await ref.newSource(ctx);
    try {
      const top = await src.getManifest();
      const topDigest = digestOf(top.bytes);
      const doc = parseManifestDocument(top.bytes, top.mediaType);
      const targets: Array<{ digest: Digest; bytes: Buffer }> = [];
      if (o.all) {
        if (doc.kind !== 'index')
          throw new BerthError('INVALID_ARGUMENT', `${name} is not a multi-architecture image (manifest type ${doc.mediaType})`);
        for (const m of doc.index.manifests) {
          const inst = await src.getManifest(m.digest);
          targets.push({ digest: m.digest, bytes: inst.bytes });
        }
      } else targets.push({ digest: topDigest, bytes: top.bytes });
      const files: string[] = [];
      const who = formatReference(identity);
      for (const t of targets) {
        let sig;
        try {
          sig = await signer.sign(t.bytes, who);
        } catch (e) {
          if (e instanceof BerthError)
            throw new BerthError(e.code, `storing signature for ${who}, ${t.digest}: ${e.message}`, { hint: e.hint, cause: e });
          throw e;
        }
        if (sig.kind !== 'simple') throw new BerthError('INTERNAL', 'gpg made a non-simple signature');
        files.push(appendLookasideSignature(base, t.digest, sig.data));
      }
      out.push({ image: name, manifestDigest: topDigest, files });
    } finally {
      await src.close();
    }
  }
  return out;
}
