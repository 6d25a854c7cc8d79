// The store under the API server (DESIGN.md "Store"): keys with one global, increasing revision, as etcd's
// KV. resourceVersion *is* the revision. Two backends pass the same suite (./testsuite.ts): SQLite (kine's
// idea: every revision a row) and etcd (one-to-one on its KV and Watch).
//
// Lifecycle of a key, with revisions:
//   create('/registry/core/pods/default/web', v1)        → { modRevision: 7, createRevision: 7 }
//   update('/registry/core/pods/default/web', v2, 7)     → { modRevision: 9, createRevision: 7 }
//   update(…, v3, 7)                                     → throws StoreError 'conflict' (current is 9)
//   delete('/registry/core/pods/default/web', 9)         → the last value, modRevision 10 (the delete's revision)
//   watch('/registry/core/pods/', 6) yields put@7, put@9, delete@10 (and every later change), in order.
//   compact(9) forgets history before 9: watch/list from revision < 9 throws/ends with 'compacted'.

export interface KeyValue {
  key: string;
  /** JSON text of the object as the API server stored it */
  value: string;
  /** revision that created this key (its current incarnation) */
  createRevision: number;
  /** revision of the last change to it (for a delete event: the delete's revision) */
  modRevision: number;
}

export type StoreEvent =
  | { type: 'put'; kv: KeyValue; prev?: KeyValue } // prev absent on create
  | { type: 'delete'; kv: KeyValue; prev?: KeyValue }; // kv.value is the last value; kv.modRevision the delete's revision

export interface ListResult {
  items: KeyValue[];
  /** the revision the list was read at */
  revision: number;
  /** more keys follow the last item (when a limit cut the list) */
  more: boolean;
}

export interface ListOptions {
  /** read at this revision (MVCC); absent = latest. Below the compacted revision → StoreError 'compacted'. */
  revision?: number;
  /** at most this many items (0/absent = all) */
  limit?: number;
  /** start strictly after this key (for continue tokens) */
  after?: string;
}

export type StoreErrorCode = 'notFound' | 'exists' | 'conflict' | 'compacted' | 'unavailable';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** for 'conflict': the key's current state, so the caller can answer without another read */
  readonly current?: KeyValue;
  /** for 'compacted': the oldest revision still available */
  readonly compactRevision?: number;
  constructor(code: StoreErrorCode, message: string, extra?: { current?: KeyValue; compactRevision?: number; cause?: unknown }) {
    super(message, extra?.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'StoreError';
    this.code = code;
    this.current = extra?.current;
    this.compactRevision = extra?.compactRevision;
  }
}

export interface Store {
  /** the newest revision (0 for an empty store) */
  currentRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** keys starting with prefix, in key order */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** throws 'exists' when the key is live */
  create(key: string, value: string): Promise<KeyValue>;
  /** compare-and-swap on modRevision; throws 'notFound' or 'conflict' */
  update(key: string, value: string, ifModRevision: number): Promise<KeyValue>;
  /** deletes (only if modRevision matches, when given); returns the deleted value at the delete's revision */
  delete(key: string, ifModRevision?: number): Promise<KeyValue>;
  /**
   * Every change under prefix with revision > afterRevision, in revision order, then live changes until
   * signal aborts. Batches of events share nothing but order. If afterRevision is older than the compacted
   * revision, the iterator throws StoreError 'compacted' at once.
   */
  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<StoreEvent[]>;
  /** drop history older than revision (live values stay) */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
