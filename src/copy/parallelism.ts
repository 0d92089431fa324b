import { availableParallelism } from 'node:os';

/** How many blobs the copy engine moves at once unless told otherwise. (Apart from the engine
 * so that the public entry can export it without loading the engine.) */
export function defaultParallelism(): number {
  return Math.max(2, Math.min(6, availableParallelism() * 2));
}
