import type { ImageDestination, ImageSource, OpenedDestination } from './types.js';

const nothing = async (): Promise<void> => {};

/** A destination that is complete once closed (nothing to finish or discard beyond close). */
export function openedDestination(dest: ImageDestination): OpenedDestination {
  return { dest, finish: nothing, abort: nothing };
}

/** One image of an archive and the names it carries, as they are recorded on load. */
export interface NamedSource {
  src: ImageSource;
  names: string[];
}

/** Make the last source close what the sources share (now, when there are none). */
export async function lastCloses<T extends { src: ImageSource }>(list: T[], close: () => Promise<void>): Promise<T[]> {
  const last = list[list.length - 1];
  if (!last) {
    await close();
    return list;
  }
  const own = last.src.close.bind(last.src);
  last.src.close = async () => {
    try {
      await own();
    } finally {
      await close();
    }
  };
  return list;
}
