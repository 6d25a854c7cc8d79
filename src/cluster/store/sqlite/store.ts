// The SQLite Store: one file, one owning process, the writes of one event-loop turn grouped in one IMMEDIATE
// transaction (group commit: a crash leaves the old or the new state, a caller hears back only after COMMIT),
// watchers woken in memory. See schema.ts for the tables and why they look like that.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startCompactor, type AutoCompactOptions } from '../compactor.ts';
import { prefixEnd } from '../keys.ts';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent } from '../types.ts';
import { createHistory } from './history.ts';
import { initSchema, type ListRow, type LogRow, type LogRowWithPrev, type Statements } from './schema.ts';
import { watchLog, type WatchSource } from './watch.ts';

export interface SqliteStoreOptions {
  /** events kept in memory for watches from a recent revision (default 2,000: the API server's watch cache keeps
   *  its own history and tails the store live, so older events are read back from the log table when needed) */
  historySize?: number;
  /** automatic compaction; off unless given (openStore turns it on for the server) */
  autoCompact?: AutoCompactOptions;
  /** log rows looked at per compaction transaction (default 1,000) */
  compactBatch?: number;
}

/** sorts after every ASCII key: the upper bound of the '' prefix */
const MAX_KEY = '\u{10FFFF}';
const rangeEnd = (prefix: string): string => prefixEnd(prefix) ?? MAX_KEY;
const lowerBound = (prefix: string, after?: string): string =>
  after !== undefined && after >= prefix ? after + '\0' : prefix;

const toKv = (r: Pick<LogRow, 'key' | 'value' | 'create_revision' | 'revision'>): KeyValue => ({
  key: r.key,
  value: r.value,
  createRevision: r.create_revision,
  modRevision: r.revision,
});

export function createSqliteStore(path: string, opts: SqliteStoreOptions = {}): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: DatabaseSync;
  let st: Statements;
  try {
    db = new DatabaseSync(path);
    st = initSchema(db);
  } catch (err) {
    throw new StoreError('unavailable', `cannot open the SQLite store at ${path}: ${(err as Error).message} (is another skiff server using it?)`, { cause: err });
  }
  const metaValue = (name: string): number => (st.getMeta.get(name) as { value: number } | undefined)?.value ?? 0;
  let revision = (st.sequence.get() as { seq: number } | undefined)?.seq ?? 0;
  let compactRevision = metaValue('compact_revision');
  const history = createHistory(revision, opts.historySize ?? 2_000);
  let closed = false;
  let waiters: (() => void)[] = [];

  const wakeWatchers = (): void => {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  const sqliteFailure = (err: unknown): StoreError => {
    if (err instanceof StoreError) return err;
    if ((err as { errcode?: number }).errcode === 2067) {
      // SQLITE_CONSTRAINT_UNIQUE on (key, prev_revision): someone else built on the same revision
      return new StoreError('conflict', 'the key changed concurrently', { cause: err });
    }
    return new StoreError('unavailable', `SQLite write failed: ${(err as Error).message}`, { cause: err });
  };

  // Group commit: the writes of one event-loop turn share one IMMEDIATE transaction, committed in a
  // setImmediate; each write runs in its own SAVEPOINT (a failing one rolls back alone) and its caller is
  // answered only after the COMMIT, when its event is published to watchers. `revision` stays the committed
  // revision; `txRevision` is the last one handed out inside the open transaction.
  interface Staged { event: StoreEvent; resolve(kv: KeyValue): void; reject(err: unknown): void }
  let staged: Staged[] = [];
  const stagedKeys = new Set<string>();
  let txOpen = false;
  let txRevision = revision;
  let commitScheduled = false;

  /** commits the open transaction (if any): publishes its events in order, then answers its writers */
  const flush = (): void => {
    if (!txOpen) return;
    const batch = staged;
    staged = [];
    stagedKeys.clear();
    txOpen = false;
    try {
      st.commit.run();
    } catch (err) {
      try { st.rollback.run(); } catch { /* already rolled back */ }
      txRevision = revision;
      const failure = sqliteFailure(err);
      for (const w of batch) w.reject(failure);
      return;
    }
    for (const w of batch) history.push(w.event);
    if (batch.length > 0) revision = batch[batch.length - 1].event.kv.modRevision;
    txRevision = revision;
    wakeWatchers();
    for (const w of batch) w.resolve(w.event.kv);
  };
  const scheduleFlush = (): void => {
    if (commitScheduled) return;
    commitScheduled = true;
    setImmediate(() => {
      commitScheduled = false;
      flush();
    });
  };
  /** a read that could see a staged (uncommitted) key commits first: no dirty reads */
  const flushIfStaged = (prefix: string): void => {
    if (!txOpen || stagedKeys.size === 0) return;
    for (const k of stagedKeys) if (k.startsWith(prefix)) return flush();
  };

  /** runs fn in one IMMEDIATE transaction of its own (compaction); a throw rolls everything back */
  const transaction = <T>(fn: () => T): T => {
    if (closed) throw new StoreError('unavailable', 'the store is closed');
    flush();
    st.begin.run();
    try {
      const out = fn();
      st.commit.run();
      return out;
    } catch (err) {
      st.rollback.run();
      throw sqliteFailure(err);
    }
  };

  const liveRow = (key: string): LogRow | undefined => st.getLive.get(key) as LogRow | undefined;

  /** appends one row, moves `current`, returns the event; inside the open transaction */
  const append = (row: Omit<LogRow, 'revision'>, prev: KeyValue | undefined): StoreEvent => {
    const res = st.insert.run(row.key, row.created, row.deleted, row.create_revision, row.prev_revision, row.value);
    const rev = Number(res.lastInsertRowid);
    if (row.deleted) st.deleteCurrent.run(row.key);
    else st.setCurrent.run(row.key, rev);
    const kv: KeyValue = { key: row.key, value: row.value, createRevision: row.create_revision, modRevision: rev };
    return { type: row.deleted ? 'delete' : 'put', kv, ...(prev ? { prev } : {}) };
  };

  /** stages one write (fn appends at most one row) in the open transaction; resolves after its COMMIT */
  const write = (key: string, fn: () => StoreEvent): Promise<KeyValue> => {
    if (closed) return Promise.reject(new StoreError('unavailable', 'the store is closed'));
    try {
      if (!txOpen) {
        st.begin.run();
        txOpen = true;
        scheduleFlush();
      }
      st.savepoint.run();
      let event: StoreEvent;
      try {
        event = fn();
        st.release.run();
      } catch (err) {
        st.rollbackTo.run();
        st.release.run();
        throw err;
      }
      txRevision = event.kv.modRevision;
      stagedKeys.add(key);
      return new Promise<KeyValue>((resolve, reject) => staged.push({ event, resolve, reject }));
    } catch (err) {
      return Promise.reject(sqliteFailure(err));
    }
  };

  // prev of an event: shared with the history entry when held, else read back from the log
  const prevKv = (row: LogRow): KeyValue => history.at(row.revision) ?? toKv(row);

  const source: WatchSource = {
    get revision() { return revision; },
    get compactRevision() { return compactRevision; },
    get closed() { return closed; },
    history,
    changes(after, upTo, prefix, limit) {
      const rows = st.changes.all(after, upTo, prefix, rangeEnd(prefix), limit) as unknown as LogRowWithPrev[];
      return rows.map((r): StoreEvent => {
        const kv = toKv(r);
        const prev: KeyValue | undefined = !r.created && r.p_revision !== null && !r.p_deleted
          ? { key: r.key, value: r.p_value ?? '', createRevision: r.p_create_revision ?? 0, modRevision: r.p_revision }
          : undefined;
        return { type: r.deleted ? 'delete' : 'put', kv, ...(prev ? { prev } : {}) };
      });
    },
    wait(signal) {
      return new Promise<void>((resolve) => {
        if (closed || signal.aborted) return resolve();
        const done = (): void => { signal.removeEventListener('abort', done); resolve(); };
        waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
  };

  const compact = async (target: number): Promise<void> => {
    target = Math.min(target, revision);
    if (target <= compactRevision) return;
    // readers below the target fail from now on, before any row goes
    transaction(() => st.setMeta.run('compact_revision', target));
    compactRevision = target;
    const batch = opts.compactBatch ?? 1000;
    // rows that survived earlier compactions (then live, since replaced) sit below the old target: start at 0
    for (let lo = 0; !closed; ) {
      const hi = (st.compactWindow.get(lo, target, batch) as { revision: number | null }).revision;
      if (hi === null) break;
      transaction(() => st.compactBatch.run(lo, hi, target, target));
      lo = hi;
      await new Promise<void>((r) => setImmediate(r)); // let writes in between batches
    }
    if (!closed) st.checkpoint.get();
  };

  const stopCompactor = opts.autoCompact ? startCompactor({ currentRevision: async () => revision, compact }, opts.autoCompact) : undefined;

  const ensureOpen = (): void => {
    if (closed) throw new StoreError('unavailable', 'the store is closed');
  };

  return {
    async currentRevision() {
      return revision;
    },

    async get(key) {
      ensureOpen();
      if (stagedKeys.has(key)) flush();
      const row = liveRow(key);
      return row ? toKv(row) : undefined;
    },

    async list(prefix, lopts: ListOptions = {}): Promise<ListResult> {
      ensureOpen();
      flushIfStaged(prefix);
      const limit = lopts.limit && lopts.limit > 0 ? lopts.limit : -1;
      const lo = lowerBound(prefix, lopts.after);
      const hi = rangeEnd(prefix);
      const at = lopts.revision;
      if (at !== undefined && at > 0 && at < compactRevision) {
        throw new StoreError('compacted', `revision ${at} has been compacted (oldest available: ${compactRevision})`, { compactRevision });
      }
      const sqlLimit = limit < 0 ? -1 : limit + 1; // one extra row tells whether more follow
      const readAt = at !== undefined && at > 0 && at < revision ? at : revision;
      const rows = (readAt === revision
        ? st.listLatest.all(lo, hi, sqlLimit)
        : st.listAt.all(lo, hi, readAt, sqlLimit)) as unknown as ListRow[];
      const more = limit >= 0 && rows.length > limit;
      const n = more ? limit : rows.length;
      const items: KeyValue[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        items[i] = { key: r[0], value: r[1], createRevision: r[2], modRevision: r[3] };
      }
      return { items, revision: readAt, more };
    },

    async count(prefix) {
      ensureOpen();
      flushIfStaged(prefix);
      return (st.count.get(prefix, rangeEnd(prefix)) as { n: number }).n;
    },

    create(key, value) {
      return write(key, () => {
        if (st.currentRevisionOf.get(key)) throw new StoreError('exists', `key ${key} already exists`);
        const last = (st.lastRowOf.get(key) as { revision: number | null }).revision ?? 0; // a tombstone, or none
        // this process alone writes the file, so the row's own revision (its create_revision) is the next one
        const ev = append({ key, created: 1, deleted: 0, create_revision: txRevision + 1, prev_revision: last, value }, undefined);
        if (ev.kv.modRevision !== txRevision + 1) throw new StoreError('unavailable', `revision sequence out of step (${ev.kv.modRevision} after ${txRevision}): is another process writing the file?`);
        return ev;
      });
    },

    update(key, value, ifModRevision) {
      return write(key, () => {
        const cur = liveRow(key);
        if (!cur) throw new StoreError('notFound', `key ${key} not found`);
        if (cur.revision !== ifModRevision) {
          throw new StoreError('conflict', `key ${key} is at revision ${cur.revision}, not ${ifModRevision}`, { current: toKv(cur) });
        }
        return append({ key, created: 0, deleted: 0, create_revision: cur.create_revision, prev_revision: cur.revision, value }, prevKv(cur));
      });
    },

    delete(key, ifModRevision) {
      return write(key, () => {
        const cur = liveRow(key);
        if (!cur) throw new StoreError('notFound', `key ${key} not found`);
        if (ifModRevision !== undefined && cur.revision !== ifModRevision) {
          throw new StoreError('conflict', `key ${key} is at revision ${cur.revision}, not ${ifModRevision}`, { current: toKv(cur) });
        }
        return append({ key, created: 0, deleted: 1, create_revision: cur.create_revision, prev_revision: cur.revision, value: cur.value }, prevKv(cur));
      });
    },

    watch(prefix, afterRevision, signal) {
      return watchLog(source, prefix, afterRevision, signal);
    },

    compact,

    async close() {
      if (closed) return;
      await stopCompactor?.();
      flush();
      closed = true;
      wakeWatchers();
      db.close();
    },
  };
}
