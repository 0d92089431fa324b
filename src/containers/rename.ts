/**
 * podman rename for berth's containers: the record and its container.json change in one
 * transaction; every failure leaves the container as it was.
 */
import { BerthError } from '../errors.js';
import type { Store } from '../store/store.js';
import { CONTAINER_NAME_RE, noSuchContainer } from './errors.js';
import { lookupContainer } from './lookup.js';

/** Rename container `nameOrId` to `newName`; returns its ID. */
export function renameContainer(store: Store, nameOrId: string, newName: string): string {
  const c = lookupContainer(store, nameOrId);
  if (!CONTAINER_NAME_RE.test(newName))
    throw new BerthError('INVALID_ARGUMENT', 'names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument', { subject: newName });
  if (newName === c.name) return c.id;
  const conflict = store.renameContainer(c.id, newName);
  if (conflict?.conflict === 'missing') throw noSuchContainer(nameOrId);
  if (conflict?.conflict === 'name')
    throw new BerthError(
      'NAME_IN_USE',
      `renaming container ${c.id}: name ${newName} already in use, cannot rename container ${c.id}: container already exists`,
      { subject: newName, data: { id: conflict.id } },
    );
  return c.id;
}
