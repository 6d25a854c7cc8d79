// Events (docker's /events): the sink every room emits through, and the bus's query side.

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'builder';

/**
 * Where the engine's rooms report what happened (docker's `/events`). Rooms take an `EventSink` in their
 * options and call `emit` after the change is recorded; the events room (engine/events) implements it,
 * keeps a bounded history for `since`, and streams to subscribers. Emitting never throws and never blocks.
 */
export interface EventSink {
  emit(type: EventType, action: string, actor: { id: string; attributes?: Record<string, string> }): void;
}

/** One event as docker's `/events` sends it (API 1.50 still carries the old top-level status/id/from). */
export interface EventMessage {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** unix seconds */
  time: number;
  /** unix nanoseconds (beyond a double's exact range, hence bigint) */
  timeNano: bigint;
  /** container and image events: the action, the actor's id, and (containers) the image */
  status?: string;
  id?: string;
  from?: string;
}

export interface EventQuery {
  /** unix ns: past events from then on (history is bounded, as docker's 256) */
  since?: bigint;
  /** unix ns: the stream ends then (at once when it is in the past) */
  until?: bigint;
  /** docker's event filters: container, event, image, label, network, type, volume, daemon, scope, … */
  filters?: Record<string, string[]>;
}

export interface EventService extends EventSink {
  /**
   * Past events within since/until that match, oldest first, then live ones until `until` or `signal`.
   * Without since and until only live events come (docker's rule).
   */
  watch(q: EventQuery, signal?: AbortSignal): AsyncIterable<EventMessage>;
  /** live events, each one as it is emitted; returns the unsubscribe */
  subscribe(listener: (m: EventMessage) => void): () => void;
  /** subscribers now (docker info's NEventsListener) */
  listeners(): number;
}
