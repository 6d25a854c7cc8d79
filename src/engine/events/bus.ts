// The engine's event bus: rooms emit, subscribers hear. A bounded history (docker keeps the last 256)
// answers `since`; a live subscriber whose queue overflows loses events rather than holding up the
// engine (docker gives each one 100 ms, then skips it).
import type { EventMessage, EventQuery, EventService, EventType } from '../types.ts';
import { logger } from '../../lib/log.ts';
import { eventMatches } from './filter.ts';

const log = logger('events');

export const historyLimit = 256;
/** events queued for one slow stream before the newest are dropped */
const queueLimit = 1024;

export interface EventBusOptions {
  limit?: number;
  /** unix ns now; tests move time by hand */
  clock?: () => bigint;
}

let lastNs = 0n;
/** unix nanoseconds, increasing within this process */
export function nowNs(): bigint {
  let ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns;
}

/** docker's legacy top-level fields, still sent for containers and images */
function legacyFields(type: EventType, action: string, id: string, attributes: Record<string, string>): Partial<EventMessage> {
  if (type === 'container') return { status: action, id, from: attributes.image };
  if (type === 'image') return { status: action, id };
  return {};
}

export function createEventBus(opts: EventBusOptions = {}): EventService {
  const limit = opts.limit ?? historyLimit;
  const clock = opts.clock ?? nowNs;
  const history: EventMessage[] = [];
  const listeners = new Set<(m: EventMessage) => void>();

  function publish(m: EventMessage): void {
    history.push(m);
    if (history.length > limit) history.shift();
    for (const l of listeners) {
      try {
        l(m);
      } catch (err) {
        log.warn('an event listener failed', { err }); // one bad listener must not stop the others
      }
    }
  }

  return {
    emit(type, action, actor) {
      const attributes = { ...(actor.attributes ?? {}) };
      const timeNano = clock();
      publish({
        ...legacyFields(type, action, actor.id, attributes),
        Type: type, Action: action, Actor: { ID: actor.id, Attributes: attributes },
        scope: 'local', time: Number(timeNano / 1_000_000_000n), timeNano,
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listeners: () => listeners.size,
    watch(q, signal) {
      return watchEvents(q, signal, { history, listeners, clock });
    },
  };
}

/** Events from the history within [since, until] (docker: only when one of them is given). */
export function pastEvents(history: readonly EventMessage[], q: EventQuery): EventMessage[] {
  if (q.since === undefined && q.until === undefined) return [];
  return history.filter((m) => (q.since === undefined || m.timeNano >= q.since) && (q.until === undefined || m.timeNano <= q.until) && eventMatches(q.filters, m));
}

interface BusState {
  history: EventMessage[];
  listeners: Set<(m: EventMessage) => void>;
  clock: () => bigint;
}

async function* watchEvents(q: EventQuery, signal: AbortSignal | undefined, bus: BusState): AsyncGenerator<EventMessage> {
  // the history and the subscription are taken in one turn, so no event falls between them
  const past = pastEvents(bus.history, q);
  const now = bus.clock();
  if (q.until !== undefined && q.until <= now) {
    yield* past;
    return;
  }
  const queue: EventMessage[] = [];
  let wake: (() => void) | null = null;
  let dropped = 0;
  let done = false;
  const finish = () => {
    done = true;
    wake?.();
  };
  const listener = (m: EventMessage) => {
    if (!eventMatches(q.filters, m)) return;
    if (queue.length >= queueLimit) return void dropped++;
    queue.push(m);
    wake?.();
  };
  bus.listeners.add(listener);
  const timer = q.until === undefined ? undefined : setTimeout(finish, Number((q.until - now) / 1_000_000n) + 1);
  signal?.addEventListener('abort', finish, { once: true });
  try {
    yield* past;
    for (;;) {
      while (queue.length) {
        const m = queue.shift()!;
        if (q.until !== undefined && m.timeNano > q.until) return;
        yield m;
      }
      if (done || signal?.aborted) return;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    bus.listeners.delete(listener);
    clearTimeout(timer);
    signal?.removeEventListener('abort', finish);
    if (dropped) log.warn('a slow events reader missed events', { dropped });
  }
}
