// Taking a deleted pod out of the Services' data path before its containers get SIGTERM. Kubernetes sends the
// signal as soon as the kubelet sees the deletion, racing the EndpointSlice controller and every node's proxy
// (users paper over it with `preStop: sleep`); here the kubelet waits, only for a pod that is a ready endpoint
// of some EndpointSlice (or was, when the slices already show it terminating), until the slices show it not ready (the controller has published the change, and
// the proxies watch the same slices), then a short margin for the proxies to apply it — all within a budget
// taken out of the grace period.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Informer } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';

export type Slice = EndpointSlice & KObject;

/** the index the drain looks slices up by: the uids of the pods they name */
export const slicesByPodUid = 'kubelet/pod-uid';
export const podUidsOf = (s: Slice): string[] => (s.endpoints ?? []).flatMap((e) => (e.targetRef?.uid ? [e.targetRef.uid] : []));

/** Is the pod a ready endpoint in any of these slices (ready unset counts as ready, as in the API)? */
export function readyEndpointOf(slices: Slice[], uid: string): boolean {
  return slices.some((s) => (s.endpoints ?? []).some((e) => e.targetRef?.uid === uid && e.conditions?.ready !== false));
}

/**
 * Is the pod listed serving and terminating: it was Ready when its deletion began and the slices already show
 * the flip (the kubelet came to the deletion after the controller), which the proxies may not have applied yet.
 */
export function flippedEndpointOf(slices: Slice[], uid: string): boolean {
  return slices.some((s) => (s.endpoints ?? []).some((e) => {
    const c = e.conditions ?? {};
    return e.targetRef?.uid === uid && c.terminating === true && (c.serving ?? c.ready ?? true);
  }));
}

export interface DrainOptions {
  /** what the proxies need after the slice shows the change (watch skew + one nft transaction) */
  marginMs: number;
  /** the longest the whole drain may take, however long the grace period */
  maxMs: number;
}

// 1 s: with no margin (only the slices' flip awaited) test/service-rollout still saw 3 of ~600 requests fail in
// two runs (ECONNREFUSED, and ECONNRESET where a connection had just reached the pod); with 1 s none of ~5,000
export const defaultDrain: DrainOptions = { marginMs: 1000, maxMs: 10_000 };

export interface DrainResult {
  /** 'not-an-endpoint': no wait; 'removed': the slices showed it not ready (+ the margin); 'timeout': the budget ran out */
  outcome: 'not-an-endpoint' | 'removed' | 'timeout';
  waitedMs: number;
}

export interface EndpointDrain {
  /** waits until the pod with this uid has left the ready endpoints (plus the margin), at most budgetMs */
  drain(uid: string, budgetMs: number, signal?: AbortSignal): Promise<DrainResult>;
}

/** The drain over a slice informer with the slicesByPodUid index; slice events wake the waiters. */
export function createEndpointDrain(slices: Informer<Slice>, o: DrainOptions = defaultDrain): EndpointDrain {
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  slices.on({ add: wake, update: wake, delete: wake });
  const isReady = (uid: string) => readyEndpointOf(slices.byIndex(slicesByPodUid, uid), uid);
  return {
    async drain(uid, budgetMs, signal) {
      const t0 = performance.now();
      const budget = Math.max(0, Math.min(budgetMs, o.maxMs));
      if (budget === 0) return { outcome: 'not-an-endpoint', waitedMs: 0 };
      if (!isReady(uid)) {
        // a kubelet behind (a busy pod worker, a loaded machine) finds the flip already published: the proxies
        // still need the margin, where stopping at once let a connection meet the stopping pod (ECONNREFUSED)
        if (!flippedEndpointOf(slices.byIndex(slicesByPodUid, uid), uid)) return { outcome: 'not-an-endpoint', waitedMs: 0 };
        await pause(Math.min(o.marginMs, budget), signal);
        return { outcome: 'removed', waitedMs: Math.round(performance.now() - t0) };
      }
      const removed = await waitUntil(() => !isReady(uid), budget, waiters, signal);
      const left = budget - (performance.now() - t0);
      if (removed && left > 0) await pause(Math.min(o.marginMs, left), signal);
      return { outcome: removed ? 'removed' : 'timeout', waitedMs: Math.round(performance.now() - t0) };
    },
  };
}

/** resolves true once cond() holds (checked on every wake), false at the deadline or on abort */
function waitUntil(cond: () => boolean, ms: number, waiters: Set<() => void>, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (v: boolean) => {
      clearTimeout(timer);
      waiters.delete(check);
      signal?.removeEventListener('abort', aborted);
      resolve(v);
    };
    const check = () => { if (cond()) finish(true); };
    const aborted = () => finish(false);
    const timer = setTimeout(() => finish(cond()), ms);
    waiters.add(check);
    signal?.addEventListener('abort', aborted, { once: true });
    check();
  });
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    if (signal?.aborted) return ok();
    const done = () => { clearTimeout(t); signal?.removeEventListener('abort', done); ok(); };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
