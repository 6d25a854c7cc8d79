// The watch cache (Kubernetes' cacher): every served object in memory, kept current by one Store watch on
// `/registry/`, so lists without a limit and watches are served without touching the store. One watch for
// all resources (rather than one per resource) gives the cache a single revision that is complete for every
// kind: "the cache is at R" means every change up to R, of any kind, has been applied — what a consistent
// list needs. A bounded history of recent events lets watches start from a recent resourceVersion.
import type { Store, StoreEvent } from '../../store/types.ts';
import type { KObject, WatchEvent } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { apiVersionOf } from '../../types/meta.ts';
import { decode, prefixOf } from './keys.ts';
import { StatusError } from '../../types/status-error.ts';
import { factsOf, type Facts, type Filter } from './selectors.ts';

/**
 * One stored version of one object: its text and the few facts filters read (memory: the cache does not keep a
 * parsed object per entry). `obj` is the cache's parse while the change is being dispatched (never handed out).
 */
export interface CacheEntry {
  key: string;
  rev: number;
  json: string;
  facts: Facts;
  obj?: KObject;
}

interface CacheEvent {
  rev: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  cur: CacheEntry;
  prev?: CacheEntry;
}

/** What a watch registers: where its events go */
export interface CacheWatcher {
  filter: Filter;
  bookmarks: boolean;
  push(e: WatchEvent): void;
  /** the cache was reset (its store watch failed): the watch must end so the client re-lists */
  end(): void;
}

interface ResourceCache {
  spec: ResourceSpec;
  objects: Map<string, CacheEntry>;
  /** keys in order, rebuilt lazily after an add or delete */
  sorted?: string[];
  history: CacheEvent[];
  /** the history holds every change of this kind after this revision */
  since: number;
  watchers: Set<CacheWatcher>;
}

export interface WatchCacheOptions {
  /** events kept per resource for watches from a recent resourceVersion (default 5,000) */
  historySize?: number;
  /** how often watchers that asked for bookmarks get one (default 10 s) */
  bookmarkIntervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface WatchCache {
  start(): Promise<void>;
  close(): void;
  /** every change up to this revision is in the cache */
  revision(): number;
  /** resolves true once the cache is at rev or later, false after timeoutMs */
  waitFor(rev: number, timeoutMs: number): Promise<boolean>;
  get(spec: ResourceSpec, key: string): CacheEntry | undefined;
  /** current objects matching filter, in key order */
  list(spec: ResourceSpec, filter: Filter): CacheEntry[];
  /** every current object of a kind (unordered), for allocators and namespace checks */
  all(spec: ResourceSpec): Iterable<CacheEntry>;
  /**
   * Registers a watcher, synchronously after pushing its first events: all current matching objects as ADDED
   * (from 'current'), or the history after a revision; `tooOld` (the oldest revision it can start from) when the
   * history no longer reaches back there.
   */
  subscribe(spec: ResourceSpec, w: CacheWatcher, from: 'current' | number): { unsubscribe(): void; rev: number } | { tooOld: number };
  /**
   * The served set changed: a kind whose stored version is new gets a cache (loaded from the store at the
   * cache's revision, then kept by the one watch); a kind no longer served loses its cache and its watches
   * end. Resolves once every new cache is loaded.
   */
  sync(specs: readonly ResourceSpec[]): Promise<void>;
}

/**
 * On a WatchEvent made by the cache: the revision of the change, and its JSON line (`{"type":…,"object":…}` and a
 * newline) encoded once per change and shared by every HTTP watcher that is sent the same event. The event's
 * `object` is parsed only when someone reads it (the in-process informers do; an HTTP watch does not).
 */
export const eventRevision = Symbol('eventRevision');
export const encodedLine = Symbol('encodedLine');
export type CacheWatchEvent = WatchEvent & { [eventRevision]?: number; [encodedLine]?: () => string };

/** The object an entry stands for, a fresh copy with its resourceVersion (what callers and watchers get). */
export const objectOf = (e: Pick<CacheEntry, 'json' | 'rev'>, rev = e.rev): KObject => decode({ value: e.json, modRevision: rev });

export const bookmarkOf = (spec: ResourceSpec, rev: number, initialEventsEnd = false): KObject => ({
  kind: spec.kind,
  apiVersion: apiVersionOf(spec),
  metadata: { resourceVersion: String(rev), ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
});

export function createWatchCache(store: Store, specs: readonly ResourceSpec[], opts: WatchCacheOptions = {}): WatchCache {
  const historySize = opts.historySize ?? 5_000;
  const caches = new Map<string, ResourceCache>(); // by '<group or core>/<resource>'
  const cacheKey = (spec: Pick<ResourceSpec, 'group' | 'resource'>) => `${spec.group || 'core'}/${spec.resource}`;
  // one cache per group/resource, of its stored version (the other versions convert what it holds)
  for (const spec of specs) if (!spec.conversion) caches.set(cacheKey(spec), { spec, objects: new Map(), history: [], since: 0, watchers: new Set() });
  const builtin = new Set(caches.keys());
  /** keys changed by the watch while a new kind's cache was loading (the load must not undo them) */
  const loading = new Map<ResourceCache, Set<string>>();
  const loads = new Map<ResourceCache, Promise<void>>();
  let rev = 0;
  let waiters: { rev: number; done: (ok: boolean) => void }[] = [];
  const stop = new AbortController();
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let watching: Promise<void> | undefined;

  const cacheOfKey = (key: string): ResourceCache | undefined => {
    // '/registry/<group>/<resource>/...'
    const a = key.indexOf('/', 10);
    const b = a < 0 ? -1 : key.indexOf('/', a + 1);
    return b < 0 ? undefined : caches.get(key.slice(10, b));
  };
  const cacheOf = (spec: ResourceSpec): ResourceCache => {
    const c = caches.get(cacheKey(spec));
    if (!c) throw new StatusError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: { group: spec.group, kind: spec.resource } });
    return c;
  };

  /** a new kind's cache: registered (empty, following the watch) at once, filled from a store list at the revision it started at */
  async function fill(c: ResourceCache): Promise<void> {
    const spec = c.spec;
    caches.set(cacheKey(spec), c);
    const touched = new Set<string>();
    loading.set(c, touched);
    try {
      const listed = await store.list(prefixOf(spec), { revision: c.since });
      for (const kv of listed.items) {
        if (touched.has(kv.key) || caches.get(cacheKey(spec)) !== c) continue;
        c.objects.set(kv.key, { key: kv.key, rev: kv.modRevision, json: kv.value, facts: factsOf(c.spec, decode(kv)) });
      }
      c.sorted = undefined;
    } finally {
      loading.delete(c);
    }
  }

  function dispatch(c: ResourceCache, e: CacheEvent) {
    const lines: Record<string, string> = {};
    for (const w of c.watchers) {
      if (w.filter.namespace !== undefined && e.cur.facts.namespace !== w.filter.namespace) continue;
      const out = transition(w.filter, e, lines);
      if (out) w.push(out);
    }
  }

  function apply(ev: StoreEvent) {
    const c = cacheOfKey(ev.kv.key);
    const at = ev.kv.modRevision;
    if (c) {
      loading.get(c)?.add(ev.kv.key);
      const prev = c.objects.get(ev.kv.key);
      let e: CacheEvent;
      if (ev.type === 'put') {
        const obj = objectOf({ json: ev.kv.value, rev: at });
        const cur: CacheEntry = { key: ev.kv.key, rev: at, json: ev.kv.value, facts: factsOf(c.spec, obj), obj };
        if (!prev) c.sorted = undefined;
        c.objects.set(cur.key, cur);
        e = { rev: at, type: prev ? 'MODIFIED' : 'ADDED', cur, prev };
      } else {
        if (!prev) return void (rev = Math.max(rev, at));
        c.objects.delete(ev.kv.key);
        c.sorted = undefined;
        e = { rev: at, type: 'DELETED', cur: { key: ev.kv.key, rev: at, json: prev.json, facts: prev.facts }, prev };
      }
      c.history.push(e);
      if (c.history.length > historySize * 1.25) {
        const dropped = c.history.splice(0, c.history.length - historySize);
        c.since = dropped[dropped.length - 1].rev;
      }
      dispatch(c, e);
      // the parse was for this dispatch only
      e.cur.obj = undefined;
      if (e.prev) e.prev.obj = undefined;
    }
    rev = Math.max(rev, at);
  }

  function wakeWaiters() {
    if (waiters.length === 0) return;
    const ready = waiters.filter((w) => w.rev <= rev);
    if (ready.length === 0) return;
    waiters = waiters.filter((w) => w.rev > rev);
    for (const w of ready) w.done(true);
  }

  async function load(): Promise<void> {
    const listed = await store.list('/registry/');
    for (const c of caches.values()) {
      c.objects.clear();
      c.sorted = undefined;
      c.history = [];
      c.since = listed.revision;
    }
    for (const kv of listed.items) {
      const c = cacheOfKey(kv.key);
      if (!c) continue;
      c.objects.set(kv.key, { key: kv.key, rev: kv.modRevision, json: kv.value, facts: factsOf(c.spec, decode(kv)) });
    }
    rev = listed.revision;
    wakeWaiters();
  }

  async function follow(): Promise<void> {
    while (!stop.signal.aborted) {
      try {
        for await (const batch of store.watch('/registry/', rev, stop.signal)) {
          for (const ev of batch) apply(ev);
          wakeWaiters();
        }
        if (stop.signal.aborted) return;
      } catch (err) {
        if (stop.signal.aborted) return;
        opts.onError?.(err);
      }
      // the store watch ended or failed: start over from a fresh list, and end every watch so clients re-list
      await new Promise((r) => setTimeout(r, 200));
      if (stop.signal.aborted) return;
      try {
        await load();
      } catch (err) {
        opts.onError?.(err);
        continue;
      }
      for (const c of caches.values()) for (const w of [...c.watchers]) w.end();
    }
  }

  return {
    async start() {
      await load();
      watching = follow();
      bookmarkTimer = setInterval(() => {
        for (const c of caches.values()) for (const w of c.watchers) if (w.bookmarks) w.push({ type: 'BOOKMARK', object: bookmarkOf(c.spec, rev) });
      }, opts.bookmarkIntervalMs ?? 10_000);
      bookmarkTimer.unref();
    },
    close() {
      stop.abort();
      clearInterval(bookmarkTimer);
      for (const w of waiters) w.done(false);
      waiters = [];
      for (const c of caches.values()) for (const w of [...c.watchers]) w.end();
      void watching;
    },
    revision: () => rev,
    waitFor(want, timeoutMs) {
      if (want <= rev) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = { rev: want, done: (ok: boolean) => { clearTimeout(timer); resolve(ok); } };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    get: (spec, key) => cacheOf(spec).objects.get(key),
    list(spec, filter) {
      const c = cacheOf(spec);
      c.sorted ??= [...c.objects.keys()].sort();
      const out: CacheEntry[] = [];
      for (const key of c.sorted) {
        const e = c.objects.get(key)!;
        if (filter.matchesFacts(e.facts)) out.push(e);
      }
      return out;
    },
    all: (spec) => cacheOf(spec).objects.values(),
    async sync(specs) {
      const stored = new Map<string, ResourceSpec>();
      for (const spec of specs) if (!spec.conversion && !stored.has(cacheKey(spec))) stored.set(cacheKey(spec), spec);
      for (const [key, c] of [...caches]) {
        if (builtin.has(key)) continue;
        const spec = stored.get(key);
        if (spec) c.spec = spec; // the stored version may have moved; the objects stay
        else {
          caches.delete(key);
          for (const w of [...c.watchers]) w.end();
        }
      }
      for (const [key, spec] of stored) {
        if (caches.has(key)) continue;
        const c = { spec, objects: new Map(), history: [], since: rev, watchers: new Set<CacheWatcher>() };
        const load = fill(c).finally(() => loads.delete(c));
        loads.set(c, load);
      }
      // the loads this change started, and any an earlier change started that are still under way
      await Promise.all(loads.values());
    },
    subscribe(spec, w, from) {
      const c = cacheOf(spec);
      if (from === 'current') {
        for (const key of (c.sorted ??= [...c.objects.keys()].sort())) {
          const e = c.objects.get(key)!;
          if (w.filter.matchesFacts(e.facts)) w.push({ type: 'ADDED', object: objectOf(e) });
        }
      } else if (from < rev) {
        // the history must hold every event of this kind after `from`: its first event must be at most from+1 back
        if (from < c.since) return { tooOld: c.since };
        for (const e of c.history) {
          if (e.rev <= from) continue;
          const out = transition(w.filter, e);
          if (out) w.push(out);
        }
      }
      c.watchers.add(w);
      return { unsubscribe: () => void c.watchers.delete(w), rev };
    },
  };
}

/**
 * What one watcher sees of an event, as the cacher's watchers do: an object that starts matching is ADDED, one
 * that stops matching is DELETED (its previous state, at the event's revision), a delete of a match is DELETED.
 */
function transition(filter: Filter, e: CacheEvent, lines: Lines = {}): WatchEvent | undefined {
  if (e.type === 'DELETED') return filter.matchesFacts(e.cur.facts) ? lazyEvent(e, 'DELETED', e.cur, lines) : undefined;
  const now = filter.matchesFacts(e.cur.facts);
  const before = e.prev !== undefined && (!filter.selective || filter.matchesFacts(e.prev.facts));
  if (now) return lazyEvent(e, before ? 'MODIFIED' : 'ADDED', e.cur, lines);
  if (before) return lazyEvent(e, 'DELETED', e.prev!, lines);
  return undefined;
}

/** the JSON lines of one change, shared by the events made for it in one dispatch (garbage once they are sent) */
type Lines = Record<string, string>;

/** One watcher's event: its own object, parsed on first read; the JSON line shared through `lines`. */
function lazyEvent(e: CacheEvent, type: 'ADDED' | 'MODIFIED' | 'DELETED', entry: CacheEntry, lines: Lines): CacheWatchEvent {
  let object: KObject | undefined;
  return {
    type,
    get object() { return (object ??= objectOf(entry, e.rev)); },
    set object(v) { object = v; },
    [eventRevision]: e.rev,
    [encodedLine]: () => {
      const k = entry === e.cur ? type : 'prev';
      // the cache's own parse when it is of this revision (never handed out, only serialised), else a fresh one
      return (lines[k] ??= `{"type":"${type}","object":${JSON.stringify(entry.obj && entry.rev === e.rev ? entry.obj : objectOf(entry, e.rev))}}\n`);
    },
  };
}
