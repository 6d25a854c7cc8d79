// Watch: a queue per watcher fed by the watch cache (or, when the cache's history no longer reaches the asked
// revision, by a Store watch of that kind), ending on abort, on timeoutSeconds, or when the cache resets.
import type { WatchOptions } from '../../client/types.ts';
import type { KObject, Status, WatchEvent } from '../../types/meta.ts';
import { apiVersionOf } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { StoreError } from '../../store/types.ts';
import { goneError } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import { asServed, decodeAs, listPrefixOf, metaOf, parseResourceVersion } from './keys.ts';
import { compileFilter, type Filter } from './selectors.ts';
import { bookmarkOf, eventRevision, type CacheWatchEvent, type CacheWatcher } from './watch-cache.ts';

/** a watcher this far behind is ended (the client re-lists) rather than holding memory without bound */
const MAX_QUEUE = 100_000;

export function watchResource(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent> {
  // selectors and the resourceVersion are checked now, so a bad request fails before any event
  const filter = compileFilter(spec, namespace, opts.labelSelector, opts.fieldSelector);
  const rv = parseResourceVersion(opts.resourceVersion);
  return { [Symbol.asyncIterator]: () => run(ctx, spec, filter, rv, opts, signal) };
}

async function* run(ctx: RestContext, spec: ResourceSpec, filter: Filter, rv: number | undefined, opts: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent> {
  const queue: WatchEvent[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const end = () => { ended = true; wake?.(); };
  const timer = opts.timeoutSeconds ? setTimeout(end, opts.timeoutSeconds * 1000) : undefined;
  signal.addEventListener('abort', end);
  /** events at or before the asked revision are not the client's (it has them) */
  const after = rv ?? 0;
  const watcher: CacheWatcher = {
    filter,
    bookmarks: opts.allowWatchBookmarks === true,
    push(e) {
      if (ended) return;
      if (after > 0 && e.type !== 'BOOKMARK' && ((e as CacheWatchEvent)[eventRevision] ?? Number(e.object.metadata?.resourceVersion)) <= after) return;
      queue.push(spec.conversion || spec.custom ? served(spec, e) : e);
      if (queue.length > MAX_QUEUE) end();
      wake?.();
    },
    end,
  };

  let subscription: { unsubscribe(): void } | undefined;
  try {
    const initial = opts.sendInitialEvents ?? (rv === undefined || rv === 0);
    if (rv === undefined || (initial && rv > 0)) await ctx.consistentRevision(rv);
    if (signal.aborted) return;
    const from = initial ? 'current' : rv === undefined || rv === 0 ? ctx.cache.revision() : rv;
    const sub = ctx.cache.subscribe(spec, watcher, from);
    if ('tooOld' in sub) {
      yield* fromStore(ctx, spec, filter, rv ?? 0, opts, signal, () => ended);
      return;
    }
    subscription = sub;
    if (initial && opts.sendInitialEvents && opts.allowWatchBookmarks) {
      watcher.push({ type: 'BOOKMARK', object: bookmarkOf(spec, sub.rev, true) });
    }
    while (true) {
      if (queue.length > 0) {
        // hand out what is queued in one go; the array is reused
        const batch = queue.splice(0, queue.length);
        for (const e of batch) {
          if (ended && signal.aborted) return;
          yield e;
        }
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    subscription?.unsubscribe();
    clearTimeout(timer);
    signal.removeEventListener('abort', end);
  }
}

/**
 * A cache event as another version serves it: the object converted when first read (the cache's shared JSON
 * line is of the stored version, so it is not passed on), a bookmark with the served apiVersion.
 */
function served(spec: ResourceSpec, e: WatchEvent): WatchEvent {
  if (e.type === 'BOOKMARK') return { type: 'BOOKMARK', object: { ...e.object, apiVersion: apiVersionOf(spec), kind: spec.kind } };
  if (e.type === 'ERROR') return e;
  let object: KObject | undefined;
  const rev = (e as CacheWatchEvent)[eventRevision];
  const out: CacheWatchEvent = {
    type: e.type,
    get object() { return (object ??= asServed(spec, e.object)); },
    set object(v) { object = v; },
  };
  if (rev !== undefined) out[eventRevision] = rev;
  return out;
}

/** A watch older than the cache's history, straight from the Store (which keeps history until compaction). */
async function* fromStore(ctx: RestContext, spec: ResourceSpec, filter: Filter, rv: number, opts: WatchOptions, signal: AbortSignal, ended: () => boolean): AsyncGenerator<WatchEvent> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort);
  const checkEnded = setInterval(() => { if (ended()) stop.abort(); }, 250);
  let lastRev = rv;
  let lastBookmark = Date.now();
  try {
    for await (const batch of ctx.store.watch(listPrefixOf(spec, filter.namespace), rv, stop.signal)) {
      for (const ev of batch) {
        lastRev = ev.kv.modRevision;
        const cur = decodeAs(spec, ev.kv);
        const prev = ev.prev ? decodeAs(spec, ev.prev) : undefined;
        if (ev.type === 'delete') {
          if (filter.matches(cur)) yield { type: 'DELETED', object: cur };
          continue;
        }
        const now = filter.matches(cur);
        const before = prev !== undefined && filter.matches(prev);
        if (now) yield { type: before ? 'MODIFIED' : 'ADDED', object: cur };
        else if (before) {
          metaOf(prev!).resourceVersion = String(lastRev);
          yield { type: 'DELETED', object: prev! };
        }
      }
      if (opts.allowWatchBookmarks && Date.now() - lastBookmark > 10_000) {
        lastBookmark = Date.now();
        yield { type: 'BOOKMARK', object: bookmarkOf(spec, lastRev) };
      }
      if (ended()) return;
    }
  } catch (err) {
    if (err instanceof StoreError && err.code === 'compacted') {
      const status = goneError(`too old resource version: ${rv} (${err.compactRevision ?? ctx.cache.revision()})`).status;
      yield { type: 'ERROR', object: status as Status & KObject };
      return;
    }
    if (!stop.signal.aborted) throw err;
  } finally {
    clearInterval(checkEnded);
    signal.removeEventListener('abort', onAbort);
  }
}
