/**
 * The service's event bus: every endpoint that changes images emits Docker-shaped events here;
 * GET /events replays the recent ones (for `since`) and streams new ones. Memory is bounded:
 * only the last RECENT events are kept.
 */
export interface DockerEvent {
  Type: 'image';
  Action: 'pull' | 'push' | 'tag' | 'untag' | 'delete' | 'load' | 'save' | 'import' | 'prune';
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** unix seconds */
  time: number;
  /** unix nanoseconds */
  timeNano: number;
  /** Deprecated fields Docker still sends for image events (same values as Action and Actor.ID). */
  status: string;
  id: string;
}

export type EventInput = Pick<DockerEvent, 'Type' | 'Action' | 'Actor'> & Partial<Pick<DockerEvent, 'time' | 'timeNano'>>;

const RECENT = 1000;

export class EventBus {
  private recentEvents: DockerEvent[] = [];
  private listeners = new Set<(e: DockerEvent) => void>();

  /** Record an event (time defaults to now) and hand it to every subscriber. */
  emit(input: EventInput): DockerEvent {
    const nowNs = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    const timeNano = input.timeNano ?? Number(nowNs);
    const e: DockerEvent = {
      status: input.Action,
      id: input.Actor.ID,
      Type: input.Type,
      Action: input.Action,
      Actor: input.Actor,
      scope: 'local',
      time: input.time ?? Math.floor(timeNano / 1e9),
      timeNano,
    };
    this.recentEvents.push(e);
    if (this.recentEvents.length > RECENT) this.recentEvents.splice(0, this.recentEvents.length - RECENT);
    for (const l of this.listeners) l(e);
    return e;
  }

  /** The events kept, oldest first. */
  recent(): readonly DockerEvent[] {
    return this.recentEvents;
  }

  /** Receive every event emitted from now on; returns the unsubscribe function. */
  subscribe(listener: (e: DockerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
