// The servicelb controller (k3s ServiceLB's / MetalLB's address role): every Service of type LoadBalancer
// without a loadBalancerClass gets an address from the pool in status.loadBalancer.ingress (ipMode VIP);
// the node's service proxy then carries its traffic. spec.loadBalancerIP is honoured when it lies in the pool
// and is free. What is taken is read from the Services themselves (level-triggered, nothing kept on disk);
// an address is free again once its Service is gone or no longer a LoadBalancer.
import type { Service } from '../endpoints/index.ts';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import type { LbPool } from './pool.ts';

export const controllerName = 'service-lb-controller';

/** whether this controller serves the Service (type LoadBalancer, no other implementation asked for) */
export const wantsAddress = (s: Service): boolean =>
  s.spec?.type === 'LoadBalancer' && !s.spec?.loadBalancerClass && !s.metadata?.deletionTimestamp;

const statusIPs = (s: Service): string[] => (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));

export function createServiceLbController(ctx: ControllerContext, pool: LbPool | undefined): Controller {
  const name = controllerName;
  const services = ctx.informers.informer<Service>(R.services);
  const recorder = ctx.recorder(name);
  const queue = createWorkQueue({ name });
  // addresses this controller wrote that its cache may not show yet (one worker, so no two syncs race)
  const claimed = new Map<string, string>();

  services.on({
    add: (s) => queue.add(objectKey(s)),
    update(o, s) {
      queue.add(objectKey(s));
      // a Service giving its address up lets one that waits for an address have it
      if (statusIPs(o).length && !statusIPs(s).length) for (const w of services.list()) if (wantsAddress(w) && !statusIPs(w).length) queue.add(objectKey(w));
    },
    delete(s) {
      for (const [ip, k] of claimed) if (k === objectKey(s)) claimed.delete(ip);
      if (statusIPs(s).length) for (const w of services.list()) if (wantsAddress(w) && !statusIPs(w).length) queue.add(objectKey(w));
    },
  });

  /** pool addresses held by Services other than `key` (from the cache and our own recent writes) */
  function usedByOthers(key: string): Map<string, string> {
    const used = new Map<string, string>();
    for (const s of services.list()) {
      const k = objectKey(s);
      if (k === key || !wantsAddress(s)) continue;
      for (const ip of statusIPs(s)) if (pool?.contains(ip)) used.set(ip, k);
    }
    for (const [ip, k] of claimed) {
      const holder = services.get(k);
      if (!holder || !wantsAddress(holder)) claimed.delete(ip);
      else if (k !== key && !used.has(ip)) used.set(ip, k);
    }
    return used;
  }

  async function writeStatus(svc: Service, ip: string | undefined): Promise<void> {
    const { namespace, name: svcName } = splitKey(objectKey(svc));
    const loadBalancer = ip ? { ingress: [{ ip, ipMode: 'VIP' }] } : { ingress: null };
    try {
      await ctx.client.patch(R.services, namespace, svcName, 'merge', { status: { loadBalancer } }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  /** the address the Service should have, or why it has none */
  function choose(svc: Service, key: string): { ip: string } | { reason: string } {
    if (!pool) return { reason: 'no LoadBalancer address pool is configured (skiff server --lb-pool)' };
    const used = usedByOthers(key);
    const requested = svc.spec?.loadBalancerIP;
    if (requested) {
      if (!pool.contains(requested)) return { reason: `requested loadBalancerIP ${requested} is not in the pool ${pool.text}` };
      const holder = used.get(requested);
      if (holder) return { reason: `requested loadBalancerIP ${requested} is already used by Service ${holder}` };
      return { ip: requested };
    }
    const current = statusIPs(svc).find((ip) => pool.contains(ip) && !used.has(ip));
    if (current) return { ip: current };
    // addresses other Services ask for by loadBalancerIP are not handed out to those that ask for none
    const reserved = new Set(used.keys());
    for (const s of services.list()) if (objectKey(s) !== key && wantsAddress(s) && s.spec?.loadBalancerIP) reserved.add(s.spec.loadBalancerIP);
    const free = pool.firstFree(reserved);
    return free ? { ip: free } : { reason: `no available address in the pool ${pool.text} (${pool.size} in use)` };
  }

  async function sync(key: string): Promise<ReconcileResult> {
    const svc = services.get(key);
    if (!svc) return;
    const mine = statusIPs(svc).filter((ip) => pool?.contains(ip));
    if (!wantsAddress(svc)) {
      for (const [ip, k] of claimed) if (k === key) claimed.delete(ip);
      // no longer a LoadBalancer: the address goes back to the pool
      if (mine.length && !svc.metadata?.deletionTimestamp) await writeStatus(svc, undefined);
      return;
    }
    const choice = choose(svc, key);
    if ('reason' in choice) {
      if (mine.length) await writeStatus(svc, undefined);
      recorder.event(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${choice.reason}`);
      return;
    }
    claimed.set(choice.ip, key);
    const ips = statusIPs(svc);
    if (ips.length === 1 && ips[0] === choice.ip) return;
    await writeStatus(svc, choice.ip);
    recorder.event(svc, 'Normal', 'IPAllocated', `Assigned IP ["${choice.ip}"]`);
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, 1, sync, signal, name);
    },
  };
}
