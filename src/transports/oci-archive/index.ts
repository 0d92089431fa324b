export { OciArchiveRef, parseOciArchiveRef } from './ref.js';
export { TarLayoutFiles } from './tar-files.js';
export { openOciArchive, listOciArchiveImages, openOciArchiveSource } from './open.js';
export { OciArchiveWriter, OciArchiveDestination, openOciArchiveDestination } from './writer.js';
