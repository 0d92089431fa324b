/**
 * Public entry `berth/local`: the store and what berth does with the images in it without
 * moving image bytes — list, look up, tag, untag, inspect, history, tree, remove, prune, image
 * mounts — and with its containers: list, look up, remove, mount.
 * Cheap to import by contract (test/unit/layering.test.ts checks it): nothing here may reach
 * the copy engine, the transports, the registry client, the configuration files or the
 * codecs; operations that need them belong to the full entry (src/index.ts, through
 * src/lazy.ts).
 */
export {
  Store,
  Lease,
  defaultStoreRoot,
  type StoreOptions,
  type CheckReport,
  type CheckProblem,
  type RepairReport,
  type GcOptions,
  type GcResult,
  type HeldPartial,
  type PartialInfo,
} from './store/store.js';
export type { StoreAccess } from './store/store-errors.js';
export type { ImageRow, NewImageRecord, LayerRecord, ManifestRecord, ContainerRow, PartialRecord } from './store/index-db.js';
export { lookupImage, tryLookupImage, type LookupResult } from './images/lookup.js';
export {
  listImages,
  repoAndTag,
  repoTags,
  repoDigests,
  repoDigestsOf,
  createdTime,
  type ImageSet,
  type ListImagesOptions,
  type ListedImage,
} from './images/list.js';
export { tagImage, untagImage } from './images/tag.js';
export { removeImages, pruneImages, type RemoveOptions, type RemoveReport, type PruneOptions } from './images/remove.js';
export { pruneSystem, type SystemPruneOptions, type SystemPruneReport } from './images/system-prune.js';
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
// image mounts: the unpacking code they need loads only when a tree is built
export {
  mountImages,
  unmountImages,
  listImageMounts,
  imageMountpoint,
  type ImageMount,
  type ImageMountOptions,
  type ImageUnmountOptions,
  type UnmountResult,
} from './rootfs/image-mount.js';
export { listContainers, containerCreated, type ListContainersOptions } from './containers/list.js';
export { latestContainer, lookupContainer, tryLookupContainer } from './containers/lookup.js';
export { removeContainers, type RemoveContainersOptions, type RemovedContainer } from './containers/remove.js';
export { mountContainer, unmountContainer, mountedContainers, type MountedContainer } from './containers/mount.js';
export { inspectContainer, containerInspectData, containerConfig, type ContainerSize } from './containers/inspect.js';
export { renameContainer } from './containers/rename.js';
export { pruneContainers, type PruneContainersOptions } from './containers/prune.js';
export type { ContainerRunConfig } from './store/container-files.js';
export { diskUsage, type DiskUsage, type DiskUsageSummary, type ImageDiskUsage } from './images/disk-usage.js';
export {
  RegistryView,
  RegistryRepository,
  repositoryOfName,
  type ServedManifest,
  type ReferrerDescriptor,
} from './images/registry-view.js';
