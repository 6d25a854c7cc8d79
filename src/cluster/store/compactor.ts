// Automatic compaction for either backend: every intervalMs, compact to (current revision - keepRevisions).
// Kubernetes' apiserver compacts etcd every 5 minutes; kine keeps the last 1,000 revisions. We do both: a watch
// or list older than that answers 'compacted' (410 Gone), and the client re-lists.
import type { Store } from './types.ts';

export interface AutoCompactOptions {
  /** how often to compact (default 5 minutes) */
  intervalMs?: number;
  /** how many revisions of history to keep behind the newest (default 1,000) */
  keepRevisions?: number;
  /** called with a failure (the compactor keeps running) */
  onError?: (err: unknown) => void;
}

export const DEFAULT_COMPACT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_KEEP_REVISIONS = 1000;

/** starts the timer; the returned function stops it (and waits for a compaction in progress) */
export function startCompactor(store: Pick<Store, 'currentRevision' | 'compact'>, opts: AutoCompactOptions = {}): () => Promise<void> {
  const intervalMs = opts.intervalMs ?? DEFAULT_COMPACT_INTERVAL_MS;
  const keep = opts.keepRevisions ?? DEFAULT_KEEP_REVISIONS;
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running) return; // the previous compaction is still working through its batches
    running = (async () => {
      const target = (await store.currentRevision()) - keep;
      if (target > 0) await store.compact(target);
    })()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref(); // never keeps the process alive on its own
  return async () => {
    clearInterval(timer);
    await running;
  };
}
