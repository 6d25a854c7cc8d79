// The etcd Store: one-to-one on etcd's v3 KV and Watch through the `etcd3` gRPC client (works under Node 26).
// Writes are single transactions whose compare is the precondition (create: createRevision == 0, update/delete:
// modRevision == X), so etcd itself refuses a lost update; the failure branch reads the key back so a
// 'conflict' carries the current value without another round trip. A key prefix lets clusters share one etcd.
import { Etcd3, isRecoverableError, type IKeyValue, type IRangeRequest, type IResponseOp, type ITxnResponse } from 'etcd3';
import { ExponentialBackoff, handleWhen, noop, retry } from 'cockatiel';
import { startCompactor, type AutoCompactOptions } from '../compactor.ts';
import { prefixEnd } from '../keys.ts';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store } from '../types.ts';
import { isCompactedError, isFutureRevisionError, toEtcdError } from './errors.ts';
import { watchEtcd } from './watch.ts';

export interface EtcdStoreOptions {
  /** client URLs, e.g. ['http://127.0.0.1:2379'] */
  endpoints: string[];
  /** prepended to every key (e.g. '/skiff'), so several clusters can share one etcd; default none */
  prefix?: string;
  /** per-request deadline (default 10 s); past it the call fails with 'unavailable' */
  requestTimeoutMs?: number;
  /** automatic compaction (Kubernetes' apiserver compacts etcd itself); off unless given */
  autoCompact?: AutoCompactOptions;
}

/** etcd's range end for "every key from here on" */
const ALL_FOLLOWING = Buffer.from([0]);

export function createEtcdStore(opts: EtcdStoreOptions): Store {
  const prefix = opts.prefix ?? '';
  const timeout = opts.requestTimeoutMs ?? 10_000;
  const client = new Etcd3({
    hosts: opts.endpoints,
    dialTimeout: Math.min(timeout, 5000),
    // a full list can be far above gRPC's 4 MB default (Kubernetes' etcd client lifts the limit too)
    grpcOptions: { 'grpc.max_receive_message_length': 2 ** 31 - 1 },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    // etcd3's default opens a circuit breaker per host after 3 failures in a row and then refuses every call
    // for 5 s: one slow moment under load took the whole store down. Retry recoverable errors instead, as
    // Kubernetes' etcd client does (writes are compare-and-swap, so a retried one cannot apply twice).
    faultHandling: {
      host: () => noop,
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) }),
    },
  });
  const kvClient = client.kv;
  let closed = false;
  let knownCompactRevision = 0;

  const raw = (key: string): Buffer => Buffer.from(prefix + key, 'utf8');
  // etcd refuses an empty key; [0] is the lowest key there is
  const rawStart = (key: string): Buffer => (prefix + key === '' ? Buffer.from([0]) : raw(key));
  /** any key will do: the answer's header carries the store's revision */
  const revisionProbe = (): Promise<{ header: { revision: string } }> => kvClient.range({ key: raw('\0'), count_only: true });
  const toKey = (b: Buffer): string => b.toString('utf8').slice(prefix.length);
  const rangeEndOf = (keyPrefix: string): Buffer => {
    const end = prefixEnd(prefix + keyPrefix);
    return end === undefined ? ALL_FOLLOWING : Buffer.from(end, 'utf8');
  };
  const toKv = (kv: IKeyValue): KeyValue => ({
    key: toKey(kv.key),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  });
  const ensureOpen = (): void => {
    if (closed) throw new StoreError('unavailable', 'the store is closed');
  };
  /** runs an etcd call, turning its failures into StoreErrors */
  const call = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    ensureOpen();
    try {
      return await fn();
    } catch (err) {
      const e = toEtcdError(err, op);
      if (e.code === 'compacted' && knownCompactRevision > 0) {
        throw new StoreError('compacted', e.message, { compactRevision: knownCompactRevision, cause: err });
      }
      throw e;
    }
  };
  /** the key's current value from a txn's failure branch (a range op) */
  const rangeFrom = (res: ITxnResponse): KeyValue | undefined => {
    const kv = (res.responses[0] as IResponseOp | undefined)?.response_range?.kvs[0];
    return kv ? toKv(kv) : undefined;
  };
  const revisionOf = (res: { header: { revision: string } }): number => Number(res.header.revision);

  const compact = async (revision: number): Promise<void> => {
    await call('compact', async () => {
      const current = revisionOf(await revisionProbe());
      const target = Math.min(revision, current);
      if (target <= knownCompactRevision || target <= 0) return;
      try {
        await kvClient.compact({ revision: target, physical: false });
      } catch (err) {
        if (!isCompactedError(err)) throw err; // already compacted there (maybe by another server): nothing to do
      }
      knownCompactRevision = Math.max(knownCompactRevision, target);
    });
  };
  const stopCompactor = opts.autoCompact
    ? startCompactor({ currentRevision: async () => revisionOf(await revisionProbe()), compact }, opts.autoCompact)
    : undefined;

  return {
    currentRevision: () => call('status', async () => revisionOf(await revisionProbe())),

    get: (key) => call('get', async () => {
      const res = await kvClient.range({ key: raw(key) });
      return res.kvs[0] ? toKv(res.kvs[0]) : undefined;
    }),

    list: (keyPrefix, lopts: ListOptions = {}) => call('list', async (): Promise<ListResult> => {
      const start = lopts.after !== undefined && lopts.after >= keyPrefix ? lopts.after + '\0' : keyPrefix;
      const req: IRangeRequest = { key: rawStart(start), range_end: rangeEndOf(keyPrefix) };
      if (lopts.limit && lopts.limit > 0) req.limit = lopts.limit;
      if (lopts.revision && lopts.revision > 0) req.revision = lopts.revision;
      let res;
      try {
        res = await kvClient.range(req);
      } catch (err) {
        // a revision from the future reads the latest state, as the SQLite store does
        if (!isFutureRevisionError(err)) throw err;
        delete req.revision;
        res = await kvClient.range(req);
      }
      const readAt = req.revision !== undefined ? Number(req.revision) : revisionOf(res);
      return { items: res.kvs.map(toKv), revision: readAt, more: res.more };
    }),

    count: (keyPrefix) => call('count', async () => {
      const res = await kvClient.range({ key: rawStart(keyPrefix), range_end: rangeEndOf(keyPrefix), count_only: true });
      return Number(res.count);
    }),

    create: (key, value) => call('create', async () => {
      const k = raw(key);
      const res = await kvClient.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8') } }],
        failure: [],
      });
      if (!res.succeeded) throw new StoreError('exists', `key ${key} already exists`);
      const rev = revisionOf(res);
      return { key, value, createRevision: rev, modRevision: rev };
    }),

    update: (key, value, ifModRevision) => call('update', async () => {
      const k = raw(key);
      const res = await kvClient.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: ifModRevision }],
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) {
        const current = rangeFrom(res);
        if (!current) throw new StoreError('notFound', `key ${key} not found`);
        throw new StoreError('conflict', `key ${key} is at revision ${current.modRevision}, not ${ifModRevision}`, { current });
      }
      const prev = (res.responses[0] as IResponseOp).response_put.prev_kv;
      return { key, value, createRevision: Number(prev.create_revision), modRevision: revisionOf(res) };
    }),

    delete: (key, ifModRevision) => call('delete', async () => {
      const k = raw(key);
      // without a precondition, "the key exists" is the compare, so a missing key is one round trip too
      const compare = ifModRevision !== undefined
        ? { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: ifModRevision }
        : { key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 };
      const res = await kvClient.txn({
        compare: [compare],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) {
        const current = rangeFrom(res);
        if (!current) throw new StoreError('notFound', `key ${key} not found`);
        throw new StoreError('conflict', `key ${key} is at revision ${current.modRevision}, not ${ifModRevision}`, { current });
      }
      const prev = (res.responses[0] as IResponseOp).response_delete_range.prev_kvs[0];
      return { key, value: prev.value.toString('utf8'), createRevision: Number(prev.create_revision), modRevision: revisionOf(res) };
    }),

    watch(keyPrefix, afterRevision, signal) {
      ensureOpen();
      return watchEtcd({ watchClient: client.watchClient, key: rawStart(keyPrefix), rangeEnd: rangeEndOf(keyPrefix), toKey }, afterRevision, signal);
    },

    compact,

    async close() {
      if (closed) return;
      await stopCompactor?.();
      closed = true;
      client.close();
    },
  };
}
