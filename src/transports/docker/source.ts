/**
 * docker:// as an ImageSource: manifests by tag or digest (verified by the client), blobs as
 * resuming streams, foreign-URL layers fetched without credentials.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/digest.js';
import type { Descriptor } from '../../media/types.js';
import type { ImageSource, ManifestBytes, SignatureStorage } from '../types.js';
import type { Signature } from '../../trust/signature.js';
import type { ManifestResult, RegistryClient } from './client.js';
import { ForeignFetcher } from './foreign.js';
import { readSigstoreAttachments } from './sigstore-attachments.js';
import { clientFor, type DockerTransportOptions } from './options.js';
import type { DockerRef } from './reference.js';

export interface DockerSourceOptions extends DockerTransportOptions {
  /** Where the image's signatures live (registries.d); without it the source has none. */
  signatureStorage?: () => Promise<SignatureStorage>;
}

export class DockerSource implements ImageSource {
  /** Blobs come over the network: an interrupted download is worth keeping. */
  readonly remote = true;
  private clientP?: Promise<{ client: RegistryClient; owned: boolean }>;
  private top?: Promise<ManifestResult>;
  private foreign?: ForeignFetcher;

  constructor(
    readonly ref: DockerRef,
    private readonly opts: DockerSourceOptions = {},
  ) {}

  /** The registry client (created on first use). */
  async client(): Promise<RegistryClient> {
    this.clientP ??= clientFor(this.ref, this.opts, ['pull']);
    return (await this.clientP).client;
  }

  /**
   * The top-level manifest (by the reference's digest when it has one, else its tag), or the
   * manifest `instance` of an index. Digests are verified by the client.
   */
  async getManifest(instance?: Digest): Promise<ManifestBytes> {
    const c = await this.client();
    if (instance !== undefined) {
      const m = await c.getManifest(this.ref.repository, instance);
      return { bytes: m.bytes, mediaType: m.mediaType };
    }
    this.top ??= c.getManifest(this.ref.repository, this.ref.digest ?? this.ref.tag!);
    this.top.catch(() => {
      this.top = undefined;
    });
    const m = await this.top;
    return { bytes: m.bytes, mediaType: m.mediaType };
  }

  /** Digest of the top-level manifest (fetches it when needed). */
  async manifestDigest(): Promise<Digest> {
    await this.getManifest();
    return (await this.top!).digest;
  }

  /**
   * The signatures of the image (of manifest `instanceDigest` when given): simple signatures
   * from the registries.d lookaside, in order, then sigstore attachments when registries.d
   * enables them for this repository.
   */
  async getSignatures(instanceDigest?: Digest): Promise<Signature[]> {
    const out: Signature[] = [];
    const storage = await this.opts.signatureStorage?.();
    const digest = instanceDigest ?? this.ref.digest ?? (await this.manifestDigest());
    if (storage) {
      const { readLookasideSignatures } = await import('./lookaside.js');
      for (const data of await readLookasideSignatures(storage.lookaside.read, digest, this.opts)) out.push({ kind: 'simple', data });
    }
    if (this.opts.sigstoreAttachments) out.push(...(await readSigstoreAttachments(await this.client(), this.ref.repository, digest)));
    return out;
  }

  async getBlob(desc: Descriptor, opts: { offset?: number } = {}): Promise<{ stream: Readable; size?: number; offset?: number }> {
    if (desc.urls && desc.urls.length > 0) {
      this.foreign ??= new ForeignFetcher(this.opts);
      return this.foreign.fetch(desc.urls, desc.digest, { offset: opts.offset, size: desc.size });
    }
    const c = await this.client();
    return c.getBlob(this.ref.repository, desc.digest, { offset: opts.offset, size: desc.size });
  }

  async close(): Promise<void> {
    await this.foreign?.close();
    if (this.clientP) {
      const { client, owned } = await this.clientP.catch(() => ({ client: undefined, owned: false }));
      if (owned && client) await client.close();
    }
  }
}
