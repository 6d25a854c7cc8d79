// The work queue of a controller (client-go's workqueue: FIFO + dirty set + processing set, a delaying
// queue, and a rate limiter that is the max of a per-key exponential back-off and a global token bucket).
// A key is handed to one worker at a time; added while being processed, it is queued again when done.
import { logger } from '../../lib/log.ts';
import type { InformerFactory, ReconcileResult, WorkQueue } from './types.ts';

export interface WorkQueueOptions {
  name?: string;
  /** first retry delay of a key; doubles per failure (client-go: 5 ms) */
  baseDelayMs?: number;
  /** cap of the per-key back-off (client-go: 1000 s) */
  maxDelayMs?: number;
  /** global bucket for rate-limited re-adds: a retry storm of every key spreads out at this rate */
  qps?: number;
  burst?: number;
}

/** What runWorkers needs beyond the contract's WorkQueue. */
interface QueueInternals {
  /** the next key (marked processing), or undefined once shut down */
  get(): Promise<string | undefined>;
  done(key: string): void;
}

const internals = new WeakMap<WorkQueue, QueueInternals>();

export function createWorkQueue(opts: WorkQueueOptions = {}): WorkQueue & QueueInternals & { numRequeues(key: string): number } {
  const baseDelay = opts.baseDelayMs ?? 5;
  const maxDelay = opts.maxDelayMs ?? 1_000_000;
  // client-go uses 10 qps / 100 burst; a 3,000-pod burst of conflicts must not wait minutes, so more
  const qps = opts.qps ?? 200;
  const burst = opts.burst ?? 1000;

  const queue: string[] = [];
  let head = 0; // queue[head..] are waiting; shifting a big array per get is O(n)
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const waiters: Array<(key: string | undefined) => void> = [];
  const delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const failures = new Map<string, number>();
  let shuttingDown = false;
  let tokens = burst;
  let lastRefill = Date.now();

  function push(key: string) {
    const waiter = waiters.shift();
    if (waiter) {
      dirty.delete(key);
      processing.add(key);
      waiter(key);
    } else queue.push(key);
  }

  function add(key: string) {
    if (shuttingDown || dirty.has(key)) return;
    dirty.add(key);
    if (!processing.has(key)) push(key);
  }

  function addAfter(key: string, delayMs: number) {
    if (shuttingDown) return;
    if (delayMs <= 0) return add(key);
    const at = Date.now() + delayMs;
    const prev = delayed.get(key);
    if (prev && prev.at <= at) return; // an earlier wake-up already waits
    if (prev) clearTimeout(prev.timer);
    const timer = setTimeout(() => {
      delayed.delete(key);
      add(key);
    }, delayMs);
    timer.unref();
    delayed.set(key, { at, timer });
  }

  /** the global bucket's delay for one more retry: 0 while tokens last, then 1/qps apart */
  function bucketDelay(): number {
    const t = Date.now();
    tokens = Math.min(burst, tokens + ((t - lastRefill) / 1000) * qps);
    lastRefill = t;
    tokens -= 1;
    return tokens >= 0 ? 0 : (-tokens / qps) * 1000;
  }

  const q = {
    add,
    addAfter,
    addRateLimited(key: string) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      const backoff = Math.min(maxDelay, baseDelay * 2 ** Math.min(n, 60));
      addAfter(key, Math.max(backoff, bucketDelay()));
    },
    forget: (key: string) => void failures.delete(key),
    numRequeues: (key: string) => failures.get(key) ?? 0,
    len: () => queue.length - head,
    shutDown() {
      shuttingDown = true;
      for (const d of delayed.values()) clearTimeout(d.timer);
      delayed.clear();
      for (const w of waiters.splice(0)) w(undefined);
    },
    get(): Promise<string | undefined> {
      if (shuttingDown) return Promise.resolve(undefined);
      if (head < queue.length) {
        const key = queue[head++];
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        dirty.delete(key);
        processing.add(key);
        return Promise.resolve(key);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    done(key: string) {
      processing.delete(key);
      if (dirty.has(key) && !shuttingDown) push(key);
    },
  };
  internals.set(q, q);
  return q;
}

/**
 * Runs `workers` loops that take keys and reconcile them until signal aborts (then the queue shuts down and
 * this resolves once the running reconciles finish). A throw is logged and retried with back-off; success
 * forgets the key's back-off; { requeueAfterMs } runs it again after that delay.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  reconcile: (key: string) => Promise<ReconcileResult>,
  signal: AbortSignal,
  name = 'controller',
): Promise<void> {
  const inner = internals.get(queue);
  if (!inner) throw new TypeError('runWorkers needs a queue made by createWorkQueue');
  const log = logger(name);
  const stop = () => queue.shutDown();
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  const worker = async () => {
    for (;;) {
      const key = await inner.get();
      if (key === undefined) return;
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (result && result.requeueAfterMs >= 0) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        log.warn('reconcile failed, will retry', { key, err: err instanceof Error ? err.message : String(err) });
        queue.addRateLimited(key);
      } finally {
        inner.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * A controller's run(): start the shared informers, wait for their first lists (returning quietly if the
 * signal aborts meanwhile), then reconcile keys with `workers` workers until the signal aborts.
 */
export async function runWhenSynced(
  informers: InformerFactory,
  queue: WorkQueue,
  workers: number,
  reconcile: (key: string) => Promise<ReconcileResult>,
  signal: AbortSignal,
  name?: string,
): Promise<void> {
  informers.start(signal);
  try {
    await informers.waitForSync(signal);
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
  await runWorkers(queue, workers, reconcile, signal, name);
}
