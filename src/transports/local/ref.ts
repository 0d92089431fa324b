import { formatReference, parseLocalReference, parseReferenceRaw } from '../../reference/reference.js';
import type { ImageReference, ImageSource, OpenedDestination, TransportContext } from '../types.js';
import { openedDestination } from '../opened.js';
import { LocalDestination, LocalRef, LocalSource } from './local.js';

/**
 * "containers-storage:[STORE-SPEC]NAME": an image of the local store named by the user. The
 * store and the rule for "which image does NAME mean" come from the context; a store spec in
 * brackets is accepted and ignored (berth has one store per --root).
 */
export class StorageNameRef implements ImageReference {
  readonly transport = 'containers-storage' as const;
  /** NAME without the store spec ("" for none). */
  readonly name: string;
  constructor(readonly location: string) {
    this.name = location.replace(/^\[[^\]]*\]/, '');
  }
  toString(): string {
    return `containers-storage:${this.location}`;
  }
  /** Policy scopes come from the opened source (LocalRef: "[ROOT]NAME@ID"); this reference names no store root. */
  policyScope(): string {
    return '';
  }

  async newSource(ctx: TransportContext): Promise<ImageSource> {
    const store = ctx.store();
    const { id, matchedName } = ctx.lookupImage(store, this.name);
    // opened by name, the name is part of its policy identity and its docker reference (as containers/image's)
    return new LocalSource(new LocalRef(store, id, matchedName ? [matchedName] : []), id);
  }

  /** The image is recorded under NAME (name@digest when NAME has a digest and no tag). */
  async newDestination(ctx: TransportContext): Promise<OpenedDestination> {
    let names: string[] = [];
    if (this.name !== '') {
      const r = parseReferenceRaw(this.name);
      if (r.digest && !r.tag)
        names = [formatReference({ ...parseLocalReference(this.name.split('@')[0]!), tag: undefined, digest: r.digest })];
      else names = [formatReference(parseLocalReference(this.name))];
    }
    return openedDestination(new LocalDestination(new LocalRef(ctx.store(), undefined, names)));
  }
}

/** Parse the part after "containers-storage:". */
export function parseStorageRef(location: string): StorageNameRef {
  return new StorageNameRef(location);
}
