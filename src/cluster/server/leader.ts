// Leader election for the control loops, as kube-controller-manager does it: a coordination.k8s.io Lease in
// kube-system held by one server at a time. With one SQLite store there is one server and it always leads;
// with several servers on one etcd, only the leader runs the scheduler and controllers, and another takes
// over when the leader stops renewing. Every write is a compare-and-swap on the Lease's resourceVersion.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../client/types.ts';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { logger } from '../../lib/log.ts';

const log = logger('leader');

export interface LeaderElectionOptions {
  client: ApiClient;
  name?: string; // lease name in kube-system
  leaseDurationMs?: number; // 15 s, as kube-controller-manager
  renewPeriodMs?: number; // 2 s
  now?: () => Date;
}

type LeaseObject = Lease & KObject;

/** Runs `lead(signal)` whenever this process holds the lease; the signal aborts when it loses it. */
export async function runLeaderElected(opts: LeaderElectionOptions, lead: (signal: AbortSignal) => void, signal: AbortSignal): Promise<void> {
  const { client } = opts;
  const name = opts.name ?? 'skiff-control-plane';
  const duration = opts.leaseDurationMs ?? 15_000;
  const period = opts.renewPeriodMs ?? 2_000;
  const now = opts.now ?? (() => new Date());
  const identity = `${hostname()}_${randomUUID()}`;
  let leading: AbortController | undefined;

  const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const spec = (acquire: string) => ({ holderIdentity: identity, leaseDurationSeconds: Math.ceil(duration / 1000), acquireTime: acquire, renewTime: micro(now()) });

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let cur: LeaseObject | undefined;
    try {
      cur = await client.get<LeaseObject>(R.leases, 'kube-system', name);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
    if (!cur) {
      await client.create(R.leases, 'kube-system', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-system' }, spec: spec(micro(now())) });
      return true;
    }
    const s = cur.spec ?? {};
    const mine = s.holderIdentity === identity;
    const expired = !s.renewTime || Date.parse(s.renewTime) + (s.leaseDurationSeconds ?? 15) * 1000 < now().getTime();
    if (!mine && !expired) return false;
    const transitions = (s.leaseTransitions ?? 0) + (mine ? 0 : 1);
    await client.update(R.leases, 'kube-system', { ...cur, spec: { ...spec(mine && s.acquireTime ? s.acquireTime : micro(now())), leaseTransitions: transitions } });
    return true;
  };

  let lastRenew = 0;
  while (!signal.aborted) {
    let held = false;
    try {
      held = await tryAcquireOrRenew();
      if (held) lastRenew = Date.now();
    } catch (err) {
      // a conflict means another server wrote first; anything else: keep leading only within the lease
      if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'AlreadyExists')) log.warn('lease renewal failed', { err: err as Error });
      held = leading !== undefined && Date.now() - lastRenew < duration - period;
    }
    if (held && !leading) {
      log.info(`became the leader (${identity}): starting the scheduler and controllers`);
      leading = new AbortController();
      lead(leading.signal);
    } else if (!held && leading) {
      log.warn(`lost the lease: stopping the scheduler and controllers`);
      leading.abort();
      leading = undefined;
    }
    await new Promise<void>((ok) => {
      const t = setTimeout(ok, period);
      signal.addEventListener('abort', () => (clearTimeout(t), ok()), { once: true });
    });
  }
  if (leading) {
    leading.abort();
    // release on a clean stop (ReleaseOnCancel), so another server need not wait for the lease to expire
    try {
      const cur = await client.get<LeaseObject>(R.leases, 'kube-system', name);
      if (cur.spec?.holderIdentity === identity) await client.update(R.leases, 'kube-system', { ...cur, spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: micro(new Date(0)) } });
    } catch (err) {
      log.warn('could not release the lease', { err: err as Error });
    }
  }
}
