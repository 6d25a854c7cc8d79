// core/v1 Events as client-go's recorder writes them (`kubectl describe` / `get events` read them). Same
// object + type + reason + message within 10 minutes → one Event whose count and lastTimestamp grow.
// Writes are asynchronous and coalesced per Event: a burst of 3,000 events costs at most one write per
// distinct Event in flight, the backlog is bounded (overflow dropped with a warning), and nothing throws.
import { logger } from '../../lib/log.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import type { ApiClient, EventRecorder } from './types.ts';

const aggregateWindowMs = 10 * 60 * 1000;
const maxPending = 1000; // distinct Events waiting to be written
const maxCached = 4096; // aggregation entries before old ones are swept
const writers = 4;

interface Aggregate {
  name: string;
  namespace: string;
  base: KObject; // the Event as first created
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  lastMs: number;
  written: number; // count already on the server (0: not created yet)
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createEventRecorder(client: ApiClient, component: string, now: () => Date): EventRecorder & { flush(): Promise<void> } {
  const log = logger(`events ${component}`);
  const cache = new Map<string, Aggregate>();
  const pending = new Set<string>();
  const inFlight = new Set<string>();
  let seq = 0;
  let dropped = 0;
  const idle: Array<() => void> = [];

  /** client-go's name: `<object name>.<unix nanoseconds in hex>`; seq keeps names unique within one ms */
  const eventName = (objName: string, t: Date) => `${objName}.${(BigInt(t.getTime()) * 1_000_000n + BigInt(seq++ % 1_000_000)).toString(16)}`;

  async function write(agg: Aggregate) {
    const count = agg.count;
    if (agg.written === 0) {
      const ev = { ...agg.base, count, firstTimestamp: agg.firstTimestamp, lastTimestamp: agg.lastTimestamp };
      try {
        await client.create(R.events, agg.namespace, ev);
      } catch (err) {
        if (!isStatusError(err, 'AlreadyExists')) throw err;
      }
    } else {
      try {
        await client.patch(R.events, agg.namespace, agg.name, 'merge', { count, lastTimestamp: agg.lastTimestamp });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
        // the Event expired on the server: start a new one
        agg.name = eventName(String((agg.base.involvedObject as { name?: string }).name ?? 'unknown'), now());
        agg.base = { ...agg.base, metadata: { name: agg.name, namespace: agg.namespace } };
        agg.written = 0;
        return write(agg);
      }
    }
    agg.written = count;
  }

  function pump() {
    for (const key of pending) {
      if (inFlight.size >= writers) break;
      if (inFlight.has(key)) continue; // one write per Event at a time; the next carries every bump since
      pending.delete(key);
      const agg = cache.get(key);
      if (!agg) continue;
      inFlight.add(key);
      write(agg)
        .catch((err) => log.warn('could not write event', { reason: agg.base.reason, object: agg.name, err: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          inFlight.delete(key);
          pump();
          if (inFlight.size === 0 && pending.size === 0) for (const f of idle.splice(0)) f();
        });
    }
  }

  function sweep(t: number) {
    for (const [k, a] of cache) if (t - a.lastMs > aggregateWindowMs && !pending.has(k)) cache.delete(k);
  }

  return {
    event(obj, type, reason, message) {
      try {
        const m = obj.metadata ?? {};
        const t = now();
        const ms = t.getTime();
        const key = [m.uid ?? '', obj.kind ?? '', m.namespace ?? '', m.name ?? '', type, reason, message].join('\x00');
        let agg = cache.get(key);
        if (agg && ms - agg.lastMs <= aggregateWindowMs) {
          agg.count++;
          agg.lastTimestamp = rfc3339(t);
          agg.lastMs = ms;
        } else {
          if (pending.size >= maxPending) {
            if (dropped++ % 1000 === 0) log.warn('event backlog full, dropping events', { dropped });
            return;
          }
          if (cache.size >= maxCached) sweep(ms);
          const namespace = m.namespace || 'default';
          const name = eventName(m.name ?? 'unknown', t);
          const ts = rfc3339(t);
          agg = {
            name, namespace, count: 1, firstTimestamp: ts, lastTimestamp: ts, lastMs: ms, written: 0,
            base: {
              apiVersion: 'v1', kind: 'Event', metadata: { name, namespace },
              involvedObject: { kind: obj.kind, apiVersion: obj.apiVersion, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
              reason, message, type, source: { component }, reportingComponent: component, reportingInstance: '',
            },
          };
          cache.set(key, agg);
        }
        pending.add(key);
        pump();
      } catch (err) {
        log.warn('could not record event', { reason, err: err instanceof Error ? err.message : String(err) });
      }
    },
    /** resolves when every recorded event has been written (tests) */
    flush() {
      if (inFlight.size === 0 && pending.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
