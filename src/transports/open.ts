import { parseImageName } from './registry.js';
import type { ImageSource, OpenedDestination, TransportContext } from './types.js';

export { TRANSPORTS, splitTransport, parseImageName, transportOf, type Transport } from './registry.js';
export type { OpenedDestination } from './types.js';
/** The context opening a name needs (kept under its old name). */
export type OpenContext = TransportContext;

/** Open an image source for "transport:location". The caller closes it. */
export async function openSourceByName(name: string, ctx: TransportContext): Promise<ImageSource> {
  return parseImageName(name).newSource(ctx);
}

/** Open a destination for "transport:location"; see OpenedDestination for the call order. */
export async function openDestinationByName(name: string, ctx: TransportContext): Promise<OpenedDestination> {
  return parseImageName(name).newDestination(ctx);
}
