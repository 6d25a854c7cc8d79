// One etcd watch stream per Store.watch: created at afterRevision+1 with prev_kv, mapped to StoreEvents, ended on
// abort. It does not reconnect on its own: a lost connection throws 'unavailable' and the caller (the API
// server's watch) ends, as a real apiserver's watch does, so clients re-list and re-watch.
import type { IEvent, IKeyValue, IWatchResponse, WatchClient } from 'etcd3';
import { StoreError, type KeyValue, type StoreEvent } from '../types.ts';
import { toEtcdError } from './errors.ts';

export interface WatchTarget {
  watchClient: WatchClient;
  /** etcd key range (already carrying the store's key prefix) */
  key: Buffer;
  rangeEnd: Buffer;
  /** strips the store's key prefix */
  toKey(raw: Buffer): string;
}

const kvOf = (toKey: (raw: Buffer) => string, kv: IKeyValue): KeyValue => ({
  key: toKey(kv.key),
  value: kv.value.toString('utf8'),
  createRevision: Number(kv.create_revision),
  modRevision: Number(kv.mod_revision),
});

export function toStoreEvent(toKey: (raw: Buffer) => string, e: IEvent): StoreEvent {
  const prev = e.prev_kv ? kvOf(toKey, e.prev_kv) : undefined;
  if (e.type === 'Delete') {
    // etcd's delete kv is empty; the contract wants the last value in kv, at the delete's revision
    const kv: KeyValue = {
      key: toKey(e.kv.key),
      value: prev?.value ?? '',
      createRevision: prev?.createRevision ?? 0,
      modRevision: Number(e.kv.mod_revision),
    };
    return { type: 'delete', kv, ...(prev ? { prev } : {}) };
  }
  // a create never has a prev (etcd sends none either; the guard keeps that true whatever it sends)
  const isCreate = e.kv.create_revision === e.kv.mod_revision;
  return { type: 'put', kv: kvOf(toKey, e.kv), ...(prev && !isCreate ? { prev } : {}) };
}

type Item = { res: IWatchResponse } | { err: Error } | { done: true };

export async function* watchEtcd(target: WatchTarget, afterRevision: number, signal: AbortSignal): AsyncGenerator<StoreEvent[]> {
  if (signal.aborted) return;
  let stream: Awaited<ReturnType<WatchClient['watch']>>;
  try {
    stream = await target.watchClient.watch();
  } catch (err) {
    throw toEtcdError(err, 'watch');
  }
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item): void => {
    queue.push(item);
    wake?.();
    wake = undefined;
  };
  const onAbort = (): void => push({ done: true });
  stream.on('data', (res) => push({ res }));
  stream.on('error', (err) => push({ err }));
  stream.on('end', () => push({ err: new Error('the etcd watch stream ended') }));
  signal.addEventListener('abort', onAbort, { once: true });
  stream.write({ create_request: { key: target.key, range_end: target.rangeEnd, start_revision: afterRevision + 1, prev_kv: true } });
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((r) => { wake = r; });
      const item = queue.shift()!;
      if ('done' in item) return;
      if ('err' in item) {
        if (signal.aborted) return;
        throw toEtcdError(item.err, 'watch');
      }
      const { res } = item;
      if (res.canceled) {
        const compactRevision = Number(res.compact_revision);
        if (compactRevision > 0) {
          throw new StoreError('compacted', `required revision ${afterRevision + 1} has been compacted (oldest available: ${compactRevision})`, { compactRevision });
        }
        throw new StoreError('unavailable', `etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`);
      }
      if (res.events.length > 0) yield res.events.map((e) => toStoreEvent(target.toKey, e));
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.cancel(); // ends the gRPC call; the connection stays for other calls
  }
}
