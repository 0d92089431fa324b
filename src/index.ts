// berth's public API: re-exports only.
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
export {
  Store,
  Lease,
  defaultStoreRoot,
  type StoreOptions,
  type CheckReport,
  type CheckProblem,
  type RepairReport,
} from './store/store.js';
export type { StoreAccess } from './store/store-errors.js';
export type { ImageRow, NewImageRecord, LayerRecord, ManifestRecord } from './store/index-db.js';
export type { RecoverReport } from './store/recover.js';
export { defaultParallelism, type CopyOptions, type CopyResult } from './copy/copy.js';
export type { PolicyCheck } from './copy/policy.js';
export { policyJsonCheck } from './config/policy-check.js';
export type { Signature, SignedClaim, Signer } from './trust/signature.js';
export { splitTransport, TRANSPORTS, type OpenContext } from './transports/open.js';
export { parseImageName, transportOf, type Transport } from './transports/registry.js';
export { imageContext } from './images/context.js';
export type { ContextOptions, SystemContext } from './config/context.js';
export type { CompressionRequest, LayerAction, LayerPlan } from './copy/compression-plan.js';
export { lookupImage, tryLookupImage, type LookupResult } from './images/lookup.js';
export type { LoadOptions, LoadResult } from './images/load.js';
export type { SaveOptions, SaveFormat } from './images/save.js';
export type { ImportOptions } from './images/import.js';
export type { CopyByNameOptions } from './images/copy.js';
export type { PullOptions, PullPolicy, PullResult } from './images/pull.js';
export type { PushOptions } from './images/push.js';
export type { LoginOptions } from './images/login.js';
// operations that move images: loaded on first call
export {
  pullImage,
  pushImage,
  loadImages,
  saveImages,
  importImage,
  copyByName,
  login,
  logout,
  loggedInUser,
  listRepositoryTags,
  openSourceByName,
  openDestinationByName,
  copyImage,
  recoverStore,
} from './lazy.js';
export {
  listImages,
  repoAndTag,
  repoTags,
  repoDigests,
  createdTime,
  type ImageSet,
  type ListImagesOptions,
  type ListedImage,
} from './images/list.js';
export { tagImage, untagImage } from './images/tag.js';
export { removeImages, pruneImages, type RemoveOptions, type RemoveReport, type PruneOptions } from './images/remove.js';
export { Image, openImage } from './images/image.js';
export {
  inspectImage,
  type ImageInspect,
  type ImageInspectConfig,
  type ImageInspectHistory,
  type ImageInspectHealthcheck,
  type InspectTime,
} from './images/inspect.js';
export { imageHistory, type HistoryLayer } from './images/history.js';
export { imageTree } from './images/tree.js';
// Go-compatible values and encodings (podman prints Go's JSON, times and sizes)
export { goJSON, GoStruct, goMap, type GoJSONOptions } from './go/json.js';
export { GoTime, parseRFC3339 } from './go/time.js';
export { humanSince, humanSize, humanSizeSpaced } from './go/units.js';
export { goQuote, quoteRune, isPrintRune } from './go/quote.js';
export { formatValue, goSprint, goSprintf, goSprintln, runeCount } from './go/fmt.js';
export { goTypeName, isArrayLike, isStringer, isStructLike, mapEntries, sortedKeys } from './go/value.js';
export { parseGoDuration } from './go/duration.js';
export { dockerAccess, type RegistryAccessOptions } from './images/registry-access.js';
export * as config from './config/index.js';
export * as auth from './auth/index.js';
