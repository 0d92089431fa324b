import type { ImageDestination, OpenedDestination } from './types.js';

const nothing = async (): Promise<void> => {};

/** A destination that is complete once closed (nothing to finish or discard beyond close). */
export function openedDestination(dest: ImageDestination): OpenedDestination {
  return { dest, finish: nothing, abort: nothing };
}
