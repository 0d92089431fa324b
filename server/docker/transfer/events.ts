/** Image events of the transfers, shaped as dockerd's (Actor.Attributes: the image's labels, then `name`). */
import type { Store } from '../../../src/index.js';
import type { ServiceState } from '../route.js';
import type { DockerEvent } from '../events.js';

/**
 * Record `action` for image `imageId` (64 hex). `actorId` is what dockerd puts in Actor.ID:
 * the reference for pull and push ("busybox:latest"), "sha256:<id>" for load, save and import;
 * `name` the `name` attribute (dockerd: the repository for pull/push, the ID otherwise).
 */
export function emitImageEvent(
  service: ServiceState,
  store: Store,
  action: DockerEvent['Action'],
  actorId: string,
  imageId: string,
  name: string,
): void {
  let labels: Record<string, string> = {};
  try {
    labels = store.getImage(imageId)?.labels ?? {};
  } catch {
    /* the image may be gone already: an event without labels */
  }
  service.events.emit({ Type: 'image', Action: action, Actor: { ID: actorId, Attributes: { ...labels, name } } });
}
