// Shared list-watch caches (client-go's SharedIndexInformer + factory). Per resource: list, then watch from
// the list's resourceVersion; a watch that ends is resumed from the last resourceVersion seen, a 410 relists
// (and the cache is reconciled with the new list, so handlers see the adds/updates/deletes they missed).
// Handlers run after the cache is updated. A namespace index is built in, so list(ns) is cheap at 3,000 pods.
import { logger } from '../../lib/log.ts';
import type { GVR, KObject, WatchEvent } from '../types/meta.ts';
import { objectKey } from '../types/meta.ts';
import { isStatusError } from '../types/status-error.ts';
import { parseLabelSelector, matchesRequirements } from '../types/labels.ts';
import type { ApiClient, Informer, InformerFactory, InformerHandlers } from './types.ts';

const namespaceIndex = '__namespace';
const gvrKey = (r: GVR) => `${r.group}/${r.version}/${r.resource}`;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });

interface Index<T> { fn: (obj: T) => string[]; values: Map<string, Set<string>> }

type RunnableInformer<T extends KObject> = Informer<T> & { run(signal: AbortSignal): Promise<void>; synced: Promise<void> };

function createInformer<T extends KObject>(client: ApiClient, resource: GVR): RunnableInformer<T> {
  const log = logger(`informer ${resource.group ? `${resource.resource}.${resource.group}` : resource.resource}`);
  const cache = new Map<string, T>();
  const indexes = new Map<string, Index<T>>();
  const handlers: InformerHandlers<T>[] = [];
  let synced = false;
  let markSynced!: () => void;
  const syncedPromise = new Promise<void>((resolve) => (markSynced = resolve));

  const indexFor = (name: string, fn: (obj: T) => string[]) => indexes.set(name, { fn, values: new Map() });
  indexFor(namespaceIndex, (o) => [o.metadata?.namespace ?? '']);

  function unindex(key: string, obj: T) {
    for (const idx of indexes.values()) {
      for (const v of idx.fn(obj)) {
        const set = idx.values.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.values.delete(v);
      }
    }
  }
  function index(key: string, obj: T) {
    for (const idx of indexes.values()) {
      for (const v of idx.fn(obj)) {
        let set = idx.values.get(v);
        if (!set) idx.values.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  function notify(call: (h: InformerHandlers<T>) => void) {
    for (const h of handlers) {
      try {
        call(h);
      } catch (err) {
        log.error('event handler threw', { err: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  function upsert(obj: T) {
    const key = objectKey(obj);
    const old = cache.get(key);
    if (old) unindex(key, old);
    cache.set(key, obj);
    index(key, obj);
    if (old) notify((h) => h.update?.(old, obj));
    else notify((h) => h.add?.(obj));
  }

  function remove(key: string, last: T) {
    const old = cache.get(key);
    if (!old) return;
    unindex(key, old);
    cache.delete(key);
    notify((h) => h.delete?.(last));
  }

  /** replaces the cache with a fresh list, telling handlers what changed since the cache was last right */
  function replace(items: T[]) {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = cache.get(key);
      if (!old || old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) upsert(obj);
    }
    for (const [key, obj] of [...cache]) if (!seen.has(key)) remove(key, obj);
  }

  /** one list-then-watch-until-410 cycle; returns on abort, throws on errors the caller backs off from */
  async function listAndWatch(signal: AbortSignal) {
    const list = await client.list<T>(resource, undefined, { resourceVersion: '0' });
    // a list's items may come without apiVersion/kind (as kube-apiserver sends them); handlers expect them
    for (const item of list.items) {
      if (!item.kind) (item as KObject).kind = list.kind.replace(/List$/, '');
      if (!item.apiVersion) (item as KObject).apiVersion = list.apiVersion;
    }
    replace(list.items);
    if (!synced) { synced = true; markSynced(); }
    let rv = list.metadata.resourceVersion ?? '';
    while (!signal.aborted) {
      const events = client.watch<T>(resource, undefined, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 300) }, signal);
      for await (const ev of events as AsyncIterable<WatchEvent<T>>) {
        if (ev.type === 'ERROR') {
          const status = ev.object as { code?: number; message?: string };
          if (status.code === 410) return log.debug('watch expired, relisting', { rv });
          throw new Error(`watch error: ${status.message ?? JSON.stringify(status)}`);
        }
        const obj = ev.object as T;
        if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') remove(objectKey(obj), obj);
        else upsert(obj);
      }
    }
  }

  return {
    resource,
    synced: syncedPromise,
    get: (key) => cache.get(key),
    list(namespace, labelSelector) {
      const reqs = labelSelector ? parseLabelSelector(labelSelector) : [];
      const keys = namespace === undefined ? cache.keys() : (indexes.get(namespaceIndex)!.values.get(namespace) ?? []);
      const out: T[] = [];
      for (const key of keys) {
        const obj = cache.get(key)!;
        if (reqs.length === 0 || matchesRequirements(reqs, obj.metadata?.labels)) out.push(obj);
      }
      return out;
    },
    byIndex(name, value) {
      const idx = indexes.get(name);
      if (!idx) throw new Error(`informer ${resource.resource}: no index named ${name}`);
      return [...(idx.values.get(value) ?? [])].map((k) => cache.get(k)!);
    },
    addIndex(name, fn) {
      indexFor(name, fn);
      const idx = indexes.get(name)!;
      for (const [key, obj] of cache) for (const v of fn(obj)) {
        let set = idx.values.get(v);
        if (!set) idx.values.set(v, (set = new Set()));
        set.add(key);
      }
    },
    on(h) {
      handlers.push(h);
      // a handler that joins late still hears about what is already cached, as client-go does
      if (h.add) for (const obj of cache.values()) h.add(obj);
    },
    hasSynced: () => synced,
    async run(signal) {
      let backoff = 200;
      while (!signal.aborted) {
        try {
          await listAndWatch(signal);
          backoff = 200;
        } catch (err) {
          if (signal.aborted) return;
          if (!isStatusError(err, 'Expired') && !isStatusError(err, 'Gone')) {
            log.warn('list/watch failed, retrying', { err: err instanceof Error ? err.message : String(err), in_ms: backoff });
            await sleep(backoff, signal);
            backoff = Math.min(backoff * 2, 30_000);
          }
        }
      }
    },
  };
}

/** One informer per resource, shared by every controller of a process. */
export function createInformerFactory(client: ApiClient): InformerFactory {
  const informers = new Map<string, RunnableInformer<KObject>>();
  let runSignal: AbortSignal | undefined;
  const running: Promise<void>[] = [];
  const startOne = (inf: RunnableInformer<KObject>, signal: AbortSignal) => running.push(inf.run(signal));

  return {
    informer<T extends KObject = KObject>(r: GVR): Informer<T> {
      let inf = informers.get(gvrKey(r));
      if (!inf) {
        inf = createInformer<KObject>(client, r);
        informers.set(gvrKey(r), inf);
        if (runSignal) startOne(inf, runSignal);
      }
      return inf as unknown as Informer<T>;
    },
    start(signal) {
      if (runSignal) return;
      runSignal = signal;
      for (const inf of informers.values()) startOne(inf, signal);
    },
    async waitForSync(signal) {
      for (;;) {
        const pending = [...informers.values()].filter((i) => !i.hasSynced());
        if (pending.length === 0) return;
        const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
        await Promise.race([Promise.all(pending.map((i) => i.synced)), aborted]);
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      }
    },
  };
}
