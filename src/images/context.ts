import { buildContext, type ContextOptions, type SystemContext } from '../config/context.js';
import { lookupImage } from './lookup.js';

/** An operation's context with the image service's rule for naming local images injected. */
export function imageContext(o: ContextOptions = {}): SystemContext {
  return buildContext({ lookupImage, ...o });
}
