// berth's public API: re-exports only. Importing it must stay cheap: the copy engine and the
// registry client are reached only through the lazy forwarders
// of ./lazy.ts. Smaller entries for programs that need less (package.json "exports"):
// `berth/local` (./local.ts), `berth/go` (./go/index.ts), `berth/errors`, `berth/log`.
export { BerthError, isBerthError, type ErrorCode } from './errors.js';
export {
  log,
  setLogLevel,
  logLevel,
  setLogSink,
  logEnabled,
  parseLogLevel,
  formatLogLine,
  LOG_LEVEL_NAMES,
  type LogLevel,
  type LogSink,
  type LogMessage,
  type Logger,
} from './log.js';
export * from './digest/index.js';
export * from './reference/index.js';
export * from './media/index.js';
export * from './platform/index.js';
export { sniffCompression, createCompressor, createDecompressor, type Algorithm } from './compression/index.js';
export type * from './transports/types.js';
// the store and the images in it (also the cheap entry `berth/local`)
export * from './local.js';
export type { RecoverReport } from './store/recover.js';
export type { CopyOptions, CopyResult } from './copy/copy.js';
export type { BlobInfoCache, KnownCompressed, LearnedPair } from './copy/blob-info-cache.js';
export { defaultParallelism } from './copy/parallelism.js';
export type { PolicyCheck } from './copy/policy.js';
export { policyJsonCheck } from './config/policy-check.js';
export type { Signature, SignedClaim, Signer } from './trust/signature.js';
export {
  showTrust,
  setTrust,
  trustPolicyJSON,
  trustPolicyPath,
  gpgKeyIdentities,
  type TrustPolicyEntry,
  type TrustOptions,
  type SetTrustOptions,
  type TrustType,
  type LookasideConfig,
} from './config/trust-policy.js';
export { gpgSigner, type GpgSignerOptions } from './trust/simple-signing/sign.js';
export {
  serializeSimpleSigningPayload,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_TYPE,
  type SimpleSigningPayload,
} from './trust/simple-signing/payload.js';
export type { GPGKeySources, VerifiedSimpleSignature } from './trust/simple-signing/verify.js';
export type { StandaloneSignOptions, StandaloneVerifyOptions, StandaloneVerifyResult } from './trust/simple-signing/standalone.js';
export type { SignImagesOptions, SignedImage } from './images/sign.js';
export type { RegistriesD, RegistryNamespace } from './config/registries-d.js';
export { splitTransport, TRANSPORTS, type OpenContext } from './transports/open.js';
export { parseImageName, transportOf, type Transport } from './transports/registry.js';
export { imageContext } from './images/context.js';
export type { ContextOptions, SystemContext } from './config/context.js';
export type { CompressionRequest, LayerAction, LayerPlan } from './copy/compression-plan.js';
export type { LoadOptions, LoadResult } from './images/load.js';
export type { SaveOptions, SaveFormat } from './images/save.js';
export type { ImportOptions } from './images/import.js';
export type { CopyByNameOptions } from './images/copy.js';
export type { PullOptions, PullPolicy, PullResult } from './images/pull.js';
export type { PushOptions } from './images/push.js';
export type { LoginOptions, CheckLoginOptions } from './images/login.js';
export type { CopyMultiResult } from './copy/copy-multi.js';
export {
  createManifestList,
  addToManifestList,
  annotateManifestList,
  removeFromManifestList,
  removeManifestLists,
  manifestListExists,
  findManifestList,
  inspectLocalManifestList,
  inspectRemoteManifest,
  pushManifestList,
  formatManifestListData,
  type CreateManifestListOptions,
  type AddToManifestListOptions,
  type AnnotateOptions,
  type InstanceEdits,
  type PushManifestListOptions,
} from './images/manifest-list.js';
// operations that move images: loaded on first call
export {
  pullImage,
  pushImage,
  loadImages,
  saveImages,
  importImage,
  copyByName,
  login,
  checkLogin,
  logout,
  loggedInUser,
  listRepositoryTags,
  searchRegistry,
  inspectDistribution,
  openSourceByName,
  openDestinationByName,
  copyImage,
  recoverStore,
  unpackLayer,
  ensureLayer,
  buildRootfs,
  prepareRootfs,
  createContainer,
  exportContainer,
  diffChanges,
  containerSize,
  signImages,
  standaloneSign,
  standaloneVerify,
  verifySimpleSignature,
} from './lazy.js';
export type { UnpackOptions, UnpackResult } from './rootfs/unpack.js';
export type { SearchOptions, SearchResult } from './images/search.js';
export type { DistributionInfo } from './images/distribution.js';
export type { CachedLayer, PrepareOptions } from './rootfs/layer-cache.js';
export type { LayerMeta } from './rootfs/tree-writer.js';
export { Image, openImage } from './images/image.js';
// containers: creating, exporting and diffing load on first call (the rest is in ./local.ts)
export type { CreateContainerOptions, CreatedContainer } from './containers/create.js';
export type { ExportContainerOptions } from './containers/export.js';
export type { Change, ChangeKind, DiffOptions } from './containers/diff.js';
// Go-compatible values and encodings (podman prints Go's JSON, times and sizes)
export * from './go/index.js';
export { dockerAccess, type RegistryAccessOptions } from './images/registry-access.js';
export * as config from './config/index.js';
export * as auth from './auth/index.js';
export * from './trust/sigstore/index.js';
export { readPassphraseFile } from './trust/passphrase.js';
