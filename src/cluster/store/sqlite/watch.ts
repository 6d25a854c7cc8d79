// Watch = tail the log. A watcher is only a cursor (the last revision it has seen): on every wake it reads what
// lies after the cursor — from the in-memory history when that still covers it, else from the log table — so a
// slow watcher costs no memory and simply catches up. Events are shared between watchers: never mutate them.
import { StoreError, type StoreEvent } from '../types.ts';
import type { History } from './history.ts';

export interface WatchSource {
  readonly revision: number;
  readonly compactRevision: number;
  readonly closed: boolean;
  readonly history: History;
  /** events after `after` up to `upTo` under prefix, from the table, at most limit */
  changes(after: number, upTo: number, prefix: string, limit: number): StoreEvent[];
  /** resolves at the next commit, on abort, or on close */
  wait(signal: AbortSignal): Promise<void>;
}

/** events handed out per batch: big enough to amortise, small enough not to stall other watchers */
const BATCH = 1000;

const compactedError = (after: number, compactRevision: number): StoreError =>
  new StoreError('compacted', `required revision ${after + 1} has been compacted (oldest available: ${compactRevision})`, { compactRevision });

export async function* watchLog(src: WatchSource, prefix: string, afterRevision: number, signal: AbortSignal): AsyncGenerator<StoreEvent[]> {
  let cursor = afterRevision;
  // as etcd: watching from afterRevision+1 needs every event from there on
  if (cursor + 1 < src.compactRevision) throw compactedError(cursor, src.compactRevision);
  while (!signal.aborted && !src.closed) {
    if (cursor >= src.revision) {
      await src.wait(signal);
      continue;
    }
    let events: StoreEvent[];
    if (cursor >= src.history.start) {
      const r = src.history.since(cursor, prefix, BATCH);
      events = r.events;
      cursor = r.scannedTo;
    } else {
      // older than memory: the table, unless compaction has taken rows we still need
      if (cursor + 1 < src.compactRevision) throw compactedError(cursor, src.compactRevision);
      const upTo = src.history.start;
      events = src.changes(cursor, upTo, prefix, BATCH);
      cursor = events.length === BATCH ? events[events.length - 1].kv.modRevision : upTo;
    }
    if (events.length > 0) yield events;
  }
}
