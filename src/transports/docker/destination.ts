/**
 * docker:// as an ImageDestination. Blobs the registry has are skipped (HEAD), blobs known in
 * another repository of the same registry are mounted, others are streamed up; the manifest
 * is written last, by tag (or by digest for digest-only references). Nothing is buffered:
 * streams of unknown digest go up with one PATCH while being hashed.
 */
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors.js';
import { type Digest, digestOf } from '../../digest/digest.js';
import { MT, type Descriptor } from '../../media/types.js';
import type {
  CommitInfo,
  ImageDestination,
  LayerHint,
  ManifestBytes,
  PutBlobMeta,
  ReuseOptions,
  SignatureStorage,
  StoredBlob,
} from '../types.js';
import type { Signature } from '../../trust/signature.js';
import type { RegistryClient } from './client.js';
import { clientFor, type DockerTransportOptions } from './options.js';
import { writeSigstoreAttachments } from './sigstore-attachments.js';
import type { DockerRef } from './reference.js';

export interface DockerDestinationOptions extends DockerTransportOptions {
  /**
   * Repositories of the same registry that may already hold a blob (e.g. the source repository
   * when copying within one registry): tried as cross-repository mounts before uploading.
   */
  mountFrom?: string[] | ((digest: Digest) => string[] | undefined);
  /** Where the image's signatures are written (registries.d); without it none can be. */
  signatureStorage?: () => Promise<SignatureStorage>;
}

export class DockerDestination implements ImageDestination {
  private clientP?: Promise<{ client: RegistryClient; owned: boolean }>;
  /** Digest of the manifest written by putManifest (no instance). */
  manifestDigest?: Digest;

  constructor(
    readonly ref: DockerRef,
    private readonly opts: DockerDestinationOptions = {},
  ) {}

  async client(): Promise<RegistryClient> {
    this.clientP ??= clientFor(this.ref, this.opts, ['pull', 'push']);
    return (await this.clientP).client;
  }

  supportedManifestTypes(): string[] {
    return [MT.OCIManifest, MT.DockerManifest, MT.OCIIndex, MT.DockerManifestList];
  }
  /** Registries serve compressed layers: uncompressed ones are compressed on the way. */
  desiredLayerCompression(): 'compress' {
    return 'compress';
  }
  needsDiffIDs(): boolean {
    return false;
  }
  /** A registry holds blobs by digest alone and checks them only when the manifest names them. */
  readonly blobsInAnyOrder = true;

  async tryReuseBlob(
    desc: Descriptor,
    hint?: LayerHint,
    reuse?: ReuseOptions,
  ): Promise<{ blob: StoredBlob; hint?: LayerHint } | undefined> {
    const c = await this.client();
    const repo = this.ref.repository;
    const size = await c.blobSize(repo, desc.digest);
    if (size !== undefined && (size === desc.size || size === -1)) {
      return { blob: { digest: desc.digest, size: desc.size, mediaType: desc.mediaType }, hint };
    }
    // a refused mount (the registry answers 202: it opened an upload instead, or the
    // credentials cannot read the other repository) is no error: the blob is uploaded
    for (const from of this.mountCandidates(desc.digest, reuse?.mountFrom)) {
      if (await c.mountBlob(repo, desc.digest, from)) {
        return { blob: { digest: desc.digest, size: desc.size, mediaType: desc.mediaType }, hint };
      }
    }
    return undefined;
  }

  /** Repositories of this registry to mount `d` from: the engine's choice, then the options'. */
  private mountCandidates(d: Digest, chosen: readonly string[] = []): string[] {
    const m = this.opts.mountFrom;
    // a mount names a repository of this registry only: never one of another host
    const here = `${this.ref.registry}/`;
    const engine = chosen.filter((n) => n.startsWith(here)).map((n) => n.slice(here.length));
    const list = [...engine, ...(typeof m === 'function' ? (m(d) ?? []) : (m ?? []))];
    return [...new Set(list)].filter((r) => r !== this.ref.repository);
  }

  async putBlob(stream: Readable, meta: PutBlobMeta): Promise<StoredBlob> {
    let c: RegistryClient;
    try {
      c = await this.client();
    } catch (e) {
      stream.destroy();
      throw e;
    }
    const r = await c.uploadBlob(this.ref.repository, stream, { digest: meta.digest, size: meta.size, what: meta.what });
    return { digest: r.digest, size: r.size, mediaType: meta.mediaType };
  }

  async putManifest(m: ManifestBytes, instance?: Digest): Promise<void> {
    const c = await this.client();
    const digest = digestOf(m.bytes);
    if (instance !== undefined) {
      if (instance !== digest)
        throw new BerthError('DIGEST_MISMATCH', `manifest instance ${instance} does not match its content (${digest})`);
      await c.putManifest(this.ref.repository, instance, m.bytes, m.mediaType);
      return;
    }
    const want = this.ref.digest;
    if (want && want !== digest) {
      throw new BerthError('DIGEST_MISMATCH', `cannot write ${this.ref}: the image's manifest digest is ${digest}`, {
        hint: 'push by tag, or to the digest the image really has',
      });
    }
    await c.putManifest(this.ref.repository, this.ref.tag ?? digest, m.bytes, m.mediaType);
    this.manifestDigest = digest;
  }

  /**
   * Store signatures of manifest `manifestDigest` (after putManifest): simple signatures in the
   * registries.d lookaside (its staging location when configured), replacing the ones there;
   * sigstore signatures as attachments, added to those already there.
   */
  async putSignatures(signatures: Signature[], manifestDigest: Digest): Promise<void> {
    const sigstore = signatures.filter((s): s is Extract<Signature, { kind: 'sigstore' }> => s.kind === 'sigstore');
    if (sigstore.length > 0 && !this.opts.sigstoreAttachments)
      throw new BerthError('UNSUPPORTED', `${this.ref}: writing sigstore attachments is disabled by configuration`, {
        hint: 'set use-sigstore-attachments: true for this registry in registries.d (containers-registries.d(5))',
      });
    const simple = signatures.filter((s) => s.kind === 'simple').map((s) => s.data);
    if (simple.length > 0) {
      const storage = await this.opts.signatureStorage?.();
      if (!storage) throw new BerthError('UNSUPPORTED', `${this.ref}: no lookaside is configured for simple signatures`);
      const { writeLookasideSignatures } = await import('./lookaside.js');
      await writeLookasideSignatures(storage.lookaside.write, manifestDigest, simple);
    }
    if (sigstore.length > 0) await writeSigstoreAttachments(await this.client(), this.ref.repository, manifestDigest, sigstore);
  }

  /** Registries make a manifest visible when it is written; nothing left to do. */
  async commit(_info: CommitInfo): Promise<void> {}
  async commitIndex(): Promise<void> {}

  async close(): Promise<void> {
    if (this.clientP) {
      const { client, owned } = await this.clientP.catch(() => ({ client: undefined, owned: false }));
      if (owned && client) await client.close();
    }
  }
}
