// The recent past kept in memory: the last N events in revision order, so a watch from a recent revision (the
// common case: an informer resuming after a list) never touches the database. Older events come from the log.
import type { KeyValue, StoreEvent } from '../types.ts';

export interface History {
  /** every event with revision > start is held here (start = the newest evicted revision, or the revision at open) */
  readonly start: number;
  push(event: StoreEvent): void;
  /** the KeyValue written at exactly this revision, if still held (used to share a prev value instead of re-reading it) */
  at(revision: number): KeyValue | undefined;
  /** events after `after` under prefix, at most `max` scanned; `scannedTo` is the last revision looked at */
  since(after: number, prefix: string, max: number): { events: StoreEvent[]; scannedTo: number };
}

export function createHistory(startRevision: number, capacity: number): History {
  let events: StoreEvent[] = [];
  let head = 0; // events[head] is the oldest held
  let start = startRevision;

  // first index (>= head) whose revision > rev
  const firstAfter = (rev: number): number => {
    let lo = head;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid].kv.modRevision > rev) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };

  return {
    get start() { return start; },
    push(event) {
      events.push(event);
      if (events.length - head > capacity) {
        start = events[head].kv.modRevision;
        head++;
        // drop the evicted prefix now and then, not on every push
        if (head >= capacity) {
          events = events.slice(head);
          head = 0;
        }
      }
    },
    at(revision) {
      const i = firstAfter(revision - 1);
      const e = events[i];
      return e !== undefined && e.kv.modRevision === revision ? e.kv : undefined;
    },
    since(after, prefix, max) {
      const out: StoreEvent[] = [];
      let i = firstAfter(after);
      let scannedTo = after;
      for (let n = 0; i < events.length && n < max; i++, n++) {
        const e = events[i];
        scannedTo = e.kv.modRevision;
        if (e.kv.key.startsWith(prefix)) out.push(e);
      }
      return { events: out, scannedTo };
    },
  };
}
