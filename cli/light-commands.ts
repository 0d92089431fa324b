/**
 * The commands of the light bundle (dist/cli/light.cjs, entry cli/light.ts): those that only
 * read or name images in the store. Every command pays for loading the bundle it runs from (read
 * and deserialised from V8's code cache, about in proportion to its size): these run from a
 * bundle of about a third of the full one. Shared by the launcher (cli/launcher.ts), which tries
 * the light bundle when the command line holds one of LIGHT_WORDS, and the light entry, which
 * runs the command only when LIGHT_MODULES accepts it (anything else: the full bundle).
 */
import type { Parsed } from './flags.js';

/** Light command modules (command-table `module`), each with whether it takes these flags light. */
export const LIGHT_MODULES = {
  images: () => true,
  exists: () => true,
  tag: () => true,
  untag: () => true,
  // a container's size is computed by the container code, which only the full bundle holds
  inspect: (p: Parsed) => p.flags.size !== true,
} satisfies Record<string, (p: Parsed) => boolean>;

export type LightModule = keyof typeof LIGHT_MODULES;

/** The last word of every name and alias of the light commands (`images`, `image ls`, ...). */
export const LIGHT_WORDS: readonly string[] = ['images', 'ls', 'list', 'exists', 'tag', 'untag', 'inspect'];
