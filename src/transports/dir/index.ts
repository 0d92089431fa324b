export { DirRef, parseDirRef, dirBlobName, dirManifestName } from './ref.js';
export { DirSource } from './source.js';
export { DirDestination } from './destination.js';
export { formatDirVersion, parseDirVersion, DIR_VERSION_1_1, DIR_VERSION_1_2, type DirVersion } from './version.js';

import { DirDestination } from './destination.js';
import type { DirRef } from './ref.js';
import { DirSource } from './source.js';

export function openDirSource(ref: DirRef): Promise<DirSource> {
  return DirSource.open(ref);
}
export function openDirDestination(ref: DirRef): Promise<DirDestination> {
  return DirDestination.open(ref);
}
