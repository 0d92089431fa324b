export { OciRef, parseOciRef, REF_NAME_ANNOTATION, isValidRefName, splitPathAndImage } from './ref.js';
export { OciLayoutReader, OCI_LAYOUT_VERSION, type OciImageEntry, type OciSelector } from './reader.js';
export { OciSource } from './source.js';
export { OciDestination, BlobClaims, type IndexKeeper, type OciDestinationParts } from './destination.js';
export { OciLayoutWriter, openOciDestination, type LayoutWriterInternals } from './writer.js';
export { IndexJson } from './index-json.js';
export { DirLayoutFiles, type LayoutFiles } from './layout-files.js';
export { guessManifestMediaType } from './guess.js';
export { openOciLayout, listOciImages, openOciSource } from './open.js';
